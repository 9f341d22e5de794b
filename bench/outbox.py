"""The outbox's throughput, limits, 429 pause and fairness, against the fake Bot API over real HTTP.

Run from the project root: .venv/bin/python bench/outbox.py [--chats 10000] [--latency 0.05]

Makker's real Application (build_application: MakkerBot, its rate limiter, the real SQLite file, the real JobQueue
ticking the outbox every OUTBOX_INTERVAL_SECONDS) sends to tests/fakebotapi.py on 127.0.0.1, which answers each
successful call after `--latency` seconds and counts violations of the limits on arrival: more than `--limit`
calls within one second (TELEGRAM_GLOBAL_LIMIT, Telegram's 30 by default), or two sends to one private chat less
than a second apart. Three runs:

1. rate: N messages queued for N chats (a broadcast); the achieved rate of sends against the configured pace
   (`--rate`, OUTBOX_RATE_PER_SECOND), violations of the global and per-chat limits as the fake server counts
   them, and, from the recorded arrivals, the most calls in any second and how many arrived above the pace;
2. 429: a broadcast with a 429 (retry_after=3) injected in the middle: how long nothing arrived after it;
3. fairness: 100 messages queued for one chat before one message each for 100 other chats: when the last of
   those others got its first message, counted from the first send.

Targets (issue #9): rate >= 95% of the configured pace, 0 violations, a pause >= 3 s, fairness <= 5 s.
Always exits 0: it reports, it does not gate a build.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fakebotapi is not installed with Makker

from bot.app import build_application, freeze_start_up_objects
from bot.config import Settings
from bot.rate_limiter import MakkerRateLimiter
from bot.services import SERVICES_KEY, Services
from bot.store.outbox import Draft, Priority
from tests.fakebotapi import FakeBotApi

TEXT_KEY = "flood.notice"
OTHER_CHATS = 100
ONE_CHAT_BACKLOG = 100


class SchedulerWarnings(logging.Handler):
    """Counts APScheduler's 'skipped: maximum number of running instances' warnings (an overrunning tick)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class RemoteApi:
    """The fake Bot API in a process of its own, so that it never waits for the bot's interpreter lock: arrival
    times are then the bot's send times plus the loopback, as with Telegram's servers."""

    def __init__(self, latency: float, global_limit: int, users: list[int], inject_429_at: int | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, latency, global_limit, users, inject_429_at), daemon=True
        )
        self._process.start()
        self.base_url: str = self._conn.recv()

    def _ask(self, command: str) -> Any:
        self._conn.send(command)
        return self._conn.recv()

    def mark(self) -> int:
        return int(self._ask("mark"))

    def limits(self) -> dict[str, int]:
        return dict(self._ask("limits"))

    def sent(self, method: str) -> list[dict[str, Any]]:
        return [call for call in self._ask("sent") if call["method"] == method]

    def close(self) -> None:
        self._ask("stop")
        self._process.join(timeout=10)


def _serve(conn: Any, latency: float, global_limit: int, users: list[int], inject_429_at: int | None) -> None:
    """The child process: serve, answer the parent's questions, inject one 429 at the given send."""
    # The fake keeps every call it saw; a full collection over them would stop its threads for tens of ms and
    # record arrivals late, in bunches, which Telegram's servers do not do. The fake makes no cycles worth it.
    gc.disable()
    holder: dict[str, FakeBotApi] = {}
    injected: list[bool] = []

    def on_call(call: dict[str, Any]) -> None:
        if inject_429_at is None or injected or call["method"] != "sendMessage" or not call["ok"]:
            return
        if call["index"] >= inject_429_at:
            injected.append(True)
            holder["api"].inject("sendMessage", 429, retry_after=3)

    with FakeBotApi(latency=latency, global_limit=global_limit, on_call=on_call) as api:
        holder["api"] = api
        api.add_users(users)
        conn.send(api.base_url)
        while True:
            command = conn.recv()
            if command == "mark":
                conn.send(api.mark())
            elif command == "limits":
                conn.send(api.limits())
            elif command == "sent":
                conn.send(api.sent())
            else:
                conn.send(None)
                return


@dataclass
class Run:
    sends: list[dict[str, Any]]
    limits: dict[str, int]
    seconds: float
    window_full: int


async def run_outbox(args: argparse.Namespace, drafts: list[Draft], api: RemoteApi, *, done_when: int) -> Run:
    """Start Makker on a fresh database, queue `drafts`, and wait until `done_when` calls arrived."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            bot_token="123:ABC",
            bot_api_url=api.base_url,
            database_path=Path(folder) / "bench.sqlite3",
            outbox_rate_per_second=args.rate,
            telegram_global_limit=args.limit,
            outbox_interval_seconds=args.interval,
            _env_file=None,
        )  # type: ignore[call-arg]
        application = build_application(settings)
        await application.initialize()
        assert application.post_init is not None
        await application.post_init(application)
        freeze_start_up_objects()  # as python -m bot does after start-up
        services: Services = application.bot_data[SERVICES_KEY]
        limiter = application.bot.rate_limiter
        assert isinstance(limiter, MakkerRateLimiter)
        await services.store.outbox.add_many(drafts)
        mark = api.mark()
        started = time.monotonic()
        await application.start()  # the JobQueue ticks the outbox from now on
        try:
            while api.mark() - mark < done_when and time.monotonic() - started < args.timeout:  # noqa: ASYNC110
                await asyncio.sleep(0.2)  # polls the fake server's count, which lives in other threads
        finally:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
        return Run(_sends(api, mark), api.limits(), time.monotonic() - started, limiter.window_full)


def _sends(api: RemoteApi, after: int) -> list[dict[str, Any]]:
    return [call for call in api.sent(method="sendMessage") if call["index"] >= after]


def broadcast(chats: range, group: str) -> list[Draft]:
    return [Draft(chat, text_key=TEXT_KEY, priority=Priority.BROADCAST, group_id=group) for chat in chats]


async def measure_rate(args: argparse.Namespace) -> dict[str, float]:
    api = RemoteApi(args.latency, args.limit, list(range(1, args.chats + 1)))
    try:
        run = await run_outbox(args, broadcast(range(1, args.chats + 1), "rate"), api, done_when=args.chats)
    finally:
        api.close()
    ok = [call for call in run.sends if call["ok"]]
    span = ok[-1]["time"] - ok[0]["time"] if len(ok) > 1 else float("nan")
    rate = (len(ok) - 1) / span if span else float("nan")
    return {
        "sent": len(ok),
        "rate": rate,
        "share": rate / args.rate,
        "global": run.limits["global"],
        "per_chat": run.limits["per_chat"],
        "seconds": span,
        "busiest": busiest_second(run.sends),
        "above_pace": arrivals_above(run.sends, args.rate),
        "load": os.getloadavg()[0],
        "window_full": run.window_full,
    }


def _windows(sends: list[dict[str, Any]]) -> list[int]:
    """For each arrival, how many calls arrived within the second up to it, counted as the fake server counts:
    the window is (t - 1 s, t]."""
    times = sorted(call["time"] for call in sends)
    counts = []
    first = 0
    for index, at in enumerate(times):
        while times[first] <= at - 1.0:
            first += 1
        counts.append(index - first + 1)
    return counts


def busiest_second(sends: list[dict[str, Any]]) -> int:
    return max(_windows(sends), default=0)


def arrivals_above(sends: list[dict[str, Any]], pace: int) -> int:
    """Arrivals that made more than `pace` calls within a second: what the old benchmark counted as violations
    when the fake server's limit was the pace itself."""
    return sum(1 for count in _windows(sends) if count > pace)


async def measure_pause(args: argparse.Namespace) -> dict[str, float]:
    chats = max(args.rate * 8, 200)
    api = RemoteApi(args.latency, args.limit, list(range(1, chats + 1)), inject_429_at=chats // 2)
    try:
        run = await run_outbox(args, broadcast(range(1, chats + 1), "pause"), api, done_when=chats + 1)
    finally:
        api.close()
    refused = next(call for call in run.sends if call["status"] == 429)
    after = [call for call in run.sends if call["index"] > refused["index"]]
    # Calls that arrive within 50 ms of the 429 were on the way before the bot could read its answer.
    on_the_way = [call for call in after if call["time"] - refused["time"] < 0.05]
    later = [call for call in after if call["time"] - refused["time"] >= 0.05]
    gap = later[0]["time"] - refused["time"] if later else float("nan")
    delivered = len({call["chat_id"] for call in run.sends if call["ok"]})
    return {"gap": gap, "on_the_way": len(on_the_way), "delivered": delivered, "chats": chats}


async def measure_fairness(args: argparse.Namespace) -> dict[str, float]:
    busy = 1
    others = range(2, OTHER_CHATS + 2)
    drafts = [Draft(busy, text_key=TEXT_KEY) for _ in range(ONE_CHAT_BACKLOG)]
    drafts += [Draft(chat, text_key=TEXT_KEY) for chat in others]
    api = RemoteApi(args.latency, args.limit, [busy, *others])
    try:
        run = await run_outbox(args, drafts, api, done_when=OTHER_CHATS + 1)
    finally:
        api.close()
    first_send = run.sends[0]["time"]
    firsts = {call["chat_id"]: call["time"] for call in reversed(run.sends) if call["chat_id"] != busy}
    return {
        "slowest": max(firsts.values()) - first_send,
        "reached": len(firsts),
        "busy_chat_sends": sum(1 for call in run.sends if call["chat_id"] == busy),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=10_000, help="messages (and chats) in the rate run")
    parser.add_argument("--rate", type=int, default=25, help="OUTBOX_RATE_PER_SECOND")
    parser.add_argument(
        "--limit", type=int, default=30, help="TELEGRAM_GLOBAL_LIMIT, and the limit the fake server counts against"
    )
    parser.add_argument("--interval", type=float, default=1.0, help="OUTBOX_INTERVAL_SECONDS")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake Bot API takes per call")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up a run after this many seconds")
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> None:
    warnings = SchedulerWarnings()
    logging.getLogger("apscheduler").addHandler(warnings)
    logging.basicConfig(level=logging.ERROR)
    print(
        f"bench/outbox.py {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: Python {platform.python_version()},"
        f" {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f};"
        f" pace {args.rate}/s, limit {args.limit} calls a second, latency {args.latency * 1000:.0f} ms"
    )
    rate = await measure_rate(args)
    print(
        f"rate:     {rate['sent']:.0f} messages to as many chats in {rate['seconds']:.1f} s: {rate['rate']:.2f}/s,"
        f" {rate['share']:.1%} of the configured {args.rate}/s; violations global {rate['global']:.0f},"
        f" per chat {rate['per_chat']:.0f} (limit {args.limit}); most calls in one second {rate['busiest']:.0f},"
        f" {rate['above_pace']:.0f} arrivals above the pace of {args.rate}; the window was found full"
        f" {rate['window_full']:.0f} times; load {rate['load']:.1f}"
    )
    pause = await measure_pause(args)
    print(
        f"429:      nothing arrived for {pause['gap']:.2f} s after a 429 with retry_after=3"
        f" ({pause['on_the_way']:.0f} call(s) already on the way); {pause['delivered']:.0f} of {pause['chats']:.0f}"
        " chats reached"
    )
    fair = await measure_fairness(args)
    print(
        f"fairness: {fair['reached']:.0f} other chats reached, the last {fair['slowest']:.2f} s after the first send,"
        f" while the chat with {ONE_CHAT_BACKLOG} queued got {fair['busy_chat_sends']:.0f}"
    )
    print(f"APScheduler warnings (an overrunning tick): {warnings.count}; load {os.getloadavg()[0]:.1f}")
    violations = rate["global"] + rate["per_chat"]
    print(
        f"outbox: {rate['share'] * 100:.0f}% of the configured rate, {violations:.0f} limit violations,"
        f" slowest first message to another chat {fair['slowest']:.1f} s"
    )


def main(argv: list[str] | None = None) -> int:
    asyncio.run(main_async(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
