"""Municipalities, regions and how close an initiative or a peer is to a person.

A person's location is their municipality (kommune); the region is derived from effective-dated rows in
data/municipalities.csv. That is what lets the 2027 merger of Hovedstaden and Sjælland into Østdanmark be a change
of data rather than of code. The module reads only the two CSV files in data/ and is otherwise pure.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import IntEnum
from itertools import pairwise
from pathlib import Path

__all__ = [
    "ALIASES",
    "DATA_DIR",
    "NEIGHBOUR_PAIRS",
    "Area",
    "Geography",
    "Municipality",
    "Proximity",
    "Region",
    "RegionPeriod",
    "all_municipalities",
    "danish_sort_key",
    "default_geography",
    "municipalities_in",
    "municipality",
    "normalise",
    "proximity",
    "region_of",
    "regions",
    "search",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
REGIONS_FILE = "regions.csv"
MUNICIPALITIES_FILE = "municipalities.csv"
_REGION_COLUMNS = ["code", "name_da", "name_en", "valid_from", "valid_to"]
_MUNICIPALITY_COLUMNS = ["code", "name", "region", "valid_from", "valid_to"]

# Regions that share a land border or a bridge (Storebælt between Sjælland and Fyn). A person may be offered a
# peer or an initiative from a neighbouring region, ranked below their own. Codes that never coexist (e.g.
# oestdanmark and hovedstaden) need no pair; the pairs hold whenever both regions exist.
NEIGHBOUR_PAIRS: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in (
        ("hovedstaden", "sjaelland"),
        ("sjaelland", "syddanmark"),
        ("syddanmark", "midtjylland"),
        ("midtjylland", "nordjylland"),
        ("oestdanmark", "syddanmark"),
    )
)

# Other names people type for a municipality: English names and common abbreviations. ASCII spellings of æ/ø/å
# need no entry here; search folds them anyway.
ALIASES: Mapping[str, int] = {
    "Copenhagen": 101,
    "Kbh": 101,
    "Cph": 101,
    "Kjøbenhavn": 101,
    "Århus": 751,
    "Ålborg": 851,
    "Elsinore": 217,
}


class Proximity(IntEnum):
    """How close what an area serves is to a person; higher is closer, so it sorts as a ranking key."""

    NATIONAL_OR_ONLINE = 0
    NEIGHBOUR_REGION = 1
    SAME_REGION = 2
    SAME_MUNICIPALITY = 3


@dataclass(frozen=True, slots=True)
class Region:
    """A region as it existed between valid_from and valid_to (inclusive; None is open)."""

    code: str
    name_da: str
    name_en: str
    valid_from: date
    valid_to: date | None = None

    def active_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def clamp(self, on: date) -> date:
        """The date nearest to `on` on which the region existed."""
        if on < self.valid_from:
            return self.valid_from
        if self.valid_to is not None and on > self.valid_to:
            return self.valid_to
        return on


@dataclass(frozen=True, slots=True)
class RegionPeriod:
    """One row of a municipality's history: it belonged to `region` from valid_from to valid_to (inclusive)."""

    region: str
    valid_from: date
    valid_to: date | None = None

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True, slots=True)
class Municipality:
    """A kommune: its official number, its Danish name and the regions it has belonged to over time."""

    code: int
    name: str
    periods: tuple[RegionPeriod, ...] = field(default=(), compare=False, repr=False)

    def region_code_on(self, on: date) -> str:
        for period in self.periods:
            if period.covers(on):
                return period.region
        raise ValueError(f"municipality {self.code} has no region on {on.isoformat()}")

    @property
    def region_codes(self) -> frozenset[str]:
        """Every region the municipality has ever belonged to (or will, for dated future rows)."""
        return frozenset(period.region for period in self.periods)


@dataclass(frozen=True, slots=True)
class Area:
    """What an initiative or a peer serves: the whole country, online, some regions and/or some municipalities.

    A region code in `regions` covers every municipality that belonged to that region at any time, so an area
    written as {"hovedstaden"} keeps meaning the old Hovedstaden after the 2027 merger.
    """

    national: bool = False
    online: bool = False
    regions: frozenset[str] = frozenset()
    municipalities: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        # Accept any iterable (a set, a list from a CSV) but store frozensets, so the area stays hashable.
        object.__setattr__(self, "regions", frozenset(self.regions))
        object.__setattr__(self, "municipalities", frozenset(self.municipalities))

    @property
    def is_empty(self) -> bool:
        return not (self.national or self.online or self.regions or self.municipalities)


_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_SEPARATORS = re.compile(r"[\W_]+")
_DIGRAPHS = re.compile(r"aa|ae|oe")


def normalise(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: "Høje-Taastrup" -> "hoeje taastrup".

    æ/ø/å become ae/oe/aa as Danes write them without a Danish keyboard; other accents are dropped (é -> e).
    """
    folded = unicodedata.normalize("NFC", text).casefold().translate(_FOLD)
    ascii_only = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", ascii_only).strip()


def _loose(text: str) -> str:
    """normalise() with aa/ae/oe reduced to a/a/o, so that "Koge", "Koege" and "Køge" compare equal."""
    return _DIGRAPHS.sub(lambda m: m.group(0)[0], normalise(text))


_DANISH_ORDER = str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}"})  # the three code points after z


def danish_sort_key(name: str) -> str:
    """Sort key putting æ, ø, å after z, as in a Danish list."""
    return name.casefold().translate(_DANISH_ORDER)


def _parse_date(value: str, column: str, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{where}: {column} is not an ISO date: {value!r}") from None


def _read_rows(path: Path, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows with their line numbers, after checking the header; blank lines are skipped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or [h.strip() for h in header] != columns:
            raise ValueError(f"{path.name}, line 1: expected the columns {','.join(columns)}")
        rows: list[tuple[int, dict[str, str]]] = []
        for raw in reader:
            if not any(cell.strip() for cell in raw):
                continue
            where = f"{path.name}, line {reader.line_num}"
            if len(raw) != len(columns):
                raise ValueError(f"{where}: expected {len(columns)} columns, found {len(raw)}")
            rows.append((reader.line_num, dict(zip(columns, (cell.strip() for cell in raw), strict=True))))
    return rows


def _validity(row: dict[str, str], where: str) -> tuple[date, date | None]:
    if not row["valid_from"]:
        raise ValueError(f"{where}: valid_from is empty")
    valid_from = _parse_date(row["valid_from"], "valid_from", where)
    valid_to = _parse_date(row["valid_to"], "valid_to", where) if row["valid_to"] else None
    if valid_to is not None and valid_to < valid_from:
        raise ValueError(f"{where}: valid_to {valid_to} is before valid_from {valid_from}")
    return valid_from, valid_to


def _load_regions(path: Path) -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for line, row in _read_rows(path, _REGION_COLUMNS):
        where = f"{path.name}, line {line}"
        code = row["code"]
        if not re.fullmatch(r"[a-z_]+", code):
            raise ValueError(f"{where}: region code must be lower-case ASCII letters: {code!r}")
        if code in regions:
            raise ValueError(f"{where}: duplicate region code {code!r}")
        if not row["name_da"] or not row["name_en"]:
            raise ValueError(f"{where}: region {code!r} needs name_da and name_en")
        valid_from, valid_to = _validity(row, where)
        regions[code] = Region(code, row["name_da"], row["name_en"], valid_from, valid_to)
    if not regions:
        raise ValueError(f"{path.name}: no regions")
    return regions


def _load_municipalities(path: Path, regions: Mapping[str, Region]) -> dict[int, Municipality]:
    """Read the dated rows and check that each municipality is in exactly one region on every date.

    "Every date" starts at the earliest region valid_from (the 2007 reform) and is open-ended.
    """
    start = min(region.valid_from for region in regions.values())
    names: dict[int, str] = {}
    history: dict[int, list[tuple[int, RegionPeriod]]] = {}
    seen_names: dict[str, int] = {}
    for line, row in _read_rows(path, _MUNICIPALITY_COLUMNS):
        where = f"{path.name}, line {line}"
        if not re.fullmatch(r"\d{3}", row["code"]):
            raise ValueError(f"{where}: municipality code must have 3 digits: {row['code']!r}")
        code = int(row["code"])
        name = row["name"]
        if not name:
            raise ValueError(f"{where}: municipality {code} has no name")
        if names.setdefault(code, name) != name:
            raise ValueError(f"{where}: municipality {code} is named both {names[code]!r} and {name!r}")
        if seen_names.setdefault(normalise(name), code) != code:
            raise ValueError(f"{where}: the name {name!r} is used by two municipalities")
        region = regions.get(row["region"])
        if region is None:
            raise ValueError(f"{where}: unknown region code {row['region']!r}")
        valid_from, valid_to = _validity(row, where)
        region_ends = region.valid_to or date.max
        if valid_from < region.valid_from or (valid_to or date.max) > region_ends:
            raise ValueError(f"{where}: the row is valid outside the dates of region {region.code!r}")
        history.setdefault(code, []).append((line, RegionPeriod(region.code, valid_from, valid_to)))

    municipalities: dict[int, Municipality] = {}
    for code, rows in history.items():
        rows.sort(key=lambda item: item[1].valid_from)
        first_line, first = rows[0]
        if first.valid_from > start:
            raise ValueError(
                f"{path.name}, line {first_line}: municipality {code} has no region before {first.valid_from}"
            )
        for (_, previous), (line, period) in pairwise(rows):
            if previous.valid_to is None or period.valid_from <= previous.valid_to:
                raise ValueError(f"{path.name}, line {line}: municipality {code} has overlapping rows")
            if period.valid_from != previous.valid_to + timedelta(days=1):
                raise ValueError(
                    f"{path.name}, line {line}: municipality {code} has no region "
                    f"from {previous.valid_to + timedelta(days=1)} to {period.valid_from - timedelta(days=1)}"
                )
        last_line, last = rows[-1]
        if last.valid_to is not None:
            raise ValueError(f"{path.name}, line {last_line}: municipality {code} has no region after {last.valid_to}")
        municipalities[code] = Municipality(code, names[code], tuple(period for _, period in rows))
    if not municipalities:
        raise ValueError(f"{path.name}: no municipalities")
    return municipalities


class Geography:
    """The municipality and region tables with the look-ups intake and matching need; immutable once built."""

    def __init__(
        self,
        regions: Mapping[str, Region],
        municipalities: Mapping[int, Municipality],
        neighbour_pairs: Iterable[frozenset[str]] = NEIGHBOUR_PAIRS,
        aliases: Mapping[str, int] = ALIASES,
    ) -> None:
        self._regions = dict(regions)
        self._municipalities = dict(municipalities)
        self._neighbours: dict[str, frozenset[str]] = {code: frozenset() for code in self._regions}
        for pair in neighbour_pairs:
            for code in pair:
                if code not in self._regions:
                    raise ValueError(f"neighbour table names unknown region {code!r}")
                self._neighbours[code] |= pair - {code}
        self._sorted = sorted(self._municipalities.values(), key=lambda m: danish_sort_key(m.name))
        # Search keys for each name and alias.
        named: list[tuple[Municipality, str]] = [(m, m.name) for m in self._sorted]
        for alias, code in aliases.items():
            if code not in self._municipalities:
                raise ValueError(f"alias {alias!r} names unknown municipality {code}")
            named.append((self._municipalities[code], alias))
        # What search compares, worked out once: the loose name without spaces, its words, the normalised name.
        self._search_keys = [
            (m, loose.replace(" ", ""), tuple(loose.split()), normalise(name).replace(" ", ""))
            for m, name in named
            for loose in (_loose(name),)
        ]
        self._order = {m.code: index for index, m in enumerate(self._sorted)}

    @classmethod
    def load(cls, data_dir: Path | None = None) -> Geography:
        """Read and validate regions.csv and municipalities.csv; errors name the file and line."""
        directory = DATA_DIR if data_dir is None else Path(data_dir)
        regions = _load_regions(directory / REGIONS_FILE)
        return cls(regions, _load_municipalities(directory / MUNICIPALITIES_FILE, regions))

    # Regions

    def region(self, code: str) -> Region:
        """The region with this code; KeyError if unknown."""
        try:
            return self._regions[code]
        except KeyError:
            raise KeyError(f"unknown region code {code!r}") from None

    def all_regions(self) -> list[Region]:
        """Every region in the data, past, present and future."""
        return list(self._regions.values())

    def regions(self, on: date) -> list[Region]:
        """The regions that exist on a date, in file order."""
        return [region for region in self._regions.values() if region.active_on(on)]

    def neighbours(self, region_code: str) -> frozenset[str]:
        """Regions bordering this one by land or bridge."""
        self.region(region_code)
        return self._neighbours[region_code]

    # Municipalities

    def municipality(self, code: int) -> Municipality:
        """The municipality with this kommunekode; KeyError if unknown."""
        try:
            return self._municipalities[code]
        except KeyError:
            raise KeyError(f"unknown municipality code {code!r}") from None

    def all_municipalities(self) -> list[Municipality]:
        """Every municipality, sorted by Danish name (æ, ø, å after z)."""
        return list(self._sorted)

    def region_of(self, municipality_code: int, on: date) -> Region:
        """The region a municipality belongs to on a date."""
        return self._regions[self.municipality(municipality_code).region_code_on(on)]

    def municipalities_in(self, region_code: str, on: date) -> list[Municipality]:
        """Municipalities in the region on that date, by Danish name; empty if the region does not exist then."""
        if not self.region(region_code).active_on(on):
            return []
        return [m for m in self._sorted if m.region_code_on(on) == region_code]

    # Search

    def search(self, text: str, limit: int = 8) -> list[Municipality]:
        """Municipalities matching what a person typed, best first.

        Tolerant of case, hyphens and spaces, and of ae/oe/aa for æ/ø/å in either direction. An exact name ranks
        first, then names starting with the text, then names with a word starting with it, then names containing it.
        Queries of fewer than two letters return nothing: they would match almost everything.
        """
        if limit <= 0 or len(_SEPARATORS.sub("", text)) < 2:
            return []
        query = _loose(text)
        compact_query = query.replace(" ", "")
        strict_query = normalise(text).replace(" ", "")
        best: dict[int, tuple[int, int]] = {}
        for municipality, compact, words, strict in self._search_keys:
            if compact == compact_query:
                tier = 0
            elif compact.startswith(compact_query):
                tier = 1
            elif any(word.startswith(compact_query) for word in words):
                tier = 2
            elif compact_query in compact:
                tier = 3
            else:
                continue
            # Within a tier, a name that also matches the spelling as typed ("sø" -> Sønderborg) beats a folded one
            # (Solrød).
            rank = (tier, 0 if strict_query in strict else 1)
            if rank < best.get(municipality.code, (4, 0)):
                best[municipality.code] = rank
        order = self._order
        ranked = sorted(best, key=lambda code: (best[code], order[code]))
        return [self._municipalities[code] for code in ranked[:limit]]

    def exact(self, text: str) -> Municipality | None:
        """The one municipality whose name or alias is what the person typed, however they spelt æ/ø/å, case,
        hyphens and spaces ("Helsingor", "koege", "Hoeje Taastrup", "Elsinore"); None if none or several."""
        query = _loose(text).replace(" ", "")
        if not query:
            return None
        found = {municipality.code for municipality, compact, _, _ in self._search_keys if compact == query}
        return self._municipalities[found.pop()] if len(found) == 1 else None

    # Proximity

    def check_area(self, area: Area) -> None:
        """Raise ValueError naming the first unknown region or municipality code in an area."""
        for region_code in sorted(area.regions):
            if region_code not in self._regions:
                raise ValueError(f"unknown region code {region_code!r} in area")
        for code in sorted(area.municipalities):
            if code not in self._municipalities:
                raise ValueError(f"unknown municipality code {code!r} in area")

    def covers(self, person_municipality_code: int, area: Area) -> bool:
        """Whether a person living in the municipality is inside a local area (its municipalities or regions).

        A region covers exactly the municipalities that ever belonged to it: after the 2027 merger a Hovedstaden
        initiative still serves the old Hovedstaden municipalities and no Sjælland one, although both are then in
        Østdanmark, while an Østdanmark initiative serves both. National and online areas are not local and cover
        nobody here; callers treat them apart.
        """
        person = self.municipality(person_municipality_code)
        return person.code in area.municipalities or not area.regions.isdisjoint(person.region_codes)

    def proximity(self, person_municipality_code: int, area: Area, on: date) -> Proximity | None:
        """How close an area is to a person living in a municipality, or None if it does not serve them.

        - SAME_MUNICIPALITY: the area lists the person's municipality.
        - SAME_REGION: an area region is one the municipality belonged to at any time (so {"hovedstaden"} still
          covers København after 2027), or a listed municipality is in the person's region on `on`.
        - NEIGHBOUR_REGION: the person's region neighbours an area region, taken on the date nearest `on` when
          that area region existed (so {"hovedstaden"} in 2027 is next door to Roskilde, not to Odense), or
          neighbours the region of a listed municipality on `on`.
        - NATIONAL_OR_ONLINE: the area is national or online and nothing closer applies.
        """
        person = self.municipality(person_municipality_code)
        self.check_area(area)
        if person.code in area.municipalities:
            return Proximity.SAME_MUNICIPALITY
        best: Proximity | None = None

        def consider(level: Proximity) -> None:
            nonlocal best
            if best is None or level > best:
                best = level

        for region_code in area.regions:
            if region_code in person.region_codes:
                return Proximity.SAME_REGION
            then = self._regions[region_code].clamp(on)
            if person.region_code_on(then) in self._neighbours[region_code]:
                consider(Proximity.NEIGHBOUR_REGION)
        if area.municipalities:
            home = person.region_code_on(on)
            for code in area.municipalities:
                theirs = self._municipalities[code].region_code_on(on)
                if theirs == home:
                    return Proximity.SAME_REGION
                if theirs in self._neighbours[home]:
                    consider(Proximity.NEIGHBOUR_REGION)
        if area.national or area.online:
            consider(Proximity.NATIONAL_OR_ONLINE)
        return best


@functools.cache
def default_geography() -> Geography:
    """The geography from the project's data/ folder, read once per process."""
    return Geography.load()


def region_of(municipality_code: int, on: date) -> Region:
    """Region of a municipality on a date, from the default data."""
    return default_geography().region_of(municipality_code, on)


def regions(on: date) -> list[Region]:
    """Regions that exist on a date, from the default data."""
    return default_geography().regions(on)


def municipalities_in(region_code: str, on: date) -> list[Municipality]:
    """Municipalities in a region on a date, from the default data."""
    return default_geography().municipalities_in(region_code, on)


def municipality(code: int) -> Municipality:
    """A municipality by kommunekode, from the default data."""
    return default_geography().municipality(code)


def all_municipalities() -> list[Municipality]:
    """All municipalities by Danish name, from the default data."""
    return default_geography().all_municipalities()


def search(text: str, limit: int = 8) -> list[Municipality]:
    """Municipality search over the default data; see Geography.search."""
    return default_geography().search(text, limit)


def proximity(person_municipality_code: int, area: Area, on: date) -> Proximity | None:
    """Proximity over the default data; see Geography.proximity."""
    return default_geography().proximity(person_municipality_code, area, on)
