"""Flood control counts what floods (issue #10, finding 10): a brisk human pace through the intake is
never held back; a flood is, and what it held back is answered or the person is asked to send it again."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import BotProcess
from tests.e2e.people import wait_until
from tests.e2e.test_intake import Person
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e


def test_three_taps_a_second_for_ten_seconds_are_never_held_back(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    person = Person(api, 7501)
    person.say("/start", "Giver du samtykke")
    person.tap("c:yes", "Hvem søger du støtte til?")
    person.tap("i:whom:pick:self", "Hvad handler det om?")
    keyboard = next(m for m in reversed(api.messages(7501)) if "i:grp:tog" in str(m.get("reply_markup")))
    time.sleep(0.5)  # the last tap's callback answer follows its edit
    mark = api.mark()
    started = time.monotonic()
    taps = 30
    for n in range(taps):  # ticking and unticking, a tap every third of a second
        time.sleep(max(0.0, started + n / 3 - time.monotonic()))
        api.press_button(7501, keyboard["message_id"], "i:grp:tog:mental_health")

    def answered() -> int:
        # A callback answer names no chat: after the mark, only this person is tapping.
        return len([c for c in api.sent(method="answerCallbackQuery") if c["index"] >= mark and c["ok"]])

    wait_until(lambda: answered() >= taps, 15, "every tap to be answered")
    edits = [c for c in api.sent(7501, "editMessageReplyMarkup") if c["index"] >= mark]
    assert len(edits) == taps, "every tap ticked or unticked the box"
    assert all(c["ok"] for c in edits), [c.get("description") for c in edits if not c["ok"]]
    assert not [c for c in api.sent(7501, "sendMessage") if "lidt hurtigt" in c["params"].get("text", "")]
    assert bot.stop() == 0


def test_after_a_flood_the_next_help_is_answered_and_one_notice_asks_to_send_again(
    api: FakeBotApi, bot: BotProcess
) -> None:
    bot.start()
    for n in range(80):
        api.send_text(7502, f"hej {n}")
    api.send_text(7502, "/help")
    api.wait_for_text(7502, "/mydata", timeout=10)
    time.sleep(1)
    texts = [c["params"]["text"] for c in api.sent(7502, "sendMessage") if c["ok"]]
    notices = [text for text in texts if "lidt hurtigt" in text]
    assert len(notices) == 1 and "send så det seneste igen" in notices[0]
    assert len(texts) < 50, "the flood was held back"
    assert bot.stop() == 0
