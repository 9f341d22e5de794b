"""How well one peer or initiative fits one support request, factor by factor, and why.

A score is a weighted sum of eight factor values, each between 0 and 1. Keeping the breakdown (not just the total)
is what lets a suggestion explain itself: the reasons shown to a person are the factors that contributed most.
Reasons are message-catalogue keys with code parameters; the bot renders them in the person's language, so this
module never holds user-facing text. Pure: no I/O.

Hard constraints (capacity, status, shared language, the rules for minors...) are not here but in
matching.engine, which excludes candidates before they are scored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import TypeVar

from matching.catalogue import Initiative
from matching.geo import Area, Proximity
from matching.model import Need, PeerProfile
from matching.taxonomy import ContactMode, ForWhom, Gender, GenderPreference, Language, SupportForm, TargetGroup

__all__ = [
    "DEFAULT_WEIGHTS",
    "PROXIMITY_VALUES",
    "REASON_KEYS",
    "Factor",
    "FactorScore",
    "Reason",
    "Score",
    "Weights",
    "initiative_fit",
    "peer_fit",
    "score_initiative",
    "score_peer",
]


class Factor(StrEnum):
    """The factors of a score, in the order they appear in a breakdown (and break ties between equal reasons)."""

    TARGET_GROUP = "target_group"
    PROXIMITY = "proximity"
    SUPPORT_FORM = "support_form"
    LANGUAGE = "language"
    AGE = "age"
    GENDER = "gender"
    CONTACT = "contact"
    LOAD = "load"


_FACTORS: tuple[Factor, ...] = tuple(Factor)
if len(_FACTORS) != 8:  # pragma: no cover - weighted_total is unrolled for eight factors
    raise AssertionError("weighted_total must be updated with the factors")


@dataclass(frozen=True)
class Weights:
    """How much each factor counts; settings, so a coordinator can tune matching without a code change.

    Defaults, and why:

    | factor | default | why |
    |---|---|---|
    | target_group | 4.0 | shared lived experience is the point of peer support |
    | proximity | 3.0 | meeting nearby is what most people need; online and national offers rank below local ones |
    | support_form | 2.0 | one-to-one, group, course or bridge-building are different offers |
    | gender | 1.5 | a stated preference matters to the person (unstated, every peer scores the same) |
    | load | 1.5 | spreads requests over peers so no one is overloaded |
    | language | 1.0 | a shared language is already required; sharing one beyond Danish is a bonus |
    | age | 1.0 | a peer's or initiative's age range |
    | contact | 1.0 | chat, phone or in person |

    Every weight must be a finite number >= 0; 0 turns a factor off.
    """

    target_group: float = 4.0
    proximity: float = 3.0
    support_form: float = 2.0
    language: float = 1.0
    age: float = 1.0
    gender: float = 1.5
    contact: float = 1.0
    load: float = 1.5

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"weight {item.name} must be a number, not {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"weight {item.name} must be a finite number >= 0, not {value!r}")

    def of(self, factor: Factor) -> float:
        """The weight of one factor."""
        return float(getattr(self, factor.value))

    def as_tuple(self) -> tuple[float, ...]:
        """The weights in Factor order, for the engine's hot loop."""
        return tuple(self.of(factor) for factor in _FACTORS)


DEFAULT_WEIGHTS = Weights()

# Every reason key and the names of its parameters, so the bot can test that each catalogue renders them all.
REASON_KEYS: dict[str, tuple[str, ...]] = {
    "match.reason.experience": ("group",),  # a peer with lived experience of the group
    "match.reason.initiative_for": ("group",),  # an initiative for the group
    "match.reason.relative.offer": ("group",),  # for relatives of people in the group
    "match.reason.relative.for_loved_one": ("group",),  # to a relative: for the people in the group themselves
    "match.reason.relative.experience": ("group",),  # a peer who has been a relative of someone in the group
    "match.reason.same_municipality": (),
    "match.reason.same_region": (),
    "match.reason.neighbour_region": (),
    "match.reason.online": (),
    "match.reason.national": (),
    "match.reason.form": ("form",),  # a SupportForm code
    "match.reason.speaks": ("language",),  # a Language code other than da
    "match.reason.gender": ("gender",),  # the GenderPreference code the person stated
    "match.reason.contact": ("mode",),  # a ContactMode code
    "match.reason.available": (),
    "match.reason.for_age": ("age_band",),  # the person's AgeBand code
}


@dataclass(frozen=True)
class Reason:
    """Why a candidate fits: a message-catalogue key and its parameters as codes (never text)."""

    key: str
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        # A key or parameter the catalogues do not know would show up as a raw key in the chat.
        expected = REASON_KEYS.get(self.key)
        if expected is None:
            raise ValueError(f"unknown reason key {self.key!r}")
        if tuple(name for name, _ in self.params) != expected:
            raise ValueError(f"reason {self.key!r} takes the parameters {expected}, not {self.params!r}")

    @property
    def kwargs(self) -> dict[str, str]:
        """The parameters as a dict, for formatting a catalogue message."""
        return dict(self.params)


@dataclass(frozen=True)
class FactorScore:
    """One factor of a score: its value (0..1), its weight and the reason it gives, if any."""

    factor: Factor
    value: float
    weight: float
    reason: Reason | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.value <= 1.0:
            raise ValueError(f"{self.factor} value must be between 0 and 1, not {self.value!r}")
        if not self.weight >= 0.0:
            raise ValueError(f"{self.factor} weight must be >= 0, not {self.weight!r}")

    @property
    def contribution(self) -> float:
        return self.value * self.weight


@dataclass(frozen=True)
class Score:
    """A total and its breakdown; the total is the sum of the factors' contributions, in Factor order."""

    total: float
    factors: tuple[FactorScore, ...]

    def factor(self, factor: Factor) -> FactorScore:
        """The breakdown entry of one factor; KeyError if the score has none."""
        for item in self.factors:
            if item.factor == factor:
                return item
        raise KeyError(factor)

    def reasons(self, limit: int = 3) -> tuple[Reason, ...]:
        """The reasons of the factors that contributed most, largest first, at most `limit`.

        Only factors with a positive contribution and a reason count; equal contributions keep Factor order, so the
        result is stable. When no such factor exists but some factor has a reason (its weight is 0), the first of
        those is returned, so a suggestion never comes without an explanation.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        positive = [item for item in self.factors if item.reason is not None and item.contribution > 0]
        positive.sort(key=lambda item: -item.contribution)  # stable: ties keep Factor order
        if positive:
            return tuple(item.reason for item in positive[:limit] if item.reason is not None)
        for item in self.factors:
            if item.reason is not None:
                return (item.reason,)
        return ()


# Factor values for each proximity, indexed by Proximity (an IntEnum from 0 = national/online to 3 = municipality).
PROXIMITY_VALUES: tuple[float, ...] = (0.25, 0.4, 0.75, 1.0)
_PROXIMITY_REASONS: tuple[str, ...] = (
    "",  # NATIONAL_OR_ONLINE: online or national, depending on the area
    "match.reason.neighbour_region",
    "match.reason.same_region",
    "match.reason.same_municipality",
)
NEUTRAL = 0.5  # a factor that cannot tell candidates apart (an initiative has no gender or load)

_GENDER_OF_PREFERENCE: dict[GenderPreference, Gender | None] = {
    GenderPreference.NONE: None,
    GenderPreference.WOMAN: Gender.WOMAN,
    GenderPreference.MAN: Gender.MAN,
}
_DANISH = frozenset({Language.DA})
_RELATIVES = TargetGroup.RELATIVES
# How a candidate fits the person's situation; lower ranks first (matching.engine orders by it before the score).
FIT_DIRECT = 0  # for the person's own situation, or to a relative: for relatives of the loved one's situation
FIT_FOR_LOVED_ONE = 1  # to a relative: for the people in the situation themselves
_Code = TypeVar("_Code", TargetGroup, SupportForm, Language, ContactMode)
_ADULT = 18


class NeedFacts:
    """What scoring and the engine ask of a need, worked out once per request (internal to matching).

    The hot loop over hundreds of candidates then does only set operations and comparisons on values prepared here
    (the forms without "don't know", the languages other than Danish, the age band's limits...).
    """

    __slots__ = (
        "band_high",
        "band_low",
        "contact_count",
        "contacts",
        "excluded",
        "forms",
        "forms_unknown",
        "gender_preference",
        "group_count",
        "groups",
        "languages",
        "minor",
        "need",
        "online_only",
        "other_languages",
        "person_id",
        "relative",
        "wanted_gender",
    )

    def __init__(self, need: Need) -> None:
        self.need = need
        self.person_id = need.person_id
        groups = frozenset(need.target_groups)
        # A relative's groups describe the loved one's situation. Requests saved before "relative" became a qualifier
        # carry the old "relatives" group: read it as the relative's answer it was.
        self.relative = need.for_whom == ForWhom.RELATIVE or _RELATIVES in groups
        self.groups = groups - {_RELATIVES}
        self.group_count = len(self.groups)
        forms = frozenset(need.support_forms)
        self.forms = forms - {SupportForm.DONT_KNOW}
        self.forms_unknown = SupportForm.DONT_KNOW in forms or not self.forms
        self.languages = frozenset(need.languages)
        self.other_languages = self.languages - _DANISH
        self.gender_preference = GenderPreference(need.gender_preference)
        self.wanted_gender = _GENDER_OF_PREFERENCE[self.gender_preference]
        self.contacts = frozenset(need.contact_modes)
        self.contact_count = len(self.contacts)
        self.band_low, self.band_high = need.age_band.age_range
        self.minor = need.age_band.is_minor
        self.excluded = frozenset(need.excluded_peers)
        self.online_only = need.online_only


def _first(members: frozenset[_Code], order: type[_Code]) -> _Code:
    """The first of some codes in their enum's declaration order: sets have none, and reasons must be stable."""
    return min(members, key=list(order).index)


def _proximity_reason(facts: NeedFacts, area: Area, proximity: Proximity | None) -> Reason | None:
    if proximity is None:
        return None
    if proximity == Proximity.NATIONAL_OR_ONLINE or (facts.online_only and (area.online or area.national)):
        # A national course is not online; say which it is rather than promise a chat.
        return Reason("match.reason.online" if area.online else "match.reason.national")
    return Reason(_PROXIMITY_REASONS[proximity])


def _age_reason(facts: NeedFacts, min_age: int | None, max_age: int | None) -> Reason | None:
    """A reason only for a candidate that targets an age group; "serves adults" says nothing to an adult."""
    if max_age is None and (min_age is None or min_age <= _ADULT):
        return None
    return Reason("match.reason.for_age", (("age_band", facts.need.age_band.value),))


# peer_values and initiative_values run for every candidate that passes the constraints, hundreds per request, so
# their rules are written out inline rather than in small helpers: proximity as PROXIMITY_VALUES (1 for an online
# or national offer to an online-only person, 0 when the area does not serve), the support form 1 or 0 (neutral
# when the person does not know), and age as in catalogue.serves_age (some age of the band within the limits).


def _proximity_value(facts: NeedFacts, area: Area, proximity: Proximity | None) -> float:
    """An online-only person is served fully by an online or national offer; others by closeness."""
    if proximity is None:
        return 0.0
    if facts.online_only and (area.online or area.national):
        return 1.0
    return PROXIMITY_VALUES[proximity]


def _age_value(facts: NeedFacts, min_age: int | None, max_age: int | None) -> float:
    """1.0 when the person's age band overlaps the ages served (limits inclusive, None open)."""
    if max_age is not None and facts.band_low > max_age:
        return 0.0
    return 0.0 if min_age is not None and facts.band_high is not None and facts.band_high < min_age else 1.0


def initiative_fit(facts: NeedFacts, initiative: Initiative) -> tuple[int, frozenset[TargetGroup]] | None:
    """How an initiative fits the person's situation, and the groups it fits by; None when it does not.

    A person for themself: the initiative's target groups. A relative: first an offer for relatives of the loved
    one's situation (relatives_of); else an offer for people in that situation themselves, ranked below. An offer for
    relatives never fits a person seeking for themself, and never a relative of another situation.
    """
    if facts.relative:
        shared = facts.groups & initiative.relatives_of
        if shared:
            return FIT_DIRECT, shared
        shared = facts.groups & initiative.target_groups
        return (FIT_FOR_LOVED_ONE, shared) if shared else None
    shared = facts.groups & initiative.target_groups
    return (FIT_DIRECT, shared) if shared else None


def peer_fit(facts: NeedFacts, peer: PeerProfile) -> tuple[int, frozenset[TargetGroup]] | None:
    """initiative_fit for a peer: own lived experience (target_groups) or experience as a relative (relative_of)."""
    if facts.relative:
        shared = facts.groups & peer.relative_of
        if shared:
            return FIT_DIRECT, shared
        shared = facts.groups & peer.target_groups
        return (FIT_FOR_LOVED_ONE, shared) if shared else None
    shared = facts.groups & peer.target_groups
    return (FIT_DIRECT, shared) if shared else None


def peer_values(facts: NeedFacts, peer: PeerProfile, proximity: Proximity | None) -> tuple[float, ...]:
    """The factor values of a peer in Factor order; shared by score_peer and the engine so totals agree exactly."""
    group_count = facts.group_count
    fit = peer_fit(facts, peer)
    shared_count = len(fit[1]) if fit else 0
    area = peer.area
    max_age = peer.max_age
    min_age = peer.min_age
    capacity = peer.capacity
    wanted_gender = facts.wanted_gender
    return (
        shared_count / group_count if group_count else 0.0,
        _proximity_value(facts, area, proximity),
        NEUTRAL if facts.forms_unknown else 0.0 if facts.forms.isdisjoint(peer.support_forms) else 1.0,
        0.0 if facts.languages.isdisjoint(peer.languages) else 1.0,
        _age_value(facts, min_age, max_age),
        1.0 if wanted_gender is None or peer.gender == wanted_gender else 0.0,
        # No wish about contact: every way of meeting is fine.
        len(facts.contacts & peer.contact_modes) / facts.contact_count if facts.contact_count else 1.0,
        min(1.0, max(0.0, 1.0 - peer.active_matches / capacity)) if capacity > 0 else 0.0,
    )


def initiative_values(facts: NeedFacts, initiative: Initiative, proximity: Proximity | None) -> tuple[float, ...]:
    """The factor values of an initiative in Factor order. Initiatives carry no language, gender, contact modes or
    load, so those factors are neutral and cannot reorder initiatives."""
    group_count = facts.group_count
    area = initiative.area
    max_age = initiative.max_age
    min_age = initiative.min_age
    fit = initiative_fit(facts, initiative)
    return (
        len(fit[1]) / group_count if fit and group_count else 0.0,
        _proximity_value(facts, area, proximity),
        NEUTRAL if facts.forms_unknown else 0.0 if facts.forms.isdisjoint(initiative.support_forms) else 1.0,
        NEUTRAL,
        _age_value(facts, min_age, max_age),
        NEUTRAL,
        NEUTRAL,
        NEUTRAL,
    )


def weighted_total(values: tuple[float, ...], weights: tuple[float, ...]) -> float:
    """The sum of value * weight, left to right in Factor order; one function so every total is bit-identical."""
    # Unrolled: this runs for every candidate that passes the constraints.
    return (
        values[0] * weights[0]
        + values[1] * weights[1]
        + values[2] * weights[2]
        + values[3] * weights[3]
        + values[4] * weights[4]
        + values[5] * weights[5]
        + values[6] * weights[6]
        + values[7] * weights[7]
    )


def _shared_form_reason(facts: NeedFacts, offered: frozenset[SupportForm]) -> Reason | None:
    if facts.forms_unknown:
        return None
    shared = facts.forms & offered
    return Reason("match.reason.form", (("form", _first(shared, SupportForm).value),)) if shared else None


def _build(values: tuple[float, ...], weights: tuple[float, ...], reasons: tuple[Reason | None, ...]) -> Score:
    factors = tuple(
        FactorScore(factor, value, weight, reason)
        for factor, value, weight, reason in zip(_FACTORS, values, weights, reasons, strict=True)
    )
    return Score(weighted_total(values, weights), factors)


def peer_score(facts: NeedFacts, peer: PeerProfile, proximity: Proximity | None, weights: tuple[float, ...]) -> Score:
    """score_peer for a need already worked out; the engine calls this only for the peers it suggests."""
    values = peer_values(facts, peer, proximity)
    fit = peer_fit(facts, peer)
    experience = None
    if fit is not None:
        as_relative = facts.relative and fit[0] == FIT_DIRECT
        key = "match.reason.relative.experience" if as_relative else "match.reason.experience"
        experience = Reason(key, (("group", _first(fit[1], TargetGroup).value),))
    shared_languages = facts.other_languages & peer.languages
    speaks = (
        Reason("match.reason.speaks", (("language", _first(shared_languages, Language).value),))
        if shared_languages
        else None
    )
    age = _age_reason(facts, peer.min_age, peer.max_age) if values[4] else None
    gender = (
        Reason("match.reason.gender", (("gender", facts.gender_preference.value),))
        if facts.wanted_gender is not None and values[5]
        else None
    )
    shared_modes = facts.contacts & peer.contact_modes
    contact = (
        Reason("match.reason.contact", (("mode", _first(shared_modes, ContactMode).value),)) if shared_modes else None
    )
    available = Reason("match.reason.available") if values[7] >= NEUTRAL else None
    reasons = (
        experience,
        _proximity_reason(facts, peer.area, proximity),
        _shared_form_reason(facts, peer.support_forms),
        speaks,
        age,
        gender,
        contact,
        available,
    )
    return _build(values, weights, reasons)


def initiative_score(
    facts: NeedFacts, initiative: Initiative, proximity: Proximity | None, weights: tuple[float, ...]
) -> Score:
    """score_initiative for a need already worked out; the engine calls this only for what it suggests."""
    values = initiative_values(facts, initiative, proximity)
    fit = initiative_fit(facts, initiative)
    serves = None
    if fit is not None:
        if not facts.relative:
            key = "match.reason.initiative_for"
        elif fit[0] == FIT_DIRECT:
            key = "match.reason.relative.offer"
        else:
            key = "match.reason.relative.for_loved_one"
        serves = Reason(key, (("group", _first(fit[1], TargetGroup).value),))
    age = _age_reason(facts, initiative.min_age, initiative.max_age) if values[4] else None
    reasons = (
        serves,
        _proximity_reason(facts, initiative.area, proximity),
        _shared_form_reason(facts, initiative.support_forms),
        None,
        age,
        None,
        None,
        None,
    )
    return _build(values, weights, reasons)


def score_peer(
    need: Need, peer: PeerProfile, *, weights: Weights = DEFAULT_WEIGHTS, proximity: Proximity | None
) -> Score:
    """How well a peer fits a need; `proximity` is how close the peer's area is to the person (None: not at all).

    Scoring does not check hard constraints: an excluded peer still gets a score (see matching.engine).
    """
    return peer_score(NeedFacts(need), peer, proximity, weights.as_tuple())


def score_initiative(
    need: Need, initiative: Initiative, *, weights: Weights = DEFAULT_WEIGHTS, proximity: Proximity | None
) -> Score:
    """How well an initiative fits a need; `proximity` as for score_peer."""
    return initiative_score(NeedFacts(need), initiative, proximity, weights.as_tuple())
