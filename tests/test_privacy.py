"""/mydata shows everything, /delete erases every row about the person and nobody else's."""

from __future__ import annotations

import json

from bot.intake import Step
from bot.store.privacy import PERSONAL_TABLES
from tests.conftest import BotHarness
from tests.test_intake_handlers import consent, walk_to

# Long enough that no timestamp, count or other id in the database can contain them by chance.
USER = 7_300_401_987
OTHER = 7_300_401_988


async def rows_referring_to(h: BotHarness, user_id: int) -> dict[str, int]:
    """Every table, every column: rows whose value is the id or whose text mentions it."""
    found: dict[str, int] = {}
    tables = await h.services.store.db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    for table in [row["name"] for row in tables]:
        columns = [row["name"] for row in await h.services.store.db.fetch_all(f"PRAGMA table_info({table})")]
        for column in columns:
            count = await h.services.store.db.fetch_one(
                f"SELECT COUNT(*) AS n FROM {table} WHERE {column} = ? OR CAST({column} AS TEXT) LIKE ?",
                (user_id, f"%{user_id}%"),
            )
            if count and count["n"]:
                found[f"{table}.{column}"] = count["n"]
    return found


async def test_every_table_with_a_person_is_covered_by_erasure(harness: BotHarness) -> None:
    tables = await harness.services.store.db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    for table in [row["name"] for row in tables]:
        columns = {row["name"] for row in await harness.services.store.db.fetch_all(f"PRAGMA table_info({table})")}
        if columns & {"user_id", "chat_id"}:
            assert table in PERSONAL_TABLES, f"{table} refers to people but /delete does not know it"


async def test_mydata_shows_everything_readably_and_as_json(harness: BotHarness) -> None:
    await walk_to(harness, Step.SUMMARY, user=USER)
    await harness.press(USER, "i:sum:confirm")
    await harness.say(USER, "/mydata")
    readable = "\n".join(harness.api.texts_to(USER)[-2:])
    assert "alt, hvad Makker har gemt om dig" in readable
    assert "Samtykke givet" in readable and "Køge" in readable and "Nogen at tale med om angst" in readable
    document = [c for c in harness.api.calls if c.method == "sendDocument"][-1]
    filename, content = document.files["document"][:2]
    assert filename == f"makker-{USER}.json"
    exported = json.loads(content)
    assert exported["support_requests"][0]["municipality_code"] == 259
    assert exported["consents"][0]["user_id"] == USER


async def test_mydata_with_nothing_stored(harness: BotHarness) -> None:
    assert "ikke gemt noget om dig" in await harness.say(USER, "/mydata")


async def test_delete_erases_every_row_about_the_person_and_only_them(harness: BotHarness) -> None:
    await walk_to(harness, Step.SUMMARY, user=USER)
    await harness.press(USER, "i:sum:confirm")
    await walk_to(harness, Step.SUMMARY, user=OTHER)
    await harness.say(USER, "/language")
    await harness.press(USER, "lang:da")
    await harness.services.store.outbox.enqueue(USER, "flood.notice")
    await harness.say(USER, "/start")
    await harness.press(USER, "r:new")  # a draft too
    assert await rows_referring_to(harness, USER)

    assert "slette alt" in await harness.say(USER, "/delete")
    await harness.press(USER, "p:del:yes")
    assert "Alt er slettet" in harness.api.calls[-1].params["text"]
    assert await rows_referring_to(harness, USER) == {}
    assert await harness.services.store.intake.draft(OTHER) is not None, "another person's data is untouched"


async def test_delete_can_be_declined(harness: BotHarness) -> None:
    await consent(harness, USER)
    await harness.say(USER, "/delete")
    await harness.press(USER, "p:del:no")
    assert await harness.services.store.intake.draft(USER) is not None


def test_long_exports_are_split_within_telegrams_limit() -> None:
    from handlers.privacy import MAX_MESSAGE, _chunks

    text = "\n".join(["kort linje"] * 900 + ["x" * 9000])
    chunks = _chunks(text)
    assert all(0 < len(chunk) <= MAX_MESSAGE for chunk in chunks)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")
