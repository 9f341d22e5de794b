"""The intake's rules: which question comes next, what a valid answer is, what a finished request holds.

Pure logic over plain data, so a unit test reaches every rule without Telegram or SQLite.
The handler renders questions; the store keeps the draft; this module decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from bot.text_safety import has_visible_character, without_bidi_controls
from matching.taxonomy import AgeBand, ContactMode, ForWhom, GenderPreference, Language, SupportForm, TargetGroup
from matching.words import topics_named

CONSENT_VERSION = "2026-11-v1"
FREE_TEXT_MAX = 1000
OFFERED_LANGUAGES: tuple[str, ...] = tuple(language.value for language in Language)


class Step(StrEnum):
    """The questions in order. Values are short because they travel in callback data."""

    FOR_WHOM = "whom"
    TARGET_GROUPS = "grp"
    AGE = "age"
    MUNICIPALITY = "mun"
    SUPPORT_FORMS = "form"
    LANGUAGES = "lang"
    GENDER = "gen"
    CONTACT = "cont"
    FREE_TEXT = "text"
    SUMMARY = "sum"


ORDER: tuple[Step, ...] = tuple(Step)
# "Relative" is asked first (for whom) and qualifies the situation; it is no topic of its own.
TOPICS: tuple[str, ...] = tuple(group.value for group in TargetGroup if group is not TargetGroup.RELATIVES)
MULTI_CHOICE: dict[Step, tuple[str, ...]] = {
    Step.TARGET_GROUPS: TOPICS,
    Step.SUPPORT_FORMS: tuple(form.value for form in SupportForm),
    Step.LANGUAGES: OFFERED_LANGUAGES,
    Step.CONTACT: tuple(mode.value for mode in ContactMode),
}
SINGLE_CHOICE: dict[Step, tuple[str, ...]] = {
    Step.FOR_WHOM: tuple(who.value for who in ForWhom),
    Step.AGE: tuple(band.value for band in AgeBand),
    Step.GENDER: tuple(preference.value for preference in GenderPreference),
}
_DONT_KNOW = SupportForm.DONT_KNOW.value


class InvalidAnswer(ValueError):
    """An answer the current question cannot take; `reason` is a catalogue key for the hint."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Answers:
    for_whom: str | None = None
    target_groups: tuple[str, ...] = ()
    age_band: str | None = None
    municipality_code: int | None = None
    online_only: bool = False
    support_forms: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    gender_preference: str | None = None
    contact_modes: tuple[str, ...] = ()
    free_text: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answers:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        for name in ("target_groups", "support_forms", "languages", "contact_modes"):
            if name in known:
                known[name] = tuple(known[name])
        return cls(**known)

    def selected(self, step: Step) -> tuple[str, ...]:
        return getattr(self, _MULTI_FIELD[step])


_MULTI_FIELD = {
    Step.TARGET_GROUPS: "target_groups",
    Step.SUPPORT_FORMS: "support_forms",
    Step.LANGUAGES: "languages",
    Step.CONTACT: "contact_modes",
}
_SINGLE_FIELD = {Step.FOR_WHOM: "for_whom", Step.AGE: "age_band", Step.GENDER: "gender_preference"}


@dataclass(frozen=True)
class Draft:
    """An intake in progress: the question being asked, the answers so far, and whether the
    person came here from the summary to change one answer (then the summary comes next)."""

    step: Step = Step.FOR_WHOM
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
            raise InvalidAnswer("intake.hint.stale_button")
        return Draft(step, self.answers, editing=True)


def first_draft(conversation_language: str) -> Draft:
    """A new intake; the language the person writes in is already ticked as a language they speak."""
    return Draft(Step.FOR_WHOM, Answers(languages=(conversation_language,)))


def choose(draft: Draft, value: str) -> Draft:
    """A single-choice answer (for whom, age band, gender preference)."""
    if value not in SINGLE_CHOICE.get(draft.step, ()):
        raise InvalidAnswer("intake.hint.stale_button")
    return draft.advance(replace(draft.answers, **{_SINGLE_FIELD[draft.step]: value}))


def toggle(draft: Draft, value: str) -> Draft:
    """Tick or untick one option of a multi-choice question; stays on the same question.

    "Don't know" excludes the other forms of support and the other way round.
    """
    options = MULTI_CHOICE.get(draft.step, ())
    if value not in options:
        raise InvalidAnswer("intake.hint.stale_button")
    selected = list(draft.answers.selected(draft.step))
    if value in selected:
        selected.remove(value)
    elif draft.step is Step.SUPPORT_FORMS and (value == _DONT_KNOW or _DONT_KNOW in selected):
        selected = [value]
    else:
        selected.append(value)
    ordered = tuple(option for option in options if option in selected)
    return replace(draft, answers=replace(draft.answers, **{_MULTI_FIELD[draft.step]: ordered}))


def finish_multi(draft: Draft) -> Draft:
    if draft.step not in MULTI_CHOICE:
        raise InvalidAnswer("intake.hint.stale_button")
    if not draft.answers.selected(draft.step):
        raise InvalidAnswer("intake.hint.choose_one")
    return draft.advance(draft.answers)


def set_municipality(draft: Draft, code: int, known_codes: set[int]) -> Draft:
    if draft.step is not Step.MUNICIPALITY or code not in known_codes:
        raise InvalidAnswer("intake.hint.stale_button")
    return draft.advance(replace(draft.answers, municipality_code=code, online_only=False))


def set_online_only(draft: Draft) -> Draft:
    if draft.step is not Step.MUNICIPALITY:
        raise InvalidAnswer("intake.hint.stale_button")
    return draft.advance(replace(draft.answers, municipality_code=None, online_only=True))


def set_free_text(draft: Draft, text: str) -> Draft:
    if draft.step is not Step.FREE_TEXT:
        raise InvalidAnswer("intake.hint.stale_button")
    cleaned = without_bidi_controls(text).strip()
    if not has_visible_character(cleaned):
        raise InvalidAnswer("intake.hint.empty_text")
    if len(cleaned) > FREE_TEXT_MAX:
        raise InvalidAnswer("intake.hint.too_long")
    return draft.advance(replace(draft.answers, free_text=cleaned))


def skip_free_text(draft: Draft) -> Draft:
    if draft.step is not Step.FREE_TEXT:
        raise InvalidAnswer("intake.hint.stale_button")
    return draft.advance(replace(draft.answers, free_text=None))


def unchosen_topics(answers: Answers) -> tuple[str, ...]:
    """Topics the person's own words name but their answers do not, in the order the question lists them.

    Matching reads the answers, not the free text; the summary points these out so the person can add them.
    """
    named = {topic.value for topic in topics_named(answers.free_text or "")}
    return tuple(topic for topic in TOPICS if topic in named and topic not in answers.target_groups)


def is_complete(answers: Answers) -> bool:
    """Everything a request needs before it may be saved as open."""
    return bool(
        answers.for_whom
        and answers.target_groups
        and answers.age_band
        and (answers.municipality_code is not None or answers.online_only)
        and answers.support_forms
        and answers.languages
        and answers.gender_preference
        and answers.contact_modes
    )
