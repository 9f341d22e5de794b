"""Ranking peers and initiatives for one support request: exclude, score, order fairly, explain.

1. Hard constraints exclude a candidate before it is scored (peer_exclusion, initiative_exclusion): a suggestion
   that breaks one must never be shown, however well it would score.
2. The rest are put in tiers and scored (matching.scoring). The tier comes first: for a relative, an offer or a peer
   for relatives of the loved one's situation before one for people in that situation themselves; for initiatives,
   then one inside the person's own area before a national or online one (which fill the remaining places), then
   running before unknown before ended. Within a tier the total decides; among equal totals a peer with fewer
   active matches comes first, then a stable hash of the request and the candidate decides. The hash spreads ties
   over different peers across requests, yet the same inputs always give the same order, whatever order they come in.
3. When nothing passes, the person is told so honestly and offered the nearest national or online initiatives
   (Ranking.fallback); the request stays open on the waiting list (the store's job, signalled by nothing_fits).

Pure and fast: the store passes a few hundred pre-filtered peers and the whole catalogue on every request, so the
geography is asked once per region and municipality, candidates are first scored as plain numbers, and full scores
with reasons are built only for what is suggested.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from operator import itemgetter
from typing import Literal, TypeAlias

from matching.catalogue import Audience, Initiative, Status
from matching.geo import Area, Geography, Proximity
from matching.model import Need, PeerProfile, PeerStatus
from matching.scoring import (
    DEFAULT_WEIGHTS,
    NeedFacts,
    Reason,
    Score,
    Weights,
    initiative_fit,
    initiative_score,
    initiative_values,
    peer_fit,
    peer_score,
    peer_values,
    weighted_total,
)
from matching.taxonomy import TargetGroup

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_REASONS",
    "Exclusion",
    "Limits",
    "Ranking",
    "Suggestion",
    "initiative_exclusion",
    "initiative_tier",
    "peer_exclusion",
    "peer_tier",
    "person_proximity",
    "rank",
]

MAX_REASONS = 3
# Enum members looked up once: reading one from its class costs as much as a whole set operation in the hot loop.
_APPROVED = PeerStatus.APPROVED
_SEEKERS = Audience.SEEKERS
_CHILDREN_YOUTH = TargetGroup.CHILDREN_YOUTH
_SAME_MUNICIPALITY = Proximity.SAME_MUNICIPALITY
_TOTAL_DIGITS = 9  # totals are compared after rounding, so float noise cannot break a tie between equal candidates


class Exclusion(StrEnum):
    """Why a candidate may not be suggested at all; the values are the codes the store logs."""

    SELF = "self"
    MINOR_ADULT_PEER = "minor_adult_peer"  # a person under 18 is never matched to an individual (adult) peer
    NOT_APPROVED = "not_approved"
    PAUSED = "paused"
    AT_CAPACITY = "at_capacity"
    EXCLUDED_BY_PERSON = "excluded_by_person"  # declined, blocked or declined by, in either direction
    NO_SHARED_LANGUAGE = "no_shared_language"
    NO_SHARED_TARGET_GROUP = "no_shared_target_group"
    NOT_IN_AREA = "not_in_area"  # for an initiative: a local one outside its municipalities or regions
    INACTIVE = "inactive"
    FOR_PEERS = "for_peers"  # programmes for peers themselves (networks, peer education)
    AGE = "age"  # outside the initiative's ages, or (under 18) not an initiative for children and young people


@dataclass(frozen=True)
class Limits:
    """How many peers and initiatives to suggest at most (settings)."""

    peers: int = 3
    initiatives: int = 3

    def __post_init__(self) -> None:
        for name in ("peers", "initiatives"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"limit {name} must be a whole number >= 0, not {value!r}")


DEFAULT_LIMITS = Limits()

Kind = Literal["peer", "initiative"]


@dataclass(frozen=True)
class Suggestion:
    """One candidate to show: what it is, how it scored and one to three reasons to show with it."""

    kind: Kind
    candidate_id: int | str  # peer_id for a peer, the catalogue key for an initiative
    score: Score
    reasons: tuple[Reason, ...]
    tier: int = 0  # ranks before the score: see initiative_tier and peer_tier

    def __post_init__(self) -> None:
        if not 1 <= len(self.reasons) <= MAX_REASONS:
            raise ValueError(f"a suggestion needs 1 to {MAX_REASONS} reasons, not {len(self.reasons)}")


@dataclass(frozen=True)
class Ranking:
    """The answer to one request. `nothing_fits` is true when no peer and no initiative passed the constraints;
    `fallback` then holds the nearest national or online initiatives (and is empty otherwise)."""

    peers: tuple[Suggestion, ...]
    initiatives: tuple[Suggestion, ...]
    nothing_fits: bool
    fallback: tuple[Suggestion, ...] = ()


def _everywhere(area: Area) -> bool:
    return area.national or area.online


_NOWHERE = -1  # internal level of an area that does not serve the person; the others are Proximity values
_EVERYWHERE = int(Proximity.NATIONAL_OR_ONLINE)
_PROXIMITIES: tuple[Proximity, ...] = tuple(sorted(Proximity))


class _Places:
    """Proximity of areas to one person on one date, asking the geography once per region and municipality.

    Geography.proximity validates the area on every call, and the catalogue repeats the same regions and
    municipalities over and over. An area's proximity is the best proximity of its parts (each region, each
    municipality, the national/online flag), so this caches the parts and combines them, on plain ints; a property
    test holds the result equal to Geography.proximity.
    """

    __slots__ = ("_geography", "_home", "_home_regions", "_municipalities", "_on", "_regions")

    def __init__(self, need: Need, geography: Geography, on: date) -> None:
        self._geography = geography
        self._on = on
        # Online-only, or no municipality known (abroad, Greenland, not said): only national and online areas serve.
        self._home = None if need.online_only else need.municipality_code
        if need.municipality_code is not None:
            geography.municipality(need.municipality_code)  # KeyError for an unknown code, even if never needed
        self._regions: dict[str, int] = {}
        self._municipalities: dict[int, int] = {}
        self._home_regions: frozenset[str] | None = None

    def covers(self, area: Area) -> bool:
        """Whether a local area (municipalities or regions) includes the person's home (Geography.covers)."""
        home = self._home
        if home is None:
            return False
        if home in area.municipalities:
            return True
        if not area.regions:
            return False
        if self._home_regions is None:
            self._home_regions = self._geography.municipality(home).region_codes
        return not area.regions.isdisjoint(self._home_regions)

    def of(self, area: Area) -> Proximity | None:
        best = _EVERYWHERE if area.national or area.online else _NOWHERE
        home = self._home
        if home is not None:
            municipalities = area.municipalities
            if municipalities:
                if home in municipalities:
                    return _SAME_MUNICIPALITY
                cache = self._municipalities
                for code in municipalities:
                    level = cache.get(code)
                    if level is None:
                        level = cache[code] = self._level(Area(municipalities=frozenset({code})))
                    if level > best:
                        best = level
            for region in area.regions:
                level = self._regions.get(region)
                if level is None:
                    level = self._regions[region] = self._level(Area(regions=frozenset({region})))
                if level > best:
                    best = level
        return None if best == _NOWHERE else _PROXIMITIES[best]

    def _level(self, part: Area) -> int:
        assert self._home is not None
        proximity = self._geography.proximity(self._home, part, self._on)
        return _NOWHERE if proximity is None else int(proximity)


def person_proximity(need: Need, area: Area, *, geography: Geography, on: date) -> Proximity | None:
    """How close an area is to the person as matching sees it, or None if it does not serve them.

    Like Geography.proximity, except that a person who chose online-only, or has no municipality, is served only by
    national and online areas (at NATIONAL_OR_ONLINE).
    """
    return _Places(need, geography, on).of(area)


def _area_exclusion(facts: NeedFacts, area: Area, proximity: Proximity | None) -> Exclusion | None:
    if proximity is None:
        return Exclusion.NOT_IN_AREA
    if (facts.online_only or facts.need.municipality_code is None) and not _everywhere(area):
        return Exclusion.NOT_IN_AREA  # a raw Geography.proximity for a local area does not serve them
    return None


def _peer_exclusion(facts: NeedFacts, peer: PeerProfile) -> Exclusion | None:
    """Every peer constraint except the area, cheapest first."""
    if peer.user_id == facts.person_id:
        return Exclusion.SELF
    if facts.minor:
        return Exclusion.MINOR_ADULT_PEER
    status = peer.status
    if status != _APPROVED:  # == rather than is: a plain "approved" from a row must not exclude a peer
        return Exclusion.PAUSED if status == PeerStatus.PAUSED else Exclusion.NOT_APPROVED
    if peer.active_matches >= peer.capacity:
        return Exclusion.AT_CAPACITY
    if peer.peer_id in facts.excluded:
        return Exclusion.EXCLUDED_BY_PERSON
    if facts.languages.isdisjoint(peer.languages):
        return Exclusion.NO_SHARED_LANGUAGE
    if peer_fit(facts, peer) is None:
        return Exclusion.NO_SHARED_TARGET_GROUP
    return None


def peer_exclusion(
    need: Need, peer: PeerProfile, *, geography: Geography | None = None, on: date | None = None
) -> Exclusion | None:
    """Why a peer may not be suggested to this person, or None.

    With `geography` and `on`, also whether the peer's area serves the person ("not_in_area"); without, the checks
    that need no map (the store uses those to pre-filter).
    """
    facts = NeedFacts(need)
    reason = _peer_exclusion(facts, peer)
    if reason is not None or geography is None:
        return reason
    if on is None:
        raise ValueError("peer_exclusion needs `on` with `geography`: regions depend on the date")
    return _area_exclusion(facts, peer.area, _Places(need, geography, on).of(peer.area))


def _initiative_basics(facts: NeedFacts, initiative: Initiative) -> Exclusion | None:
    """The constraints that hold even for the fallback: offered to seekers, and the person's age."""
    if not initiative.active:
        return Exclusion.INACTIVE
    if initiative.audience != _SEEKERS:
        return Exclusion.FOR_PEERS
    max_age = initiative.max_age
    if max_age is not None and facts.band_low > max_age:
        return Exclusion.AGE
    min_age = initiative.min_age
    if min_age is not None and facts.band_high is not None and facts.band_high < min_age:
        return Exclusion.AGE
    if facts.minor and _CHILDREN_YOUTH not in initiative.target_groups:
        return Exclusion.AGE
    return None


def initiative_exclusion(
    need: Need,
    initiative: Initiative,
    proximity: Proximity | None,
    *,
    geography: Geography | None = None,
) -> Exclusion | None:
    """Why an initiative may not be suggested to this person, or None; `proximity` is that of its area
    (person_proximity, or Geography.proximity: local areas are refused for online-only people either way).

    A local initiative (a municipal or regional service) serves only people inside its area: with `geography`, one
    that merely lies in the person's or a neighbouring region is refused too, as the engine does.
    """
    facts = NeedFacts(need)
    reason = _initiative_basics(facts, initiative)
    if reason is not None:
        return reason
    if initiative_fit(facts, initiative) is None:
        return Exclusion.NO_SHARED_TARGET_GROUP
    reason = _area_exclusion(facts, initiative.area, proximity)
    if reason is not None or geography is None or _everywhere(initiative.area):
        return reason
    assert need.municipality_code is not None  # _area_exclusion refused local areas to people without one
    return None if geography.covers(need.municipality_code, initiative.area) else Exclusion.NOT_IN_AREA


def _tie_breaker(need: Need, kind: Kind, candidate_id: int | str) -> int:
    """A stable pseudo-random number for this request and candidate (hash() is salted per process)."""
    text = f"{need.person_id}:{need.request_id}:{kind}:{candidate_id}"
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


# (tier, negative rounded total, active matches, candidate id, candidate, proximity)
_Entry: TypeAlias = tuple[int, float, int, int | str, object, Proximity]

_STATUS_ORDER = {Status.RUNNING: 0, Status.UNKNOWN: 1, Status.ENDED: 2}
_LOCAL, _EVERYWHERE_TIER = 0, 1


def _initiative_tier(fit: int, local: bool, status: Status) -> int:
    """Fit first (a relatives' offer for the loved one's situation before one for people in it themselves), then a
    local offer in the person's area before a national or online one, then running, unknown, ended."""
    return fit * 6 + (_LOCAL if local else _EVERYWHERE_TIER) * 3 + _STATUS_ORDER[status]


def initiative_tier(need: Need, initiative: Initiative, *, geography: Geography) -> int | None:
    """Where an initiative ranks before its score is looked at (lower first), or None if it does not fit the person's
    situation; the area and other constraints are initiative_exclusion's."""
    facts = NeedFacts(need)
    fit = initiative_fit(facts, initiative)
    if fit is None:
        return None
    home = None if need.online_only else need.municipality_code
    local = home is not None and geography.covers(home, initiative.area)
    return _initiative_tier(fit[0], local, initiative.status)


def peer_tier(need: Need, peer: PeerProfile) -> int | None:
    """A peer's tier: for a relative, a peer who has been a relative in the same situation first; None if no fit."""
    fit = peer_fit(NeedFacts(need), peer)
    return None if fit is None else fit[0]


def _add(best: dict[int | str, _Entry], entry: _Entry) -> None:
    """Keep one entry per candidate id, the better one, should the store pass a candidate twice."""
    previous = best.get(entry[3])
    if previous is None or entry[:3] < previous[:3]:
        best[entry[3]] = entry


_COARSE = itemgetter(0, 1, 2)  # (tier, negative total, active matches): the order before the tie-breaker


def _select(entries: list[_Entry], limit: int, need: Need, kind: Kind) -> list[_Entry]:
    """The best `limit` entries in final order, hashing only the candidates near the top that are tied."""
    if limit <= 0 or not entries:
        return []

    coarse = _COARSE
    entries.sort(key=coarse)
    end = min(limit, len(entries))
    boundary = coarse(entries[end - 1])
    while end < len(entries) and coarse(entries[end]) == boundary:
        end += 1
    head = entries[:end]
    head.sort(key=lambda entry: (entry[0], entry[1], entry[2], _tie_breaker(need, kind, entry[3]), entry[3]))
    return head[:limit]


def _suggest(
    selected: list[_Entry],
    kind: Kind,
    build: Callable[[object, Proximity], Score],
) -> tuple[Suggestion, ...]:
    suggestions: list[Suggestion] = []
    for tier, _, _, candidate_id, candidate, proximity in selected:
        score = build(candidate, proximity)
        suggestions.append(Suggestion(kind, candidate_id, score, score.reasons(MAX_REASONS), tier))
    return tuple(suggestions)


def rank(
    need: Need,
    peers: Iterable[PeerProfile],
    initiatives: Iterable[Initiative],
    *,
    geography: Geography,
    on: date,
    weights: Weights = DEFAULT_WEIGHTS,
    limits: Limits = DEFAULT_LIMITS,
) -> Ranking:
    """The top peers and initiatives for a need on a date, each with its score and reasons.

    Order: tier (see the module docstring), then total descending; among equal totals fewer active matches first;
    then a stable hash of the request and the candidate. The order of `peers` and `initiatives` does not matter.
    """
    facts = NeedFacts(need)
    places = _Places(need, geography, on)
    w = weights.as_tuple()
    initiatives = initiatives if isinstance(initiatives, Sequence) else list(initiatives)

    peer_entries: dict[int | str, _Entry] = {}
    if not facts.minor:  # no individual peers for minors at all, whatever the store passed
        for peer in peers:
            if _peer_exclusion(facts, peer) is not None:
                continue
            proximity = places.of(peer.area)
            if proximity is None:  # places.of already refuses local areas to online-only people
                continue
            fit = peer_fit(facts, peer)
            assert fit is not None  # _peer_exclusion refused the peers that do not fit
            total = weighted_total(peer_values(facts, peer, proximity), w)
            entry = (fit[0], -round(total, _TOTAL_DIGITS), peer.active_matches, peer.peer_id, peer, proximity)
            _add(peer_entries, entry)

    initiative_entries: dict[int | str, _Entry] = {}
    for initiative in initiatives:
        # initiative_exclusion, in the order that rejects most catalogue rows soonest; places.of already refuses
        # local areas to online-only people.
        fit = initiative_fit(facts, initiative)
        if fit is None or _initiative_basics(facts, initiative) is not None:
            continue
        area = initiative.area
        local = places.covers(area)
        if not local and not _everywhere(area):
            continue  # a municipal or regional service is no use outside its area, however near
        proximity = places.of(area)
        if proximity is None:
            continue
        total = weighted_total(initiative_values(facts, initiative, proximity), w)
        tier = _initiative_tier(fit[0], local, initiative.status)
        _add(initiative_entries, (tier, -round(total, _TOTAL_DIGITS), 0, initiative.key, initiative, proximity))

    def build_peer(candidate: object, proximity: Proximity) -> Score:
        assert isinstance(candidate, PeerProfile)
        return peer_score(facts, candidate, proximity, w)

    def build_initiative(candidate: object, proximity: Proximity) -> Score:
        assert isinstance(candidate, Initiative)
        return initiative_score(facts, candidate, proximity, w)

    nothing_fits = not peer_entries and not initiative_entries
    fallback: tuple[Suggestion, ...] = ()
    if nothing_fits:
        fallback = _suggest(
            _select(_fallback_entries(facts, initiatives, places, w), limits.initiatives, need, "initiative"),
            "initiative",
            build_initiative,
        )
    return Ranking(
        peers=_suggest(_select(list(peer_entries.values()), limits.peers, need, "peer"), "peer", build_peer),
        initiatives=_suggest(
            _select(list(initiative_entries.values()), limits.initiatives, need, "initiative"),
            "initiative",
            build_initiative,
        ),
        nothing_fits=nothing_fits,
        fallback=fallback,
    )


def _fallback_entries(
    facts: NeedFacts, initiatives: Iterable[Initiative], places: _Places, w: tuple[float, ...]
) -> list[_Entry]:
    """National and online initiatives for seekers of the person's age that are not known to have ended, whatever
    their target group (but never an offer only for relatives to a person seeking for themself).

    The rules for minors still hold: under 18, only initiatives for children and young people.
    """
    best: dict[int | str, _Entry] = {}
    for initiative in initiatives:
        area = initiative.area
        if not _everywhere(area) or initiative.ended or _initiative_basics(facts, initiative) is not None:
            continue
        if not initiative.target_groups and not facts.relative:
            continue
        proximity = places.of(area)
        assert proximity is not None
        total = weighted_total(initiative_values(facts, initiative, proximity), w)
        tier = _STATUS_ORDER[initiative.status]
        _add(best, (tier, -round(total, _TOTAL_DIGITS), 0, initiative.key, initiative, proximity))
    return list(best.values())
