"""kill -9 at random moments while 40 people walk the intake: every update has its effect exactly once.

What "exactly once" means here (bot/inbox.py): every update the people sent is in the inbox and ends
'handled'; every action got its answer (a person waits for it before the next one, across restarts);
no effect is applied twice (a toggle applied twice would undo itself, a confirmation twice would leave
two requests); and each person ends in the state the last message they were shown describes.

Each life of the bot lets the people send a limited number of updates, so the 40 intakes need more
than 30 lives, whatever the machine's speed; each life is killed after a random uptime, the first
moments of which include the replay of what the previous life left in the inbox.

While the bot is killed every second or so, an answer may take many lives: each life replays what the last
one left (about 40 updates) and has time for only part of it, and the replays that read the database most
(showing someone their suggestions) reached the send budget last in every life: one person waited 20 lives,
95 s, on a loaded machine. That is no lost answer, and no bot answers anyone while it keeps being killed; so
the kills stop after MAX_KILLS lives, and then every answer must come within REPLY_TIMEOUT.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from typing import Any

import pytest

from tests.e2e.conftest import BotProcess
from tests.e2e.test_intake import check
from tests.fakebotapi import FakeBotApi

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

PEOPLE = 40
MIN_KILLS = 30
MAX_KILLS = 50
UPDATES_PER_LIFE = 20
REPLY_TIMEOUT = 90.0  # once the kills have stopped
WALK_TIMEOUT = 360.0  # for an answer while lives are still being killed: the test's own limit ends it first
SAVED = ("Din anmodning er gemt", "Her er mine forslag til dig")  # a lost confirmation is shown as the suggestions

# (kind, what, expected answer): the same walk as tests/e2e/test_intake.py, ending in a confirmed request.
WALK: list[tuple[str, str, tuple[str, ...]]] = [
    ("say", "/start", ("Giver du samtykke",)),
    ("tap", "c:yes", ("Hvem søger du støtte til?",)),
    ("tap", "i:whom:pick:relative", ("Hvad handler det om for den, du er pårørende til?",)),
    ("tap", "i:grp:tog:mental_health", ("✅ Psykiske vanskeligheder",)),
    ("tap", "i:grp:tog:substance_use", ("✅ Misbrug",)),
    ("tap", "i:grp:done", ("Hvor gammel er du?",)),
    ("tap", "i:age:pick:40_64", ("Hvor bor du?",)),
    ("say", "aarhus", ("Hvilken slags støtte",)),
    ("tap", "i:form:tog:group_community", ("✅ Gruppe eller fællesskab",)),
    ("tap", "i:form:done", ("Hvilke sprog",)),
    ("tap", "i:lang:tog:en", ("✅ Engelsk",)),
    ("tap", "i:lang:done", ("Har du et ønske om",)),
    ("tap", "i:gen:pick:woman", ("Hvordan vil du helst",)),
    ("tap", "i:cont:tog:in_person", ("✅ Møde ansigt til ansigt",)),
    ("tap", "i:cont:done", ("Til sidst",)),
    ("say", "At møde andre pårørende", ("Her er det, du har fortalt mig",)),
    ("tap", "i:sum:confirm", SAVED),
]


class Allowance:
    """How many more updates the people may send in this life of the bot."""

    def __init__(self) -> None:
        self._left = 0
        self._cond = threading.Condition()

    def grant(self, count: int) -> None:
        with self._cond:
            self._left = count
            self._cond.notify_all()

    def take(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._left > 0)
            self._left -= 1


class Walker(threading.Thread):
    def __init__(self, api: FakeBotApi, user_id: int, allowance: Allowance, seed: int) -> None:
        super().__init__(daemon=True)
        self.api, self.user_id, self.allowance = api, user_id, allowance
        self.rng = random.Random(seed)
        self.sent: list[int] = []
        self.error: BaseException | None = None
        self.done = False
        self.step = 0

    def run(self) -> None:
        try:
            for self.step, (kind, what, expected) in enumerate(WALK):
                time.sleep(self.rng.uniform(0.0, 0.2))
                self.allowance.take()
                mark = self.api.mark()
                if kind == "say":
                    update = self.api.send_text(self.user_id, what, first_name="Sofie", language_code="da")
                else:
                    update = self.api.press_button(self.user_id, self._message_with(what), what)
                self.sent.append(update["update_id"])
                self.api.wait_for(lambda call, e=expected: self._shows(call, e), timeout=WALK_TIMEOUT, after=mark)
            self.done = True
        except BaseException as error:
            self.error = error

    def _message_with(self, data: str) -> int:
        messages = self.api.messages(self.user_id)
        return next(m for m in reversed(messages) if data in json.dumps(m.get("reply_markup") or {}))["message_id"]

    def _shows(self, call: dict[str, Any], expected: tuple[str, ...]) -> bool:
        params = call["params"]
        visible = params.get("text", "") + json.dumps(params.get("reply_markup") or {}, ensure_ascii=False)
        return call["ok"] and call["chat_id"] == self.user_id and any(text in visible for text in expected)


def test_kill_9_at_random_moments_during_40_intakes(api: FakeBotApi, bot: BotProcess) -> None:
    rng = random.Random(20261201)
    allowance = Allowance()
    walkers = [Walker(api, 8000 + n, allowance, seed=n) for n in range(PEOPLE)]
    for walker in walkers:
        walker.start()
    kills = 0
    started = time.monotonic()
    while kills < MAX_KILLS and not all(w.done or w.error for w in walkers):
        bot.start()
        allowance.grant(UPDATES_PER_LIFE)
        time.sleep(rng.uniform(0.05, 1.2))
        allowance.grant(0)
        bot.kill()
        kills += 1
        assert time.monotonic() - started < 300, f"still walking after {kills} kills"
    bot.start()
    allowance.grant(len(WALK) * PEOPLE)  # the last life is not killed: who is still walking walks on
    for walker in walkers:
        walker.join(timeout=REPLY_TIMEOUT)
        assert walker.done or walker.error, f"person {walker.user_id} still waits at step {walker.step}"
        shown = [api._describe(call) for call in api.sent(walker.user_id)[-4:]]  # what this person saw last
        assert walker.error is None, f"person {walker.user_id} at step {walker.step}: {walker.error!r}; {shown}"
    time.sleep(1)  # replies to the last updates are out; their marks follow
    assert bot.stop() == 0
    assert kills >= MIN_KILLS

    with sqlite3.connect(bot.database) as db:
        db.row_factory = sqlite3.Row
        inbox = {row["update_id"]: row["state"] for row in db.execute("SELECT update_id, state FROM inbox")}
        for walker in walkers:
            requests = db.execute("SELECT * FROM support_requests WHERE user_id = ?", (walker.user_id,)).fetchall()
            assert len(requests) == 1, f"person {walker.user_id} has {len(requests)} requests: confirmed twice?"
            check(requests[0], groups=("mental_health", "substance_use"))  # each toggle applied once
            draft = db.execute("SELECT 1 FROM intake_drafts WHERE user_id = ?", (walker.user_id,)).fetchone()
            assert draft is None
    sent = {update_id for walker in walkers for update_id in walker.sent}
    assert set(inbox) == sent, "every update the people sent is in the inbox, and nothing else"
    assert set(inbox.values()) == {"handled"}
    for walker in walkers:
        last = api.messages(walker.user_id)[-1]["text"] or ""
        assert any(text in last for text in SAVED), f"person {walker.user_id} was last shown: {last[:60]!r}"
    output = bot.output()
    assert "Traceback" not in output and "handler_failed" not in output
