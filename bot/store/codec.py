"""How matching's value types are written to and read from SQLite columns (JSON text)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from matching.geo import Area

E = TypeVar("E", bound=StrEnum)


def codes_to_json(codes: Iterable[str]) -> str:
    """Sorted, so the same set always gives the same text."""
    return json.dumps(sorted(str(code) for code in codes))


# Peers' rows repeat a few hundred distinct code lists and areas; decoding each once keeps a request that
# reads a few hundred candidates fast. The results are immutable, so sharing them is safe.
@functools.lru_cache(maxsize=16_384)
def codes_from_json(enum: type[E], text: str) -> frozenset[E]:
    return frozenset(enum(code) for code in json.loads(text))


def area_to_json(area: Area) -> str:
    return json.dumps(
        {
            "national": area.national,
            "online": area.online,
            "regions": sorted(area.regions),
            "municipalities": sorted(area.municipalities),
        }
    )


@functools.lru_cache(maxsize=16_384)
def area_from_json(text: str) -> Area:
    data = json.loads(text)
    return Area(
        national=data["national"],
        online=data["online"],
        regions=frozenset(data["regions"]),
        municipalities=frozenset(data["municipalities"]),
    )
