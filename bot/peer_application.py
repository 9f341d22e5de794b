"""The peer application's rules: which question comes next, what a valid answer is, what a finished
application holds, and which eligibility statements each kind of peer must make.

Pure logic over plain data, like bot/intake.py for the intake: the handler renders questions, the store
keeps the draft, this module decides. Codes come from matching/taxonomy.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from matching.geo import Area
from matching.model import PeerKind
from matching.taxonomy import AgeBand, ContactMode, Gender, Language, SupportForm, TargetGroup

CONSENT_VERSION = "2026-12-peer-v1"
ALIAS_MAX = 32
ORGANISATION_MAX = 120
DEFAULT_CAPACITY = 2
MAX_CAPACITY = 10


class Step(StrEnum):
    """The questions in order. Values are short because they travel in callback data."""

    ALIAS = "alias"
    KIND = "kind"
    ORGANISATION = "org"
    EXPERIENCE = "exp"
    RELATIVE_OF = "rel"
    AGE = "age"
    GENDER = "gen"
    LANGUAGES = "lang"
    AREA = "area"
    SUPPORT_FORMS = "form"
    CONTACT = "cont"
    CAPACITY = "cap"
    ELIGIBILITY = "elig"
    SUMMARY = "sum"


class Statement(StrEnum):
    """What an applicant states about themself (DOMAIN.md, "What a peer needs"; seed 001)."""

    RECOVERY_YEAR = "recovery_year"  # at least a year into their own recovery
    NEVER_KNOWN = "never_known"  # never the peer of a family member or someone they know
    SCHOOL_9TH_GRADE = "grade9"  # paid: at least the 9th-grade leaving exam or its equivalent
    HOURS_15 = "hours15"  # paid: can work at least 15 hours a week
    SYSTEM_EXPERIENCE = "system"  # paid: knows the psychiatric system or municipal services from experience
    IT_SKILLS = "it"  # paid: basic IT skills


REQUIRED_STATEMENTS: dict[PeerKind, tuple[Statement, ...]] = {
    PeerKind.VOLUNTEER: (Statement.RECOVERY_YEAR, Statement.NEVER_KNOWN),
    PeerKind.PAID: tuple(Statement),
}

ORDER: tuple[Step, ...] = tuple(Step)
# Peers are adults: a person under 18 is never connected one-to-one with a peer, and never is one.
ADULT_AGE_BANDS: tuple[str, ...] = tuple(band.value for band in AgeBand if not band.is_minor)
PEER_SUPPORT_FORMS: tuple[str, ...] = tuple(form.value for form in SupportForm if form is not SupportForm.DONT_KNOW)

MULTI_CHOICE: dict[Step, tuple[str, ...]] = {
    Step.EXPERIENCE: tuple(group.value for group in TargetGroup if group is not TargetGroup.RELATIVES),
    Step.RELATIVE_OF: tuple(group.value for group in TargetGroup if group is not TargetGroup.RELATIVES),
    Step.LANGUAGES: tuple(language.value for language in Language),
    Step.SUPPORT_FORMS: PEER_SUPPORT_FORMS,
    Step.CONTACT: tuple(mode.value for mode in ContactMode),
}
SINGLE_CHOICE: dict[Step, tuple[str, ...]] = {
    Step.KIND: tuple(kind.value for kind in PeerKind),
    Step.AGE: ADULT_AGE_BANDS,
    Step.GENDER: tuple(gender.value for gender in Gender),
}
_MULTI_FIELD = {
    Step.EXPERIENCE: "experience",
    Step.RELATIVE_OF: "relative_of",
    Step.LANGUAGES: "languages",
    Step.SUPPORT_FORMS: "support_forms",
    Step.CONTACT: "contact_modes",
}
_SINGLE_FIELD = {Step.KIND: "kind", Step.AGE: "age_band", Step.GENDER: "gender"}
# Multi-choice questions that may be left empty: most peers are not relatives.
_MAY_BE_EMPTY = {Step.RELATIVE_OF}


class InvalidAnswer(ValueError):
    """An answer the current question cannot take; `reason` is a catalogue key for the hint."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


STALE = "peer_apply.hint.stale_button"


@dataclass(frozen=True)
class Answers:
    alias: str | None = None
    kind: str | None = None
    organisation: str | None = None
    experience: tuple[str, ...] = ()
    relative_of: tuple[str, ...] = ()
    age_band: str | None = None
    gender: str | None = None
    languages: tuple[str, ...] = ()
    municipalities: tuple[int, ...] = ()
    regions: tuple[str, ...] = ()
    online: bool = False
    support_forms: tuple[str, ...] = ()
    contact_modes: tuple[str, ...] = ()
    capacity: int = DEFAULT_CAPACITY
    statements: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answers:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        for name, value in known.items():
            if isinstance(value, list):
                known[name] = tuple(value)
        return cls(**known)

    def selected(self, step: Step) -> tuple[str, ...]:
        return getattr(self, _MULTI_FIELD[step])

    @property
    def area(self) -> Area:
        return Area(online=self.online, regions=frozenset(self.regions), municipalities=frozenset(self.municipalities))

    @property
    def target_groups(self) -> frozenset[TargetGroup]:
        """The groups the peer has lived experience of themselves; their experience as a relative is `relatives`."""
        return frozenset(TargetGroup(code) for code in self.experience)

    @property
    def relatives(self) -> frozenset[TargetGroup]:
        """The situations the peer knows as a relative (pårørende), whose relatives they support."""
        return frozenset(TargetGroup(code) for code in self.relative_of)


@dataclass(frozen=True)
class Draft:
    """An application in progress; `editing` means the applicant came from the summary to change one answer."""

    step: Step = Step.ALIAS
    answers: Answers = field(default_factory=Answers)
    editing: bool = False

    def advance(self, answers: Answers) -> Draft:
        if self.editing:
            return Draft(Step.SUMMARY, answers, editing=False)
        return Draft(ORDER[ORDER.index(self.step) + 1], answers)

    def back(self) -> Draft | None:
        """The previous question, or None before the first one (the consent screen)."""
        if self.editing:
            return Draft(Step.SUMMARY, self.answers)
        position = ORDER.index(self.step)
        return Draft(ORDER[position - 1], self.answers) if position > 0 else None

    def edit(self, step: Step) -> Draft:
        if step is Step.SUMMARY:
            raise InvalidAnswer(STALE)
        return Draft(step, self.answers, editing=True)


def first_draft(conversation_language: str) -> Draft:
    """A new application; the language the applicant writes in is already ticked."""
    return Draft(Step.ALIAS, Answers(languages=(conversation_language,)))


def _clean_text(text: str, limit: int) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidAnswer("peer_apply.hint.empty_text")
    if len(cleaned) > limit:
        raise InvalidAnswer("peer_apply.hint.too_long")
    return cleaned


def set_alias(draft: Draft, text: str) -> Draft:
    """The name people see. One line, no links or handles: it must not lead to the peer's own account."""
    if draft.step is not Step.ALIAS:
        raise InvalidAnswer(STALE)
    alias = _clean_text(text, ALIAS_MAX)
    if "@" in alias or "://" in alias or "t.me" in alias.lower():
        raise InvalidAnswer("peer_apply.hint.alias_no_handle")
    return draft.advance(replace(draft.answers, alias=alias))


def set_organisation(draft: Draft, text: str | None) -> Draft:
    """The organisation or initiative the peer belongs to; None skips the optional question."""
    if draft.step is not Step.ORGANISATION:
        raise InvalidAnswer(STALE)
    organisation = None if text is None else _clean_text(text, ORGANISATION_MAX)
    return draft.advance(replace(draft.answers, organisation=organisation))


def choose(draft: Draft, value: str) -> Draft:
    """A single-choice answer (paid or volunteer, age band, gender)."""
    if value not in SINGLE_CHOICE.get(draft.step, ()):
        raise InvalidAnswer(STALE)
    answers = replace(draft.answers, **{_SINGLE_FIELD[draft.step]: value})
    if draft.step is Step.KIND:  # statements depend on the kind: keep only those the new kind asks for
        asked = {s.value for s in REQUIRED_STATEMENTS[PeerKind(value)]}
        answers = replace(answers, statements=tuple(s for s in answers.statements if s in asked))
    return draft.advance(answers)


def toggle(draft: Draft, value: str) -> Draft:
    """Tick or untick one option of a multi-choice question; stays on the same question."""
    options = MULTI_CHOICE.get(draft.step, ())
    if value not in options:
        raise InvalidAnswer(STALE)
    selected = list(draft.answers.selected(draft.step))
    if value in selected:
        selected.remove(value)
    else:
        selected.append(value)
    ordered = tuple(option for option in options if option in selected)
    return replace(draft, answers=replace(draft.answers, **{_MULTI_FIELD[draft.step]: ordered}))


def finish_multi(draft: Draft) -> Draft:
    """Done with a multi-choice question. Lived experience needs at least one group, own or as a relative."""
    if draft.step not in MULTI_CHOICE:
        raise InvalidAnswer(STALE)
    if draft.step is Step.RELATIVE_OF and not (draft.answers.experience or draft.answers.relative_of):
        raise InvalidAnswer("peer_apply.hint.experience_needed")
    if draft.step not in _MAY_BE_EMPTY and draft.step is not Step.EXPERIENCE and not draft.answers.selected(draft.step):
        raise InvalidAnswer("peer_apply.hint.choose_one")
    return draft.advance(draft.answers)


def toggle_municipality(draft: Draft, code: int, known_codes: set[int]) -> Draft:
    if draft.step is not Step.AREA or code not in known_codes:
        raise InvalidAnswer(STALE)
    chosen = set(draft.answers.municipalities) ^ {code}
    return replace(draft, answers=replace(draft.answers, municipalities=tuple(sorted(chosen))))


def toggle_region(draft: Draft, code: str, known_codes: set[str]) -> Draft:
    if draft.step is not Step.AREA or code not in known_codes:
        raise InvalidAnswer(STALE)
    chosen = set(draft.answers.regions) ^ {code}
    return replace(draft, answers=replace(draft.answers, regions=tuple(sorted(chosen))))


def toggle_online(draft: Draft) -> Draft:
    if draft.step is not Step.AREA:
        raise InvalidAnswer(STALE)
    return replace(draft, answers=replace(draft.answers, online=not draft.answers.online))


def finish_area(draft: Draft) -> Draft:
    if draft.step is not Step.AREA:
        raise InvalidAnswer(STALE)
    answers = draft.answers
    if not (answers.municipalities or answers.regions or answers.online):
        raise InvalidAnswer("peer_apply.hint.area_needed")
    return draft.advance(answers)


def set_capacity(draft: Draft, capacity: int) -> Draft:
    if draft.step is not Step.CAPACITY or not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidAnswer(STALE)
    return draft.advance(replace(draft.answers, capacity=capacity))


def statements_for(answers: Answers) -> tuple[Statement, ...]:
    """The statements this applicant is asked to make, in order; paid peers are asked more."""
    return REQUIRED_STATEMENTS[PeerKind(answers.kind or PeerKind.VOLUNTEER.value)]


def toggle_statement(draft: Draft, value: str) -> Draft:
    if draft.step is not Step.ELIGIBILITY or value not in {s.value for s in statements_for(draft.answers)}:
        raise InvalidAnswer(STALE)
    chosen = set(draft.answers.statements) ^ {value}
    ordered = tuple(s.value for s in statements_for(draft.answers) if s.value in chosen)
    return replace(draft, answers=replace(draft.answers, statements=ordered))


def finish_statements(draft: Draft) -> Draft:
    """Every statement is required: someone who cannot make one is told kindly why, and nothing is sent."""
    if draft.step is not Step.ELIGIBILITY:
        raise InvalidAnswer(STALE)
    if missing_statements(draft.answers):
        raise InvalidAnswer("peer_apply.hint.statements_needed")
    return draft.advance(draft.answers)


def missing_statements(answers: Answers) -> tuple[Statement, ...]:
    return tuple(s for s in statements_for(answers) if s.value not in answers.statements)


def is_complete(answers: Answers) -> bool:
    """Everything an application needs before it may be submitted."""
    return bool(
        answers.alias
        and answers.kind in SINGLE_CHOICE[Step.KIND]
        and (answers.experience or answers.relative_of)
        and answers.age_band in ADULT_AGE_BANDS
        and answers.gender in SINGLE_CHOICE[Step.GENDER]
        and answers.languages
        and (answers.municipalities or answers.regions or answers.online)
        and answers.support_forms
        and answers.contact_modes
        and 1 <= answers.capacity <= MAX_CAPACITY
        and not missing_statements(answers)
    )
