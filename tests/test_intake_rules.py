"""The intake's rules in bot/intake.py, without Telegram or SQLite."""

from __future__ import annotations

import pytest

from bot import intake
from bot.intake import ORDER, Answers, Draft, InvalidAnswer, Step


def at(step: Step, **answers: object) -> Draft:
    return Draft(step, Answers(**answers))  # type: ignore[arg-type]


def test_first_draft_ticks_the_conversation_language() -> None:
    draft = intake.first_draft("en")
    assert draft.step is Step.FOR_WHOM and draft.answers.languages == ("en",)


def test_questions_follow_the_order_and_back_returns() -> None:
    draft = at(Step.FOR_WHOM)
    draft = intake.choose(draft, "relative")
    assert draft.step is Step.TARGET_GROUPS and draft.answers.for_whom == "relative"
    back = draft.back()
    assert back is not None and back.step is Step.FOR_WHOM and back.answers.for_whom == "relative"
    assert at(Step.FOR_WHOM).back() is None
    assert [s for s in ORDER][-1] is Step.SUMMARY


def test_a_button_of_another_question_is_rejected() -> None:
    with pytest.raises(InvalidAnswer, match="stale_button"):
        intake.choose(at(Step.AGE), "relative")
    with pytest.raises(InvalidAnswer, match="stale_button"):
        intake.toggle(at(Step.TARGET_GROUPS), "one_to_one")
    with pytest.raises(InvalidAnswer, match="stale_button"):
        intake.set_online_only(at(Step.AGE))
    with pytest.raises(InvalidAnswer, match="stale_button"):
        intake.set_free_text(at(Step.AGE), "hej")


def test_multi_choice_toggles_keeps_option_order_and_needs_one() -> None:
    draft = at(Step.TARGET_GROUPS)
    draft = intake.toggle(draft, "substance_use")
    draft = intake.toggle(draft, "mental_health")
    assert draft.step is Step.TARGET_GROUPS
    assert draft.answers.target_groups == ("mental_health", "substance_use")
    draft = intake.toggle(draft, "substance_use")
    assert draft.answers.target_groups == ("mental_health",)
    assert intake.finish_multi(draft).step is Step.AGE
    with pytest.raises(InvalidAnswer, match="choose_one"):
        intake.finish_multi(at(Step.TARGET_GROUPS))


def test_dont_know_excludes_the_other_forms() -> None:
    draft = intake.toggle(intake.toggle(at(Step.SUPPORT_FORMS), "course"), "one_to_one")
    draft = intake.toggle(draft, "dont_know")
    assert draft.answers.support_forms == ("dont_know",)
    draft = intake.toggle(draft, "course")
    assert draft.answers.support_forms == ("course",)


def test_municipality_or_online() -> None:
    answered = intake.set_municipality(at(Step.MUNICIPALITY), 259, {259})
    assert answered.answers.municipality_code == 259 and not answered.answers.online_only
    assert answered.step is Step.SUPPORT_FORMS
    with pytest.raises(InvalidAnswer):
        intake.set_municipality(at(Step.MUNICIPALITY), 999, {259})
    online = intake.set_online_only(at(Step.MUNICIPALITY, municipality_code=259))
    assert online.answers.online_only and online.answers.municipality_code is None


def test_free_text_limit_and_skip() -> None:
    ok = intake.set_free_text(at(Step.FREE_TEXT), "  En at tale med om angst  ")
    assert ok.answers.free_text == "En at tale med om angst" and ok.step is Step.SUMMARY
    with pytest.raises(InvalidAnswer, match="too_long"):
        intake.set_free_text(at(Step.FREE_TEXT), "x" * (intake.FREE_TEXT_MAX + 1))
    with pytest.raises(InvalidAnswer, match="empty_text"):
        intake.set_free_text(at(Step.FREE_TEXT), "   ")
    assert intake.skip_free_text(at(Step.FREE_TEXT, free_text="old")).answers.free_text is None


def test_editing_from_the_summary_returns_to_the_summary() -> None:
    summary = at(Step.SUMMARY, age_band="25_39")
    editing = summary.edit(Step.AGE)
    assert editing.step is Step.AGE and editing.editing
    answered = intake.choose(editing, "40_64")
    assert answered.step is Step.SUMMARY and answered.answers.age_band == "40_64" and not answered.editing
    assert editing.back() == Draft(Step.SUMMARY, editing.answers)
    with pytest.raises(InvalidAnswer):
        summary.edit(Step.SUMMARY)


def test_completeness_and_json_round_trip() -> None:
    answers = Answers(
        for_whom="self",
        target_groups=("mental_health",),
        age_band="25_39",
        online_only=True,
        support_forms=("one_to_one",),
        languages=("da",),
        gender_preference="none",
        contact_modes=("chat",),
    )
    assert intake.is_complete(answers)
    assert not intake.is_complete(Answers(for_whom="self"))
    assert Answers.from_json(answers.to_json()) == answers
