"""Privacy under faults (issue #10, finding 9): a crisis is logged without the person's id, and /delete
leaves nothing about the person anywhere, the outbox and the WAL file included."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from tests.e2e.conftest import ADMIN_ID, BotProcess
from tests.e2e.people import walk_to_free_text
from tests.e2e.test_intake import Person
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e
SECRET = "Zebraen kalder Oslo 4711"


def test_a_crisis_is_logged_without_the_persons_id(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    api.send_text(7401, "jeg vil ikke leve mere")
    api.wait_for_text(7401, "70 201 201")
    mark = api.mark()
    api.send_text(7401, "/krise")
    api.wait_for_text(7401, "112", after=mark)
    time.sleep(0.3)
    assert bot.stop() == 0
    lines = [line for line in bot.output().splitlines() if "crisis" in line]
    assert any("crisis_detected" in line for line in lines), "the event itself is logged, to count it"
    assert not [line for line in lines if "7401" in line], lines


def test_delete_leaves_nothing_in_the_outbox_or_the_files(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    api.send_text(ADMIN_ID, "/help")
    api.wait_for_text(ADMIN_ID, "/mydata")
    person = Person(api, 7402)
    walk_to_free_text(person)
    person.say(SECRET, "Her er det, du har fortalt mig")
    api.inject("sendMessage", 500, times=6)  # an error answering the person, retries too: a report for the coordinators
    api.send_text(7402, "/help")
    api.wait_for_text(7402, "gik noget galt", timeout=20)  # after the reply's retries
    api.wait_for_text(ADMIN_ID, "fejl-id", timeout=15)
    person.say("/delete", "Vil du slette alt")
    person.tap("p:del:yes", "Alt er slettet")
    time.sleep(0.5)
    # The bot still runs: its last close would checkpoint anyway, so the files are read while it is live.
    files = [path for path in bot.database.parent.iterdir() if path.name.startswith(bot.database.name)]
    for path in files:
        content = path.read_bytes()
        assert SECRET.encode() not in content, f"the erased free text is still readable in {path.name}"
    with sqlite3.connect(bot.database) as db:
        rows = db.execute("SELECT chat_id, params FROM outbox").fetchall()
    assert rows, "the coordinators' report is there"
    for chat_id, params in rows:
        assert chat_id != 7402 and "7402" not in json.dumps(json.loads(params)), params
    assert bot.stop() == 0
