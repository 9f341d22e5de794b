"""The intake conversation through PTB offline: every step, back, edit, cancel, wrong input, crisis."""

from __future__ import annotations

import pytest

from bot.intake import FREE_TEXT_MAX, Step
from tests.conftest import BotHarness

USER = 301
CRISIS = "jeg vil ikke leve mere"

# One typical answer per step, as the person would give it: ("press", data) or ("say", text).
WALK: list[tuple[Step, list[tuple[str, str]]]] = [
    (Step.FOR_WHOM, [("press", "i:whom:pick:self")]),
    (Step.TARGET_GROUPS, [("press", "i:grp:tog:mental_health"), ("press", "i:grp:done")]),
    (Step.AGE, [("press", "i:age:pick:25_39")]),
    (Step.MUNICIPALITY, [("say", "Koege")]),
    (Step.SUPPORT_FORMS, [("press", "i:form:tog:one_to_one"), ("press", "i:form:done")]),
    (Step.LANGUAGES, [("press", "i:lang:done")]),
    (Step.GENDER, [("press", "i:gen:pick:none")]),
    (Step.CONTACT, [("press", "i:cont:tog:chat"), ("press", "i:cont:done")]),
    (Step.FREE_TEXT, [("say", "Nogen at tale med om angst")]),
]
QUESTION_START = {
    Step.FOR_WHOM: "Hvem søger du støtte til?",
    Step.TARGET_GROUPS: "Hvad handler det om?",
    Step.AGE: "Hvor gammel er du?",
    Step.MUNICIPALITY: "Hvor bor du?",
    Step.SUPPORT_FORMS: "Hvilken slags støtte",
    Step.LANGUAGES: "Hvilke sprog",
    Step.GENDER: "Har du et ønske om, hvilket køn",
    Step.CONTACT: "Hvordan vil du helst være i kontakt?",
    Step.FREE_TEXT: "Til sidst",
    Step.SUMMARY: "Her er det, du har fortalt mig:",
}


async def consent(h: BotHarness, user: int = USER) -> None:
    await h.say(user, "/start")
    await h.press(user, "c:yes")


async def walk_to(h: BotHarness, stop: Step, user: int = USER) -> None:
    """Consent, then answer every question before `stop`."""
    await consent(h, user)
    for step, actions in WALK:
        if step is stop:
            return
        for kind, value in actions:
            if kind == "press":
                await h.press(user, value)
            else:
                await h.say(user, value)


async def current_step(h: BotHarness, user: int = USER) -> Step | None:
    draft = await h.services.store.intake.draft(user)
    return draft.step if draft else None


def last_shown(h: BotHarness, user: int = USER) -> str:
    """What the person sees last: a sent message or an edited one."""
    calls = [c for c in h.api.calls if c.params.get("chat_id") == user and "text" in c.params]
    return calls[-1].params["text"]


async def test_welcome_explains_and_asks_for_consent(harness: BotHarness) -> None:
    text = await harness.say(USER, "/start")
    assert "ikke en krisetjeneste" in text and "samtykke" in text and "/delete" in text and "30 dage" in text
    data = [b["callback_data"] for row in harness.api.last_keyboard(USER) for b in row]
    assert data == ["c:yes", "c:no:0", "crisis"]
    assert await current_step(harness) is None, "nothing is stored before consent"


async def test_the_whole_intake_saves_an_open_request(harness: BotHarness) -> None:
    await consent(harness)
    row = await harness.services.store.db.fetch_one(
        "SELECT text_version, given_at FROM consents WHERE user_id = ?", (USER,)
    )
    assert row is not None and row["text_version"] and row["given_at"]
    for step, actions in WALK:
        assert await current_step(harness) is step
        assert QUESTION_START[step] in last_shown(harness), step
        for kind, value in actions:
            await (harness.press(USER, value) if kind == "press" else harness.say(USER, value))
    assert await current_step(harness) is Step.SUMMARY
    summary = last_shown(harness)
    assert "Køge" in summary and "Psykiske vanskeligheder" in summary and "Nogen at tale med om angst" in summary
    await harness.press(USER, "i:sum:confirm")
    confirmation = [c for c in harness.api.calls if c.method == "editMessageText"][-1]
    assert "Din anmodning er gemt" in confirmation.params["text"]
    assert last_shown(harness).startswith("Her er mine forslag til dig")
    request = await harness.services.store.intake.open_request(USER)
    assert request is not None and request.status == "open"
    assert request.answers.municipality_code == 259 and request.answers.target_groups == ("mental_health",)
    assert request.answers.languages == ("da",) and request.answers.contact_modes == ("chat",)
    assert await current_step(harness) is None


@pytest.mark.parametrize("step", [step for step, _ in WALK])
async def test_back_returns_to_the_previous_question(harness: BotHarness, step: Step) -> None:
    await walk_to(harness, step)
    await harness.press(USER, f"i:{step.value}:back")
    if step is Step.FOR_WHOM:
        assert "Giver du samtykke" in last_shown(harness)
        assert await current_step(harness) is Step.FOR_WHOM
    else:
        previous = [s for s, _ in WALK][[s for s, _ in WALK].index(step) - 1]
        assert await current_step(harness) is previous
        assert last_shown(harness).startswith(QUESTION_START[previous])


async def test_edit_from_the_summary_changes_one_answer_and_returns(harness: BotHarness) -> None:
    await walk_to(harness, Step.SUMMARY)
    await harness.press(USER, "i:sum:edit:age")
    assert await current_step(harness) is Step.AGE
    await harness.press(USER, "i:age:pick:40_64")
    assert await current_step(harness) is Step.SUMMARY
    assert "40–64" in last_shown(harness)
    await harness.press(USER, "i:sum:edit:mun")
    await harness.press(USER, "i:mun:online")
    assert "Online passer fint" in last_shown(harness)
    await harness.press(USER, "i:sum:edit:grp")
    await harness.press(USER, "i:grp:back")
    assert await current_step(harness) is Step.SUMMARY


async def test_cancel_leaves_no_half_saved_request(harness: BotHarness) -> None:
    await walk_to(harness, Step.MUNICIPALITY)
    assert "slettet de svar" in await harness.say(USER, "/cancel")
    assert await current_step(harness) is None
    assert await harness.services.store.intake.open_request(USER) is None
    assert "ikke noget at stoppe" in await harness.say(USER, "/cancel")


async def test_start_during_an_intake_offers_to_continue_or_start_over(harness: BotHarness) -> None:
    await walk_to(harness, Step.AGE)
    assert "Vil du fortsætte" in await harness.say(USER, "/start")
    await harness.press(USER, "r:continue")
    assert last_shown(harness).startswith(QUESTION_START[Step.AGE])
    await harness.say(USER, "/start")
    await harness.press(USER, "r:restart:age")
    draft = await harness.services.store.intake.draft(USER)
    assert draft is not None and draft.step is Step.FOR_WHOM and draft.answers.target_groups == ()


async def test_start_after_an_intake_offers_a_new_request_that_replaces_the_old(harness: BotHarness) -> None:
    await walk_to(harness, Step.SUMMARY)
    await harness.press(USER, "i:sum:confirm")
    assert "stadig åben" in await harness.say(USER, "/start")
    await harness.press(USER, "r:keep")
    assert "stadig gemt" in last_shown(harness)
    await harness.say(USER, "/start")
    await harness.press(USER, "r:new")
    for _step, actions in WALK:
        for kind, value in actions:
            await (harness.press(USER, value) if kind == "press" else harness.say(USER, value))
    await harness.press(USER, "i:sum:confirm")
    rows = await harness.services.store.db.fetch_all(
        "SELECT status FROM support_requests WHERE user_id = ? ORDER BY id", (USER,)
    )
    assert [row["status"] for row in rows] == ["replaced", "open"]


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location"])
@pytest.mark.parametrize("step", [step for step, _ in WALK])
async def test_non_text_input_gets_a_hint_and_the_same_question(harness: BotHarness, step: Step, kind: str) -> None:
    await walk_to(harness, step)
    await harness.feed(getattr(harness.updates, kind)(USER))
    shown = last_shown(harness)
    assert shown.startswith("Det kan jeg desværre ikke læse") and QUESTION_START[step] in shown
    assert await current_step(harness) is step


@pytest.mark.parametrize("step", [s for s, _ in WALK if s not in (Step.MUNICIPALITY, Step.FREE_TEXT)])
async def test_text_where_a_button_is_expected(harness: BotHarness, step: Step) -> None:
    await walk_to(harness, step)
    shown = await harness.say(USER, "det ved jeg ikke")
    assert shown.startswith("Her skal du vælge med knapperne") and QUESTION_START[step] in shown
    assert await current_step(harness) is step


async def test_unknown_municipality_and_search_results(harness: BotHarness) -> None:
    await walk_to(harness, Step.MUNICIPALITY)
    await harness.say(USER, "Atlantis")
    texts = harness.api.texts_to(USER)
    assert "kunne ikke finde en kommune, der hedder »Atlantis«" in texts[-2]
    assert texts[-1].startswith(QUESTION_START[Step.MUNICIPALITY])
    assert "Mente du en af disse" in await harness.say(USER, "frederiks")
    options = [b["callback_data"] for row in harness.api.last_keyboard(USER) for b in row]
    assert {"i:mun:pick:147", "i:mun:pick:813", "i:mun:pick:250"} <= set(options)  # -berg, -havn, -sund
    await harness.press(USER, "i:mun:pick:147")
    answers = (await harness.services.store.intake.draft(USER)).answers  # type: ignore[union-attr]
    assert answers.municipality_code == 147


@pytest.mark.parametrize(
    ("typed", "code", "name"),
    [("Helsingor", 217, "Helsingør"), ("koege", 259, "Køge"), ("Elsinore", 217, "Helsingør"), ("hoje", 169, "Høje")],
)
async def test_a_typed_municipality_that_matches_exactly_one_is_taken_at_once(
    harness: BotHarness, typed: str, code: int, name: str
) -> None:
    """No "Did you mean one of these municipalities?" with a single button: the one is noted and said so."""
    await walk_to(harness, Step.MUNICIPALITY)
    shown = await harness.say(USER, typed)
    assert "Mente du" not in shown and "kommuner" not in shown
    assert shown.startswith(f"Jeg har noteret {name}") and QUESTION_START[Step.SUPPORT_FORMS] in shown
    draft = await harness.services.store.intake.draft(USER)
    assert draft is not None and draft.step is Step.SUPPORT_FORMS and draft.answers.municipality_code == code


async def test_a_relative_is_asked_about_the_loved_ones_situation_without_a_relatives_topic(
    harness: BotHarness,
) -> None:
    await consent(harness)
    await harness.press(USER, "i:whom:pick:relative")
    shown = last_shown(harness)
    assert shown.startswith("Hvad handler det om for den, du er pårørende til?")
    options = [b["callback_data"] for row in harness.api.last_keyboard(USER) for b in row]
    assert "i:grp:tog:mental_health" in options and "i:grp:tog:relatives" not in options
    await harness.press(USER, "i:grp:tog:mental_health")
    assert last_shown(harness).startswith("Hvad handler det om for den, du er pårørende til?")


async def test_municipality_by_region_first(harness: BotHarness) -> None:
    await walk_to(harness, Step.MUNICIPALITY)
    await harness.press(USER, "i:mun:regions")
    assert "Vælg din region" in last_shown(harness)
    await harness.press(USER, "i:mun:region:nordjylland")
    assert "Vælg din kommune i" in last_shown(harness)
    await harness.press(USER, "i:mun:pick:851")
    assert await current_step(harness) is Step.SUPPORT_FORMS
    await harness.press(USER, "i:form:back")
    await harness.press(USER, "i:mun:region:atlantis")  # forged region
    assert await current_step(harness) is Step.MUNICIPALITY


async def test_stale_and_forged_buttons(harness: BotHarness) -> None:
    await walk_to(harness, Step.AGE)
    await harness.press(USER, "i:whom:pick:relative")  # a button of an earlier question
    shown = last_shown(harness)
    assert shown.startswith("Den knap hører til et tidligere spørgsmål") and QUESTION_START[Step.AGE] in shown
    assert (await harness.services.store.intake.draft(USER)).answers.for_whom == "self"  # type: ignore[union-attr]
    await harness.press(USER, "i:age:pick:999")  # forged value
    alert = [c for c in harness.api.calls if c.method == "answerCallbackQuery"][-1]
    assert alert.params.get("show_alert") is True
    await harness.press(USER, "i:age")  # malformed
    await harness.press(USER, "c:maybe")
    assert await current_step(harness) is Step.AGE


async def test_done_without_a_choice_gets_a_hint(harness: BotHarness) -> None:
    await walk_to(harness, Step.TARGET_GROUPS)
    await harness.press(USER, "i:grp:done")
    alert = [c for c in harness.api.calls if c.method == "answerCallbackQuery"][-1]
    assert "Vælg mindst én" in alert.params["text"]
    assert await current_step(harness) is Step.TARGET_GROUPS


async def test_toggles_are_saved_before_the_keyboard_changes(harness: BotHarness) -> None:
    await walk_to(harness, Step.TARGET_GROUPS)
    await harness.press(USER, "i:grp:tog:homelessness")
    edit = [c for c in harness.api.calls if c.method == "editMessageReplyMarkup"][-1]
    labels = [b["text"] for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "✅ Hjemløshed" in labels
    assert (await harness.services.store.intake.draft(USER)).answers.target_groups == ("homelessness",)  # type: ignore[union-attr]


async def test_an_over_long_free_text_is_refused_kindly(harness: BotHarness) -> None:
    await walk_to(harness, Step.FREE_TEXT)
    await harness.say(USER, "a" * 5000)
    texts = harness.api.texts_to(USER)
    assert f"5000 tegn lang, og jeg kan højst gemme {FREE_TEXT_MAX}" in texts[-2]
    assert texts[-1].startswith(QUESTION_START[Step.FREE_TEXT])
    assert await current_step(harness) is Step.FREE_TEXT
    await harness.press(USER, "i:text:skip")
    assert await current_step(harness) is Step.SUMMARY


@pytest.mark.parametrize("step", [step for step, _ in WALK] + [Step.SUMMARY])
async def test_crisis_text_at_every_step_gets_the_crisis_message_first(harness: BotHarness, step: Step) -> None:
    await walk_to(harness, step)
    before = len(harness.api.texts_to(USER))
    await harness.say(USER, CRISIS)
    new = harness.api.texts_to(USER)[before:]
    assert "70 201 201" in new[0] and "112" in new[0] and "ikke en krisetjeneste" in new[0]
    if step is Step.FREE_TEXT:
        assert await current_step(harness) is Step.SUMMARY, "the person's words are kept"
    else:
        assert new[-1].startswith("Når du er klar, kan vi fortsætte her")
        assert await current_step(harness) is step


async def test_crisis_message_names_the_region_once_known(harness: BotHarness) -> None:
    await walk_to(harness, Step.SUPPORT_FORMS)  # Køge is in Region Sjælland (Østdanmark from 2027)
    await harness.say(USER, "/krise")
    assert "1818" in harness.api.texts_to(USER)[-1]
    await harness.say(USER + 1, "/crisis", language_code="en")
    text = harness.api.texts_to(USER + 1)[-1]
    assert text.startswith("Here is where you can get help") and "1813" in text and "70 11 31 31" in text


async def test_crisis_outside_any_conversation_and_the_help_button(harness: BotHarness) -> None:
    await harness.say(USER, "I want to kill myself", language_code="en")
    assert "Livslinien" in harness.api.texts_to(USER)[0]
    assert len(harness.api.texts_to(USER)) == 1, "no 'not understood' after the crisis message"
    await harness.press(USER, "crisis")
    assert "70 201 201" in harness.api.last_text(USER)


async def test_declining_consent_stores_nothing_and_lists_initiatives(harness: BotHarness) -> None:
    await harness.say(USER, "/start")
    await harness.press(USER, "c:no:0")
    shown = last_shown(harness)
    assert "Jeg har ikke gemt noget om dig" in shown and "Sjældne-navigatorer" in shown
    assert "Peer-netværket Danmark" not in shown, "a network for peers is not for people seeking support"
    assert "Peers som brobyggere" not in shown, "an ended trial is no offer to contact"
    exported = await harness.services.store.privacy.export(USER)
    assert not any(exported.values())
    assert "ingen samtale i gang" in await harness.say(USER, "hej")


async def test_language_can_change_in_the_middle(harness: BotHarness) -> None:
    await walk_to(harness, Step.AGE)
    await harness.say(USER, "/language")
    await harness.press(USER, "lang:en")
    await harness.say(USER, "/start")
    await harness.press(USER, "r:continue")
    assert last_shown(harness).startswith("How old are you?")


async def test_an_edited_message_is_not_taken_as_a_new_answer(harness: BotHarness) -> None:
    await walk_to(harness, Step.FREE_TEXT)
    payload = harness.updates.text(USER, "rettet tekst")
    payload["edited_message"] = payload.pop("message") | {"edit_date": 1}
    before = len(harness.api.calls)
    await harness.feed(payload)
    assert await current_step(harness) is Step.FREE_TEXT
    assert not [c for c in harness.api.calls[before:] if "gik noget galt" in c.params.get("text", "")]


async def test_own_words_that_name_an_unchosen_topic_are_pointed_out_in_the_summary(harness: BotHarness) -> None:
    """The free text is not used for matching; the summary says what it names that the answers leave out."""
    await walk_to(harness, Step.FREE_TEXT)
    summary = await harness.say(USER, "Jeg har angst, og nu er jeg også ved at miste synet")
    assert summary.startswith("Her er det, du har fortalt mig")
    assert "Du skriver om noget, der kan høre under »Synstab«, men det har du ikke valgt under Emner" in summary
    assert "Psykiske vanskeligheder«" not in summary, "a chosen topic is not pointed out"
    await harness.press(USER, "i:sum:edit:grp")
    await harness.press(USER, "i:grp:tog:vision_loss")
    await harness.press(USER, "i:grp:done")
    assert "kan høre under" not in last_shown(harness)
