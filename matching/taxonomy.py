"""Stable codes shared by intake, peer profiles, initiatives and matching.

The codes are stored in the database and in the coordinators' CSV files, so a value must never change once
released; add new members instead. Labels for the codes live in the message catalogues, not here.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

__all__ = [
    "TAXONOMIES",
    "AgeBand",
    "ContactMode",
    "ForWhom",
    "Gender",
    "GenderPreference",
    "Language",
    "SupportForm",
    "TargetGroup",
    "parse_code",
    "parse_codes",
]


class TargetGroup(StrEnum):
    """Whom an initiative or a peer is for (DOMAIN.md, "Target groups")."""

    MENTAL_HEALTH = "mental_health"
    RELATIVES = "relatives"
    SUBSTANCE_USE = "substance_use"
    HOMELESSNESS = "homelessness"
    VIOLENCE = "violence"
    GREENLANDERS = "greenlanders"
    VISION_LOSS = "vision_loss"
    PHYSICAL_DISABILITY = "physical_disability"
    RARE_DIAGNOSIS = "rare_diagnosis"
    CHRONIC_ILLNESS = "chronic_illness"
    REFUGEES_IMMIGRANTS = "refugees_immigrants"
    CHILDREN_YOUTH = "children_youth"


class SupportForm(StrEnum):
    """How support is given; DONT_KNOW lets a person say so instead of guessing."""

    ONE_TO_ONE = "one_to_one"
    GROUP_COMMUNITY = "group_community"
    COURSE = "course"
    BRIDGE_WORK_EDUCATION = "bridge_work_education"
    DONT_KNOW = "dont_know"


# Inclusive age ranges; None means no upper limit. Kept beside the enum so the bands cannot drift apart.
_AGE_RANGES: dict[str, tuple[int, int | None]] = {
    "under_18": (0, 17),
    "18_24": (18, 24),
    "25_39": (25, 39),
    "40_64": (40, 64),
    "65_plus": (65, None),
}


class AgeBand(StrEnum):
    """Age asked as a band, not a birth date: enough for matching and for the rules about minors, and less data."""

    UNDER_18 = "under_18"
    A18_24 = "18_24"
    A25_39 = "25_39"
    A40_64 = "40_64"
    A65_PLUS = "65_plus"

    @property
    def age_range(self) -> tuple[int, int | None]:
        """(min_age, max_age), both inclusive; max_age None means open."""
        return _AGE_RANGES[self.value]

    @property
    def min_age(self) -> int:
        return self.age_range[0]

    @property
    def max_age(self) -> int | None:
        return self.age_range[1]

    @property
    def is_minor(self) -> bool:
        """Minors get BørneTelefonen and other safeguards, so this must be cheap to ask."""
        return self is AgeBand.UNDER_18

    def contains(self, age: int) -> bool:
        low, high = self.age_range
        return age >= low and (high is None or age <= high)

    @classmethod
    def for_age(cls, age: int) -> AgeBand:
        """The band an age in whole years falls in."""
        if age < 0:
            raise ValueError(f"age must not be negative: {age}")
        for band in cls:
            if band.contains(age):
                return band
        raise AssertionError(f"no age band for {age}")  # pragma: no cover - the bands cover 0 and up


class Language(StrEnum):
    """ISO 639-1 codes of languages a peer can support in; Danish and English first, then common in the field."""

    DA = "da"
    EN = "en"
    AR = "ar"
    SO = "so"
    TR = "tr"
    UK = "uk"
    KL = "kl"  # Greenlandic (kalaallisut), for the Greenlanders target group
    FA = "fa"
    UR = "ur"
    PL = "pl"
    DE = "de"


class ContactMode(StrEnum):
    """How a person and a peer can meet."""

    CHAT = "chat"
    PHONE = "phone"
    IN_PERSON = "in_person"


class Gender(StrEnum):
    """A peer's own gender, only so that a person's preference can be honoured."""

    WOMAN = "woman"
    MAN = "man"
    OTHER = "other"
    UNSPECIFIED = "unspecified"


class GenderPreference(StrEnum):
    """The gender a person would prefer their peer to have; NONE means any peer."""

    NONE = "none"
    WOMAN = "woman"
    MAN = "man"

    def accepts(self, gender: Gender) -> bool:
        """Whether a peer of this gender honours the preference; a stated preference is never overridden."""
        if self is GenderPreference.NONE:
            return True
        return gender.value == self.value


class ForWhom(StrEnum):
    """Whether a person seeks support for themself or as a relative (pårørende)."""

    SELF = "self"
    RELATIVE = "relative"


# Every taxonomy, so that catalogue tests can check that each code has a label in each language.
TAXONOMIES: tuple[type[StrEnum], ...] = (
    TargetGroup,
    SupportForm,
    AgeBand,
    Language,
    ContactMode,
    Gender,
    GenderPreference,
    ForWhom,
)

E = TypeVar("E", bound=StrEnum)


def parse_code(enum: type[E], value: str) -> E:
    """One code; an unknown code raises ValueError naming it, so a typo in a CSV file cannot pass silently."""
    code = value.strip()
    try:
        return enum(code)
    except ValueError:
        raise ValueError(f"unknown {enum.__name__} code: {code!r}") from None


def parse_codes(enum: type[E], values: str | Iterable[str]) -> tuple[E, ...]:
    """Codes in the order given, without duplicates and blanks.

    A single string is read as a comma-separated list ("mental_health,relatives"), as coordinators write it in CSV.
    """
    items = values.split(",") if isinstance(values, str) else values
    result: dict[E, None] = {}
    for item in items:
        if not item.strip():
            continue
        result.setdefault(parse_code(enum, item), None)
    return tuple(result)
