"""The rate limiter every call to Telegram passes: per-chat spacing for the outbox only, a 429 pauses all
calls and the call that met it is tried again, groups get 20 a minute."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.rate_limiter import GROUP_LIMIT, OUTBOX_SEND, MakkerRateLimiter
from bot.shutdown import StoppingTimedOut
from bot.telegram_bot import MakkerBot
from tests.offline import OfflineBotApi


class TimedApi(OfflineBotApi):
    """Also notes when each call arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[tuple[str, Any, float]] = []

    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any, **kwargs: Any) -> Any:
        chat = dict(request_data.parameters).get("chat_id") if request_data else None
        self.arrivals.append((url.rsplit("/", 1)[-1], chat, time.monotonic()))
        return await super().do_request(url, method, request_data, *args, **kwargs)


@pytest.fixture
async def bot() -> AsyncIterator[tuple[MakkerBot, TimedApi, MakkerRateLimiter]]:
    api = TimedApi()
    limiter = MakkerRateLimiter(1000)
    makker_bot = MakkerBot("123:ABC", request=api, get_updates_request=api, rate_limiter=limiter)
    await makker_bot.initialize()
    api.arrivals.clear()
    yield makker_bot, api, limiter
    await makker_bot.shutdown()


async def test_outbox_sends_to_one_chat_are_a_second_apart_replies_are_not(
    bot: tuple[MakkerBot, TimedApi, MakkerRateLimiter],
) -> None:
    makker_bot, api, _ = bot
    for _ in range(2):
        await makker_bot.do_api_request("sendMessage", {"chat_id": 1, "text": "x"}, rate_limit_args=OUTBOX_SEND)
    await makker_bot.send_text(2, "a")
    await makker_bot.send_text(2, "b")
    (_, _, first), (_, _, second), (_, _, reply_a), (_, _, reply_b) = api.arrivals
    assert second - first >= 1.0
    assert reply_b - reply_a < 0.5, "a reply inside a conversation is not spaced"


async def test_a_429_pauses_every_call_and_the_reply_is_tried_again(
    bot: tuple[MakkerBot, TimedApi, MakkerRateLimiter],
) -> None:
    makker_bot, api, limiter = bot
    api.fail_next["editMessageText"] = (429, "Too Many Requests: retry after 1", {"parameters": {"retry_after": 1}})
    edit = asyncio.create_task(makker_bot.edit_text(1, 5, "next question"))
    await asyncio.sleep(0.1)  # the edit met its 429 (the offline API answers at once)
    assert len(api.arrivals) == 1
    await makker_bot.send_text(2, "someone else")  # waits out the pause too
    await edit
    refused_at = api.arrivals[0][2]
    later = api.arrivals[1:]
    assert {method for method, _, _ in later} == {"editMessageText", "sendMessage"}
    assert all(at - refused_at >= 0.95 for _, _, at in later)
    assert limiter.pauses == 1


async def test_an_outbox_send_gives_up_after_the_retries_and_a_reply_does_not() -> None:
    limiter = MakkerRateLimiter(1000, max_retries=1)
    calls = 0

    async def always_429(*args: Any, **kwargs: Any) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        raise RetryAfter(0)

    with pytest.raises(RetryAfter):
        await limiter.process_request(always_429, (), {}, "sendMessage", {"chat_id": 1}, OUTBOX_SEND)
    assert calls == 2, "the outbox keeps the row and retries it itself"

    async def four_429s_then_ok(*args: Any, **kwargs: Any) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls <= 4:
            raise RetryAfter(0)
        return {"ok": True}

    calls = 0
    assert await limiter.process_request(four_429s_then_ok, (), {}, "editMessageText", {"chat_id": 1}, None)
    assert calls == 5, "a reply in a conversation is tried until it goes out"


async def test_a_reply_is_tried_again_after_a_5xx_but_not_after_a_bad_request() -> None:
    limiter = MakkerRateLimiter(1000, max_retries=2)
    calls = 0

    async def one_502_then_ok(*args: Any, **kwargs: Any) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise NetworkError("Bad Gateway")
        return {"ok": True}

    assert await limiter.process_request(one_502_then_ok, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert calls == 2

    async def refused(*args: Any, **kwargs: Any) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        raise BadRequest("Message is too long")

    calls = 0
    with pytest.raises(BadRequest):
        await limiter.process_request(refused, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert calls == 1


def test_groups_get_twenty_calls_a_minute() -> None:
    limiter = MakkerRateLimiter(1000)
    now = time.monotonic()
    for _ in range(GROUP_LIMIT):
        assert limiter._group_wait(-100, now) <= 0
        limiter._take(-100, False, now)
    assert limiter._group_wait(-100, now) > 59
    assert limiter._group_wait(-200, now) <= 0, "another group is not affected"
    assert limiter._group_wait(7, now) <= 0, "nor a private chat"


async def test_at_stop_a_call_that_cannot_start_in_time_is_given_up_without_waiting_its_turn() -> None:
    api = TimedApi()
    limiter = MakkerRateLimiter(2)  # one call every half second
    makker_bot = MakkerBot("123:ABC", request=api, get_updates_request=api, rate_limiter=limiter)
    await makker_bot.initialize()
    try:
        started = time.monotonic()
        await makker_bot.send_message(1, "først")
        limiter.stop_by(time.monotonic() + 0.1)  # the next start is 0.5 s away, past the deadline
        with pytest.raises(StoppingTimedOut):
            await makker_bot.send_message(2, "for sent")
        assert time.monotonic() - started < 0.4, "given up at once, not after its turn came"
        assert [chat for _, chat, _ in api.arrivals if chat is not None] == [1]
    finally:
        await makker_bot.shutdown()
