"""The rate limiter every call to Telegram passes: per-chat spacing for the outbox only, a 429 pauses all
calls and the call that met it is tried again, groups get 20 a minute, and no more calls than the limit can
arrive within one second however late each one is on the way (proved on a virtual clock, with calls held up
on the way as the event loop, the kernel or the network may hold them)."""

from __future__ import annotations

import asyncio
import heapq
import random
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.rate_limiter import GROUP_LIMIT, OUTBOX_SEND, PER_CHAT_SECONDS, MakkerRateLimiter
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


class VirtualTime:
    """A clock that only moves when every task waits for it: timing tests that are exact on a loaded machine."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + max(seconds, 0.0), self._order, future))
        self._order += 1
        await future

    async def run(self, coroutines: list[Coroutine[Any, Any, Any]]) -> list[Any]:
        """Run the coroutines, moving the clock to the next timer whenever all of them wait."""
        tasks = [asyncio.create_task(coroutine) for coroutine in coroutines]
        while True:
            for _ in range(12):  # let every task that can run reach its next wait
                await asyncio.sleep(0)
            if all(task.done() for task in tasks):
                return await asyncio.gather(*tasks)
            assert self._timers, "every task waits, and no timer will wake any of them"
            self.now = max(self.now, self._timers[0][0])
            while self._timers and self._timers[0][0] <= self.now:
                _, _, future = heapq.heappop(self._timers)
                if not future.done():
                    future.set_result(None)


class Server:
    """Telegram as the limits see it: a call arrives `on_the_way` seconds after the limiter let it go and is
    answered `latency` seconds later; arrivals are counted as tests/fakebotapi.py counts them."""

    def __init__(self, time_: VirtualTime, latency: float = 0.05) -> None:
        self.time = time_
        self.latency = latency
        self.arrivals: list[tuple[float, Any]] = []
        self.let_go: list[float] = []

    def call(self, chat_id: Any, on_the_way: float = 0.0, answer_after: float | None = None) -> Callable[..., Any]:
        async def callback(*args: Any, **kwargs: Any) -> dict[str, Any]:
            self.let_go.append(self.time.now)
            await self.time.sleep(on_the_way)
            self.arrivals.append((self.time.now, chat_id))
            await self.time.sleep(self.latency if answer_after is None else answer_after)
            return {"ok": True}

        return callback

    def most_in_one_second(self) -> int:
        """The most arrivals within any window (t - 1 s, t], as the fake server counts a global violation."""
        times = sorted(at for at, _ in self.arrivals)
        return max((sum(1 for other in times if at - 1.0 < other <= at) for at in times), default=0)

    def shortest_gap_to_one_chat(self) -> float:
        last: dict[Any, float] = {}
        shortest = float("inf")
        for at, chat in sorted(self.arrivals, key=lambda arrival: arrival[0]):
            if chat in last:
                shortest = min(shortest, at - last[chat])
            last[chat] = at
        return shortest


def held_up(seed: int, calls: int) -> list[float]:
    """How long each call is held up on the way: most not at all, one in eight by up to 0.8 s (the loop, the
    kernel or the network), one in fifty by up to 3 s (a stalled connection)."""
    rng = random.Random(seed)
    delays = []
    for _ in range(calls):
        roll = rng.random()
        delays.append(rng.uniform(0.5, 3.0) if roll < 0.02 else rng.uniform(0.0, 0.8) if roll < 0.125 else 0.0)
    return delays


async def broadcast(limiter: MakkerRateLimiter, time_: VirtualTime, delays: list[float]) -> Server:
    """One outbox send to each of len(delays) chats, at most 50 at a time, as the outbox has them (two seconds
    of the budget)."""
    server = Server(time_)
    queue = list(enumerate(delays, start=1))

    async def worker() -> None:
        while queue:
            chat, delay = queue.pop(0)
            await limiter.process_request(
                server.call(chat, delay), (), {}, "sendMessage", {"chat_id": chat}, OUTBOX_SEND
            )

    await time_.run([worker() for _ in range(50)])
    return server


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_calls_held_up_on_the_way_never_arrive_more_than_the_limit_in_one_second(seed: int) -> None:
    delays = held_up(seed, 600)
    # The pace alone (the old limiter) lets calls go evenly, and these delays bunch their arrivals:
    paced_only = VirtualTime()
    unlimited = MakkerRateLimiter(25, global_limit=10**6, clock=paced_only.clock, sleep=paced_only.sleep)
    assert (await broadcast(unlimited, paced_only, delays)).most_in_one_second() > 25, "the delays must bite"

    time_ = VirtualTime()
    limiter = MakkerRateLimiter(25, global_limit=25, clock=time_.clock, sleep=time_.sleep)
    server = await broadcast(limiter, time_, delays)
    assert len(server.arrivals) == 600
    assert server.most_in_one_second() <= 25
    # What it costs: each call holds its place for a second after its answer. Between the stalls the rate is
    # close to 25 / (1.01 s + 0.05 s of answer) = 23.6 a second; the stalls hold places longer.
    assert len(server.let_go) / time_.now > 20


async def test_with_the_default_limit_the_pace_sets_the_rate_and_the_limit_holds_under_delays() -> None:
    time_ = VirtualTime()
    limiter = MakkerRateLimiter(25, clock=time_.clock, sleep=time_.sleep)  # Telegram's 30 a second
    assert limiter.global_limit == 30
    server = await broadcast(limiter, time_, held_up(4, 600))
    assert server.most_in_one_second() <= 30
    starts = server.let_go
    assert (len(starts) - 1) / (starts[-1] - starts[0]) >= 0.96 * 25, "the window rarely holds the pace back"


async def test_a_call_holds_its_place_until_a_second_after_its_answer() -> None:
    time_ = VirtualTime()
    limiter = MakkerRateLimiter(2, global_limit=2, clock=time_.clock, sleep=time_.sleep)  # 0.515 s apart
    server = Server(time_)
    answers = [0.5, 0.1, 0.0]  # the first call is answered after half a second, the second after 0.1 s
    await time_.run(
        [
            limiter.process_request(server.call(None, 0.0, after), (), {}, "editMessageText", {}, None)
            for after in answers
        ]
    )
    first, second, third = server.let_go
    assert first == 0.0 and 0.4 < second < 0.6, "the pace"
    assert third == pytest.approx(0.5 + 1.01), "not at about 1 s as the pace allows: the first holds its place"


async def test_answering_a_button_is_neither_paced_nor_held() -> None:
    time_ = VirtualTime()
    limiter = MakkerRateLimiter(2, global_limit=2, clock=time_.clock, sleep=time_.sleep)
    server = Server(time_)
    await time_.run(
        [limiter.process_request(server.call(None), (), {}, "answerCallbackQuery", {}, None) for _ in range(100)]
    )
    assert max(server.let_go) == 0.0, "a restart that answers a hundred stale buttons does not wait for them"


async def test_an_outbox_send_to_a_chat_waits_a_second_after_the_last_send_there_was_answered() -> None:
    time_ = VirtualTime()
    limiter = MakkerRateLimiter(1000, clock=time_.clock, sleep=time_.sleep)
    server = Server(time_)

    async def two_outbox_sends_and_a_reply() -> None:
        # The first send is held up 0.6 s on the way; the second must not arrive within a second of it.
        first = server.call(1, on_the_way=0.6)
        second = asyncio.create_task(
            limiter.process_request(server.call(1), (), {}, "sendMessage", {"chat_id": 1}, OUTBOX_SEND)
        )
        await limiter.process_request(first, (), {}, "sendMessage", {"chat_id": 1}, OUTBOX_SEND)
        await second

    await time_.run([two_outbox_sends_and_a_reply()])
    (first_at, _), (second_at, _) = server.arrivals
    assert second_at - first_at >= 1.0
    assert first_at == pytest.approx(0.6)
    assert server.let_go[1] == pytest.approx(0.65 + PER_CHAT_SECONDS), "a second after the first was answered"
    assert server.shortest_gap_to_one_chat() >= 1.0


async def test_a_reply_is_not_slowed_per_chat_but_the_next_outbox_send_waits_for_it() -> None:
    time_ = VirtualTime()
    limiter = MakkerRateLimiter(1000, clock=time_.clock, sleep=time_.sleep)
    server = Server(time_)

    async def replies_then_an_outbox_send() -> None:
        for _ in range(3):
            await limiter.process_request(server.call(1), (), {}, "sendMessage", {"chat_id": 1}, None)
        await limiter.process_request(server.call(1), (), {}, "sendMessage", {"chat_id": 1}, OUTBOX_SEND)

    await time_.run([replies_then_an_outbox_send()])
    replies, outbox = server.arrivals[:3], server.arrivals[3]
    assert replies[-1][0] - replies[0][0] < 0.2, "replies inside a conversation go at once"
    assert outbox[0] - replies[-1][0] >= 1.0


async def test_groups_get_twenty_calls_a_minute_counted_from_their_answers() -> None:
    time_ = VirtualTime()
    limiter = MakkerRateLimiter(1000, clock=time_.clock, sleep=time_.sleep)
    server = Server(time_)
    calls = [
        limiter.process_request(server.call(-100), (), {}, "sendMessage", {"chat_id": -100}, OUTBOX_SEND)
        for _ in range(GROUP_LIMIT + 2)
    ] + [limiter.process_request(server.call(-200), (), {}, "sendMessage", {"chat_id": -200}, OUTBOX_SEND)]
    await time_.run(calls)
    group = sorted(at for at, chat in server.arrivals if chat == -100)
    assert group[GROUP_LIMIT - 1] < 1.0
    assert group[GROUP_LIMIT] - group[0] >= 60.0, "the 21st waits a minute after the first was answered"
    other = [at for at, chat in server.arrivals if chat == -200]
    assert other[0] < 1.0, "another group is not affected"
