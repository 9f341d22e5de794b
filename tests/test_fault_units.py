"""Units behind issue #10's fixes: echo safety, the bounded request, the backup, the honest match heading."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import time
from pathlib import Path

import pytest

from bot.backup import copy_database
from bot.shutdown import BoundedRequest, StoppingTimedOut
from bot.text_safety import has_visible_character, without_bidi_controls
from handlers.match import _head_key


def test_bidi_controls_are_removed_and_letters_kept() -> None:
    assert without_bidi_controls("Maja\u202enesneH") == "MajanesneH"
    assert without_bidi_controls("\u2067مرحبا\u2069 Sofie\u200f") == "مرحبا Sofie"


@pytest.mark.parametrize(
    ("text", "visible"),
    [("\u200b\u200d\u2060\ufeff", False), (" \t\n", False), ("\u202e", False), ("ok", True), ("😊", True)],
)
def test_a_visible_character_is_needed(text: str, visible: bool) -> None:
    assert has_visible_character(text) is visible


async def test_a_stop_ends_calls_under_way_and_to_come() -> None:
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/bot1:x/getMe"
    request = BoundedRequest(connection_pool_size=2)
    await request.initialize()
    try:
        loop = asyncio.get_running_loop()
        loop.call_later(0.3, lambda: request.stop_by(loop.time() + 0.2))
        started = time.monotonic()
        with pytest.raises(StoppingTimedOut):
            await request.post(url)
        assert time.monotonic() - started < 2, "well before the 5 s read timeout"
        started = time.monotonic()
        with pytest.raises(StoppingTimedOut):
            await request.post(url)
        assert time.monotonic() - started < 0.5, "a call after the deadline fails at once"
    finally:
        await request.shutdown()
        silent.close()


async def test_a_stop_says_whether_a_given_up_message_may_have_arrived() -> None:
    """On its way when given up: Telegram may have shown it. Not started, or no message: it cannot have."""
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    base = f"http://127.0.0.1:{silent.getsockname()[1]}/bot1:x"
    request = BoundedRequest(connection_pool_size=4)
    await request.initialize()
    try:
        loop = asyncio.get_running_loop()
        loop.call_later(0.3, lambda: request.stop_by(loop.time() + 0.2))
        outcomes = await asyncio.gather(
            request.post(f"{base}/sendMessage"), request.post(f"{base}/answerCallbackQuery"), return_exceptions=True
        )
        assert [type(error) for error in outcomes] == [StoppingTimedOut, StoppingTimedOut]
        assert [error.may_have_arrived for error in outcomes] == [True, False]  # type: ignore[union-attr]
        with pytest.raises(StoppingTimedOut) as later:
            await request.post(f"{base}/sendMessage")
        assert later.value.may_have_arrived is False, "a call after the deadline is never made"
    finally:
        await request.shutdown()
        silent.close()


def test_a_backup_of_something_that_is_not_a_database_leaves_no_file(tmp_path: Path) -> None:
    source = tmp_path / "makker.sqlite3"
    source.write_bytes(b"not a database " * 100)
    target = tmp_path / "out" / "copy.sqlite3"
    with pytest.raises(sqlite3.DatabaseError):
        copy_database(source, target)
    assert list((tmp_path / "out").iterdir()) == []


def test_the_match_heading_names_only_what_is_so() -> None:
    assert _head_key(True, nothing_fits=False, waiting=True) == "match.intro"
    assert _head_key(True, nothing_fits=True, waiting=True) == "match.nothing_fits"
    assert _head_key(True, nothing_fits=True, waiting=False) == "match.honest.nothing_fits_minor"
    assert _head_key(False, nothing_fits=True, waiting=True) == "match.none_yet"
    assert _head_key(False, nothing_fits=True, waiting=False) == "match.honest.nothing_for_minor"
    assert _head_key(False, nothing_fits=False, waiting=False) == "match.honest.none_now"
