"""What the crisis message says, by severity and by whom it is about, through PTB offline, in both languages."""

from __future__ import annotations

import logging

import pytest

from bot.app import build_application
from bot.config import Settings
from bot.crisis_model import load_model
from tests.conftest import BotHarness
from tests.offline import OfflineBotApi

USER = 303


def crisis_texts(harness: BotHarness, user: int = USER) -> list[str]:
    return [text for text in harness.api.texts_to(user) if "Livslinien" in text]


@pytest.mark.parametrize(
    ("text", "language", "opening"),
    [
        ("i aften tager jeg alle mine piller, jeg har besluttet mig", "da", "Ring 112 nu"),
        ("jeg står på broen nu", "da", "Ring 112 nu"),
        ("took 30 paracetamol an hour ago", "en", "Call 112 now"),
        ("he's got a knife and I'm hiding in the bathroom", "en", "Call 112 now"),
    ],
)
async def test_acute_danger_is_answered_with_112_first(
    harness: BotHarness, text: str, language: str, opening: str
) -> None:
    await harness.say(USER, text, language_code=language)
    [answer] = crisis_texts(harness)
    assert answer.startswith(opening)
    assert answer.index("112") < answer.index("70 201 201")


@pytest.mark.parametrize(
    ("text", "language", "opening"),
    [
        ("alle ville have det bedre uden mig", "da", "Det lyder, som om du har det rigtig svært"),
        ("jeg brænder mig selv for at mærke noget", "da", "Det lyder, som om du har det rigtig svært"),
        ("i just want to sleep and never wake up", "en", "It sounds like things are really hard for you"),
    ],
)
async def test_concern_gets_the_gentle_opening_and_every_number(
    harness: BotHarness, text: str, language: str, opening: str
) -> None:
    await harness.say(USER, text, language_code=language)
    [answer] = crisis_texts(harness)
    assert answer.startswith(opening)
    assert "112" in answer and "70 201 201" in answer and "116 111" in answer


@pytest.mark.parametrize(
    ("text", "language", "opening", "advice"),
    [
        (
            "min datter på 15 har taget en masse piller",
            "da",
            "Ring 112 nu, hvis den andens liv er i fare",
            ("Lad ikke personen være alene", "Livslinien rådgiver også pårørende", "70 201 201"),
        ),
        (
            "min søn skærer i sig selv, jeg har set arrene",
            "da",
            "Det er godt, at du skriver",
            ("Er vedkommendes liv i fare, så ring 112", "Lad ikke personen være alene", "rådgiver også pårørende"),
        ),
        (
            "my brother is on the bridge and won't come down",
            "en",
            "Call 112 now if the other person's life is in danger",
            ("Don't leave them alone", "Livslinien also advises relatives", "70 201 201"),
        ),
        (
            "my friend keeps saying she wants to die",
            "en",
            "It is good that you are writing",
            ("If their life is in danger, call 112", "Don't leave them alone", "also advises relatives"),
        ),
    ],
)
async def test_a_third_party_report_gets_advice_for_the_helper(
    harness: BotHarness, text: str, language: str, opening: str, advice: tuple[str, ...]
) -> None:
    await harness.say(USER, text, language_code=language)
    [answer] = crisis_texts(harness)
    assert answer.startswith(opening)
    for line in advice:
        assert line in answer


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("For ti år siden havde jeg selvmordstanker, men i dag har jeg det godt og vil gerne være peer", "da"),
        ("I self-harmed as a teenager. That was fifteen years ago and I'm in a good place now.", "en"),
    ],
)
async def test_past_and_recovered_gets_no_alarm_and_krise_still_works(
    harness: BotHarness, text: str, language: str
) -> None:
    await harness.say(USER, text, language_code=language)
    assert crisis_texts(harness) == []
    await harness.say(USER, "/krise" if language == "da" else "/crisis", language_code=language)
    assert len(crisis_texts(harness)) == 1


async def test_a_present_signal_beside_a_past_one_is_answered(harness: BotHarness) -> None:
    await harness.say(USER, "For ti år siden prøvede jeg at tage mit liv. I aften gør jeg det igen.")
    [answer] = crisis_texts(harness)
    assert answer.startswith("Ring 112 nu")


async def test_the_log_names_the_rules_never_the_person_or_the_text(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await harness.say(USER, "jeg står på broen nu qzxv")
    lines = [record.getMessage() for record in caplog.records if "crisis_detected" in record.getMessage()]
    assert lines == ["crisis_detected severity=acute about=self rules=place.high_or_tracks"]
    everything = " ".join(record.getMessage() for record in caplog.records)
    assert "qzxv" not in everything and "broen" not in everything
    assert not any(str(USER) in record.getMessage() and "crisis" in record.getMessage() for record in caplog.records)


async def test_the_handler_takes_first_aids_verdict_instead_of_judging_the_text_again(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The detector runs once per text: on arrival (first aid); the handler takes that verdict, once."""
    import handlers.first_aid

    judged: list[str] = []
    real = handlers.first_aid.detect_crisis

    def counting(text: str):  # type: ignore[no-untyped-def]
        judged.append(text)
        return real(text)

    monkeypatch.setattr(handlers.first_aid, "detect_crisis", counting)
    first_aid = harness.services.first_aid
    assert first_aid is not None
    crisis = harness.updates.text(USER, "i aften tager jeg alle mine piller, jeg har besluttet mig")
    first_aid.check(crisis)
    assert len(judged) == 1
    await harness.feed(crisis)
    assert len(judged) == 1, "the handler used the verdict made on arrival"
    assert len(crisis_texts(harness)) == 1, "answered once, by first aid"
    assert first_aid.verdict_for(crisis["update_id"], "i aften tager jeg alle mine piller") is not None
    assert len(judged) == 2, "a verdict is taken once; asked again, the text is judged anew"
    ordinary = harness.updates.text(USER + 1, "hej")
    first_aid.check(ordinary)
    assert first_aid.verdict_for(ordinary["update_id"], "noget andet") is None
    assert judged[-1] == "noget andet", "a verdict on another text is never reused"


async def test_the_crisis_model_is_read_at_start_up_not_while_the_first_person_in_crisis_waits(
    settings: Settings,
) -> None:
    load_model.cache_clear()
    application = build_application(settings, request=OfflineBotApi())
    await application.initialize()
    assert load_model.cache_info().currsize == 0
    assert application.post_init is not None and application.post_shutdown is not None
    await application.post_init(application)
    try:
        assert load_model.cache_info().currsize == 1
    finally:
        await application.shutdown()
        await application.post_shutdown(application)
