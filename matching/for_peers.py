"""What the catalogue offers peers themselves (network groups, supervision, education), by the rules of area and
truth that suggestions to people follow: only running initiatives, only where the peer works, closest first.

Pure: the caller passes the catalogue, the peer's area and the date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from matching.catalogue import Audience, Initiative
from matching.geo import Area, Geography, Proximity

__all__ = ["initiatives_for_peer"]


def initiatives_for_peer(
    area: Area, initiatives: Iterable[Initiative], geography: Geography, on: date
) -> list[Initiative]:
    """Active initiatives for peers that reach where the peer works: local ones first, then national and online.

    A peer who works online only is shown national and online initiatives: no place of theirs is known.
    """
    found = []
    for initiative in initiatives:
        if not initiative.active or initiative.audience is not Audience.PEERS:
            continue
        level = _closeness(area, initiative.area, geography, on)
        if level is not None:
            found.append((-int(level), initiative.name, initiative))
    return [initiative for *_, initiative in sorted(found, key=lambda item: item[:2])]


def _closeness(peer: Area, offered: Area, geography: Geography, on: date) -> Proximity | None:
    best: Proximity | None = Proximity.NATIONAL_OR_ONLINE if offered.national or offered.online else None
    for code in peer.municipalities:
        level = geography.proximity(code, offered, on)
        if level is not None and level >= Proximity.SAME_REGION and (best is None or level > best):
            best = level
    offered_regions = set(offered.regions)
    for code in offered.municipalities:
        offered_regions |= set(geography.municipality(code).region_codes)
    if peer.regions & offered_regions and (best is None or best < Proximity.SAME_REGION):
        best = Proximity.SAME_REGION
    return best
