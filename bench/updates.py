"""Updates per second and update-to-reply latency of the intake, next to a bare echo bot, in one run.

Run from the project root: .venv/bin/python bench/updates.py [--quick] [--users N] [--updates N] ...

Simulated people walk the whole intake concurrently against the real Application from build_application (real
SQLite file, real per-person update processor, real handlers and jobs), fed through its inbox (bot/inbox.py) as
in production: stored in batches, then handed over. The Bot API is answered in process, without sockets. Each
person sends the next update only after the reply to the previous one, as people do in a chat. The same walk goes
to a bare echo bot on the same fake Bot API, so the two figures differ only by what the bots do per update.

The reply to an update is the first Bot API call that belongs to it: sendMessage to the chat, an edit of the message
whose button was pressed, or answerCallbackQuery for the press, whichever comes first.

Two measurements per bot: the highest throughput (no pacing) and the latency at an offered rate of 300 updates/s
(a global pacer; ten times what Telegram lets one bot send). Throughput is measured in rounds, each bot once a round,
the order alternating, and the ratio is the median of the rounds' ratios: on a shared VM the machine's speed drifts
by a third within a minute, and only bots measured side by side can be compared. Targets: intake throughput >= half
the echo bot's, intake p95 <= 10 ms at 300 updates/s. Makker runs as `python -m bot` does by default: no CPU
pinning, start-up objects frozen for the collector. Every call passes Makker's rate limiter, whose budget is
lifted here: this measures what the bot can process, not Telegram's limits (bench/outbox.py measures those).
Always exits 0: it reports, it does not gate a build.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import telegram
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters
from telegram.request import RequestData

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.offline is not installed with Makker

from bot.app import MAX_CONCURRENT_UPDATES, build_application, freeze_start_up_objects
from bot.config import Settings
from bot.inbox_updater import InboxUpdater
from bot.services import SERVICES_KEY
from tests.offline import OfflineBotApi, UpdateFactory

TOKEN = "123:ABC"
REPLY_TIMEOUT = 10.0  # seconds; a missing reply is a broken walk, not a slow one
TARGET_RATIO = 0.5
TARGET_P95_MS = 10.0
DISTURBED_CORES = 0.2  # other programs' CPU during a measurement above which the report warns

# One intake from /start to the saved request: the typical answers of WALK in tests/test_intake_handlers.py.
# The run checks that every completed walk left one open request, so a drifted script cannot pass unnoticed.
INTAKE_SCRIPT: list[tuple[str, str]] = [
    ("say", "/start"),
    ("press", "c:yes"),
    ("press", "i:whom:pick:self"),
    ("press", "i:grp:tog:mental_health"),
    ("press", "i:grp:done"),
    ("press", "i:age:pick:25_39"),
    ("say", "Koege"),
    ("press", "i:form:tog:one_to_one"),
    ("press", "i:form:done"),
    ("press", "i:lang:done"),
    ("press", "i:gen:pick:none"),
    ("press", "i:cont:tog:chat"),
    ("press", "i:cont:done"),
    ("say", "Nogen at tale med om angst"),
    ("press", "i:sum:confirm"),
]


# --- the fake Bot API, watching for replies -----------------------------------------------------


@dataclass
class Pending:
    """The one update a person is waiting on; the first outgoing call that belongs to it is its reply."""

    chat_id: int
    query_id: str | None  # for a button press: answerCallbackQuery names the query, not the chat
    message_id: int | None  # for a button press: the message the button was on, which edits name
    future: asyncio.Future[tuple[float, str]]


@dataclass
class ReplyWatchingApi(OfflineBotApi):
    """OfflineBotApi that resolves a person's pending update at the first call belonging to it.

    A call belongs to the pending update when it is sendMessage to that chat, an edit of the message the pressed
    button was on, or answerCallbackQuery for that very query. Calls an earlier update makes after its reply (the
    intake answers the query after editing) therefore never count as the reply to the next one. Calls are not kept,
    so memory stays flat over long runs.
    """

    pending: dict[int, Pending] = field(default_factory=dict)
    by_query: dict[str, Pending] = field(default_factory=dict)
    reply_methods: Counter[str] = field(default_factory=Counter)

    def expect(self, payload: dict[str, Any]) -> Pending:
        query = payload.get("callback_query")
        message = query["message"] if query else payload["message"]
        pending = Pending(
            chat_id=message["chat"]["id"],
            query_id=query["id"] if query else None,
            message_id=message["message_id"] if query else None,
            future=asyncio.get_running_loop().create_future(),
        )
        self.pending[pending.chat_id] = pending
        if pending.query_id is not None:
            self.by_query[pending.query_id] = pending
        return pending

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        at = time.perf_counter()  # the moment the bot hands the call to the network
        result = await super().do_request(url, method, request_data)
        call = self.calls.pop()
        self._match(call.method, call.params, at)
        return result

    def _match(self, api_method: str, params: dict[str, Any], at: float) -> None:
        pending: Pending | None = None
        if api_method == "answerCallbackQuery":
            pending = self.by_query.get(params.get("callback_query_id", ""))
        elif api_method in {"editMessageText", "editMessageReplyMarkup"}:
            candidate = self.pending.get(params.get("chat_id", 0))
            if candidate is not None and candidate.message_id == params.get("message_id"):
                pending = candidate
        elif api_method == "sendMessage":
            pending = self.pending.get(params.get("chat_id", 0))
        if pending is None or pending.future.done():
            return
        del self.pending[pending.chat_id]
        if pending.query_id is not None:
            del self.by_query[pending.query_id]
        self.reply_methods[api_method] += 1
        pending.future.set_result((at, api_method))


# --- the two bots -------------------------------------------------------------------------------


@dataclass
class BotUnderTest:
    """A started Application with its fake API, and how to stop it and check its work."""

    name: str
    application: Application
    api: ReplyWatchingApi
    script: list[tuple[str, str]]
    factory: UpdateFactory = field(default_factory=UpdateFactory)
    feeder: InboxFeeder | None = None

    def submit(self, payload: dict[str, Any]) -> None:
        """Makker: into the inbox, as its polling loop does. Echo: parsed onto the queue, as PTB's Updater does."""
        if self.feeder is not None:
            self.feeder.put(payload)
        else:
            self.application.update_queue.put_nowait(Update.de_json(payload, self.application.bot))

    async def stop(self) -> None:
        if self.feeder is not None:
            self.feeder.stop()
        await self.application.stop()
        await self.application.shutdown()
        if self.application.post_shutdown is not None:
            await self.application.post_shutdown(self.application)


class InboxFeeder:
    """What InboxUpdater's polling loop does with a batch, minus HTTP: crisis first aid on each update, then
    everything that arrived since the last batch (up to 100, getUpdates' limit) stored in one transaction and
    handed over. As in production, the next batch is taken only after the previous one is stored."""

    def __init__(self, updater: InboxUpdater) -> None:
        assert updater.inbox is not None and updater.first_aid is not None
        self._inbox, self._first_aid = updater.inbox, updater.first_aid
        self._waiting: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run())
        self.batches = 0

    @property
    def idle(self) -> bool:
        return not self._waiting and not self._arrived.is_set()

    def put(self, payload: dict[str, Any]) -> None:
        self._waiting.append(payload)
        self._arrived.set()

    def stop(self) -> None:
        self._task.cancel()

    async def _run(self) -> None:
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            batch, self._waiting = self._waiting[:100], self._waiting[100:]
            if self._waiting:
                self._arrived.set()
            for payload in batch:
                self._first_aid.check(payload)
            await self._inbox.accept(batch)
            self.batches += 1


async def start_makker(database_path: Path) -> BotUnderTest:
    """Makker as production runs it, minus the network: updates enter through the inbox."""
    settings = Settings(
        bot_token=TOKEN,
        database_path=database_path,  # type: ignore[arg-type]
        flood_max_updates=1_000_000,
        outbox_rate_per_second=1_000_000,  # the limiter's bookkeeping is measured, its budget is not
        _env_file=None,
    )
    api = ReplyWatchingApi()
    application = build_application(settings, request=api)
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    freeze_start_up_objects()  # as python -m bot does after start-up
    await application.start()
    assert isinstance(application.updater, InboxUpdater)
    return BotUnderTest("intake", application, api, INTAKE_SCRIPT, feeder=InboxFeeder(application.updater))


async def _echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None and update.effective_message is not None
    await context.bot.send_message(update.effective_chat.id, update.effective_message.text or "")


async def _echo_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer and edit, the two calls the intake makes for most presses."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(query.data or "")


async def start_echo() -> BotUnderTest:
    """The baseline: PTB with nothing of Makker, same concurrency limit, same Telegram work per update."""
    api = ReplyWatchingApi()
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(api)
        .get_updates_request(api)
        .concurrent_updates(MAX_CONCURRENT_UPDATES)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, _echo_text))
    application.add_handler(CallbackQueryHandler(_echo_button))
    await application.initialize()
    await application.start()
    return BotUnderTest("echo", application, api, INTAKE_SCRIPT)


# --- simulated people ---------------------------------------------------------------------------


class Pacer:
    """A token bucket one token deep on the event loop: releases at most `rate` updates a second, no bursts."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next_at = 0.0

    async def wait(self) -> None:
        now = time.perf_counter()
        at = max(now, self.next_at)
        self.next_at = at + self.interval
        if at > now:
            await asyncio.sleep(at - now)


class Machine:
    """CPU time of this process and of the whole machine, to show how much other programs ran meanwhile."""

    def __init__(self) -> None:
        self.process = time.process_time()
        self.busy = _machine_busy_seconds()

    def since(self, start: Machine) -> tuple[float, float | None]:
        """(CPU seconds of this process, CPU seconds of everything else or None where /proc/stat is missing)."""
        own = self.process - start.process
        if self.busy is None or start.busy is None:
            return own, None
        return own, max(0.0, self.busy - start.busy - own)


def _machine_busy_seconds() -> float | None:
    """Busy CPU seconds of the whole machine since boot (Linux), all cores together."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass
class Tally:
    """Counts replies; after `warmup` of them it measures the next `measured` (or `max_seconds`), then says stop."""

    warmup: int
    measured: int
    max_seconds: float  # 0: no time limit
    count: int = 0
    started_at: float = 0.0
    ended_at: float = 0.0
    machine_at_start: Machine = field(default_factory=Machine)
    machine_at_end: Machine | None = None
    latencies: list[float] = field(default_factory=list)
    walks_completed: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, sent_at: float, replied_at: float) -> None:
        if self.done.is_set():
            return  # replies to updates that were in flight when the measurement ended
        self.count += 1
        if self.count <= self.warmup:
            if self.count == self.warmup:
                self.started_at = replied_at
                self.machine_at_start = Machine()
            return
        self.latencies.append(replied_at - sent_at)
        out_of_time = self.max_seconds > 0 and replied_at - self.started_at >= self.max_seconds
        if len(self.latencies) >= self.measured or out_of_time:
            self.ended_at = replied_at
            self.machine_at_end = Machine()
            self.done.set()


async def simulated_person(
    bot: BotUnderTest,
    tally: Tally,
    factory: UpdateFactory,
    ids: itertools.count,
    pacer: Pacer | None,
    first_walk_steps: int,
) -> None:
    """Walks the script again and again, each time as a new person; one update at a time, like a chat.

    The first walk stops after `first_walk_steps` (a person who gives up), different for each simulated person.
    Otherwise all people would press the same button in the same second, and the costly last step (saving the
    request and matching it) would arrive as one burst per walk instead of spread out, as it is in real life.
    """
    api = bot.api
    message_ids = itertools.count(10_000_000)
    steps = first_walk_steps
    while not tally.done.is_set():
        user_id = next(ids)
        for step, (kind, value) in enumerate(bot.script[:steps]):
            if tally.done.is_set():
                return
            if pacer is not None:
                await pacer.wait()
            if kind == "say":
                payload = factory.text(user_id, value)
            else:
                payload = factory.button(user_id, value, message_id=next(message_ids))
            pending = api.expect(payload)
            sent_at = time.perf_counter()
            bot.submit(payload)
            try:
                replied_at, _method = await asyncio.wait_for(pending.future, REPLY_TIMEOUT)
            except TimeoutError:
                raise RuntimeError(f"{bot.name}: no reply within {REPLY_TIMEOUT} s to step {step} {value!r}") from None
            tally.record(sent_at, replied_at)
        if steps == len(bot.script):
            tally.walks_completed += 1
        steps = len(bot.script)


async def wait_until_idle(bot: BotUnderTest) -> None:
    """Let the last updates (and calls made after their replies) finish before the next measurement."""
    for _ in range(int(REPLY_TIMEOUT / 0.005)):
        feeding = bot.feeder is not None and not bot.feeder.idle
        queued = bot.application.update_queue.qsize() or bot.application.update_processor.current_concurrent_updates
        if not feeding and not queued:
            return
        await asyncio.sleep(0.005)
    raise RuntimeError(f"updates still in flight after {REPLY_TIMEOUT} s")


@dataclass
class Figures:
    """One measurement of one bot."""

    updates: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    cpu_seconds: float  # this process: the bot, the simulated people and the fake Bot API together
    other_cpu_seconds: float | None  # everything else on the machine meanwhile
    walks_completed: int
    latencies: list[float] = field(default_factory=list, repr=False)  # sorted, in seconds

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_ms_per_update(self) -> float:
        return self.cpu_seconds / self.updates * 1000 if self.updates else float("nan")

    @property
    def other_cores(self) -> float | None:
        """Cores' worth of CPU other programs used during the measurement; above DISTURBED_CORES the figures suffer."""
        if self.other_cpu_seconds is None or self.seconds <= 0:
            return None
        return self.other_cpu_seconds / self.seconds


def combined(rounds: list[Figures]) -> Figures:
    """Several measurements of one bot as one: their updates over their seconds, latencies pooled."""
    latencies = sorted(value for figures in rounds for value in figures.latencies)
    others = [figures.other_cpu_seconds for figures in rounds]
    return Figures(
        updates=len(latencies),
        seconds=sum(figures.seconds for figures in rounds),
        p50_ms=percentile(latencies, 0.50) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        max_ms=latencies[-1] * 1000 if latencies else float("nan"),
        cpu_seconds=sum(figures.cpu_seconds for figures in rounds),
        other_cpu_seconds=None if None in others else sum(other for other in others if other is not None),
        walks_completed=sum(figures.walks_completed for figures in rounds),
        latencies=latencies,
    )


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least `fraction` of all values at or below it."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def measure(
    bot: BotUnderTest,
    users: int,
    warmup: int,
    measured: int,
    rate: float | None,
    max_seconds: float,
    ids: itertools.count,
) -> Figures:
    """One measurement: `users` people walk until `warmup` + `measured` replies have come; the last are counted."""
    tally = Tally(warmup, measured, max_seconds, started_at=time.perf_counter())
    pacer = Pacer(rate) if rate else None
    people = [
        asyncio.create_task(
            simulated_person(bot, tally, bot.factory, ids, pacer, first_walk_steps=n % len(bot.script)),
            name=f"person-{n}",
        )
        for n in range(users)
    ]
    try:
        await asyncio.gather(*people)
    finally:
        for task in people:
            task.cancel()
    await wait_until_idle(bot)
    assert tally.machine_at_end is not None
    own, other = tally.machine_at_end.since(tally.machine_at_start)
    latencies = sorted(tally.latencies)
    return Figures(
        updates=len(latencies),
        seconds=tally.ended_at - tally.started_at,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        max_ms=latencies[-1] * 1000 if latencies else float("nan"),
        cpu_seconds=own,
        other_cpu_seconds=other,
        walks_completed=tally.walks_completed,
        latencies=latencies,
    )


async def check_intake(bot: BotUnderTest, walks: int) -> str:
    """Every completed walk must have saved one open request; otherwise the script no longer fits the intake."""
    row = await bot.application.bot_data[SERVICES_KEY].store.db.fetch_one(
        "SELECT COUNT(*) AS n FROM support_requests WHERE status = 'open'"
    )
    saved = int(row["n"]) if row else 0
    checked = f"{walks} walks completed, {saved} open requests saved"
    if saved < walks:
        raise RuntimeError(f"intake: {checked}; the script no longer walks the intake to the end")
    return checked


@dataclass
class Results:
    rounds: list[dict[str, Figures]] = field(default_factory=list)  # throughput, each round both bots
    throughput: dict[str, Figures] = field(default_factory=dict)  # the rounds combined
    paced: dict[str, Figures] = field(default_factory=dict)
    reply_methods: dict[str, Counter[str]] = field(default_factory=dict)
    intake_check: str = ""


async def run(args: argparse.Namespace) -> Results:
    """Both bots started side by side; the throughput rounds, each bot once a round and the order alternating,
    then the two latency runs.

    Measuring both bots close together, and each one first as often as last, keeps the ratio fair when the
    machine's speed drifts.
    """
    ids = itertools.count(1_000_000)  # every walk is a new person, across both bots
    results = Results()
    with tempfile.TemporaryDirectory(prefix="makker-bench-") as folder:
        bots = [await start_echo(), await start_makker(Path(folder) / "makker.sqlite3")]
        try:
            for number in range(args.rounds):
                this_round: dict[str, Figures] = {}
                for bot in bots if number % 2 == 0 else bots[::-1]:
                    this_round[bot.name] = await measure(
                        bot, args.users, args.warmup, args.updates, None, args.max_seconds, ids
                    )
                results.rounds.append(this_round)
            for bot in bots:
                results.throughput[bot.name] = combined([figures[bot.name] for figures in results.rounds])
            for bot in bots:
                results.paced[bot.name] = await measure(
                    bot, args.users, args.latency_warmup, args.latency_updates, args.rate, args.max_seconds, ids
                )
            for bot in bots:
                results.reply_methods[bot.name] = Counter(bot.api.reply_methods)
            walks = results.throughput["intake"].walks_completed + results.paced["intake"].walks_completed
            results.intake_check = await check_intake(bots[1], walks)
        finally:
            for bot in bots:
                await bot.stop()
    return results


# --- the report ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Defaults for the full run; --quick swaps in smaller ones, and a flag given explicitly always wins."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="simulated people at once (200; quick 50)")
    parser.add_argument("--rounds", type=int, default=5, help="throughput rounds, each bot once a round (5; 5)")
    parser.add_argument("--updates", type=int, default=4_000, help="updates measured a bot a round (4000; 800)")
    parser.add_argument("--warmup", type=int, default=1_000, help="updates before a round counts (1000; 200)")
    parser.add_argument("--rate", type=float, default=300.0, help="offered updates/s for the latency run (300)")
    parser.add_argument("--latency-updates", type=int, default=10_000, help="updates measured at --rate (10000; 2000)")
    parser.add_argument("--latency-warmup", type=int, default=2_000, help="updates before those count (2000; 500)")
    parser.add_argument(
        "--max-seconds", type=float, default=30.0, help="end a measurement after this long, counted or not (30; 0 off)"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run of about 25 s with the smaller defaults")
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(users=50, updates=800, warmup=200, latency_updates=2_000, latency_warmup=500)
    return parser.parse_args(argv)


def row(label: str, figures: Figures) -> str:
    other = f"{figures.other_cores:.2f}" if figures.other_cores is not None else "n/a"
    return (
        f"{label:<24} {figures.updates:>7} {figures.rate:>10.0f} {figures.p50_ms:>8.2f} {figures.p95_ms:>8.2f}"
        f" {figures.p99_ms:>8.2f} {figures.max_ms:>8.2f} {figures.cpu_ms_per_update:>10.2f} {other:>12}"
    )


def round_ratio(figures: dict[str, Figures]) -> float:
    echo = figures["echo"].rate
    return figures["intake"].rate / echo if echo else 0.0


def report(args: argparse.Namespace, results: Results, wall: float) -> None:
    paced = results.paced["intake"]
    ratios = [round_ratio(figures) for figures in results.rounds]
    ratio = statistics.median(ratios)
    print()
    for number, figures in enumerate(results.rounds, start=1):
        first, second = ("echo", "intake") if number % 2 else ("intake", "echo")
        print(
            f"round {number}: {first} {figures[first].rate:.0f} then {second} {figures[second].rate:.0f} updates/s,"
            f" ratio {round_ratio(figures):.2f}"
        )
    print()
    print(
        f"{'':<24} {'updates':>7} {'updates/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        f" {'CPU ms/upd':>10} {'other cores':>12}"
    )
    for name in ("echo", "intake"):
        print(row(f"{name} max, all rounds", results.throughput[name]))
        print(row(f"{name} at {args.rate:.0f}/s", results.paced[name]))
    print()
    for name, methods in results.reply_methods.items():
        print(f"{name} replies by first call: " + ", ".join(f"{m} {n}" for m, n in sorted(methods.items())))
    print(f"intake check: {results.intake_check}")
    if hasattr(os, "sched_getaffinity"):  # Makker pins itself only with PIN_TO_ONE_CPU=true (off by default)
        print(f"CPUs the run was allowed after Makker started: {sorted(os.sched_getaffinity(0))}")
    print(f"wall time {wall:.1f} s")
    disturbed = [
        f"{name} {kind} {figures.other_cores:.2f}"
        for kind, by_bot in (("max, all rounds", results.throughput), (f"at {args.rate:.0f}/s", results.paced))
        for name, figures in by_bot.items()
        if figures.other_cores is not None and figures.other_cores > DISTURBED_CORES
    ]
    if disturbed:
        print("WARNING: other programs used CPU during: " + ", ".join(disturbed) + " cores; the figures are disturbed")
    print()
    ratio_ok = ratio >= TARGET_RATIO
    p95_ok = paced.p95_ms <= TARGET_P95_MS
    rate_reached = paced.rate >= 0.95 * args.rate
    print(
        f"throughput intake/echo {ratio:.2f}, the median of {len(ratios)} rounds ({min(ratios):.2f}-{max(ratios):.2f})"
        f" (target >= {TARGET_RATIO})  {'PASS' if ratio_ok else 'FAIL'}"
    )
    print(
        f"intake p95 at {args.rate:.0f}/s {paced.p95_ms:.2f} ms (target <= {TARGET_P95_MS:.0f} ms)"
        f"  {'PASS' if p95_ok and rate_reached else 'FAIL'}"
        + ("" if rate_reached else f" (the intake kept up with only {paced.rate:.0f} updates/s)")
    )
    print("overall", "PASS" if ratio_ok and p95_ok and rate_reached else "FAIL")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    cpus = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    print(
        f"Python {platform.python_version()}, python-telegram-bot {telegram.__version__},"
        f" {cpus} CPUs ({usable} usable), {platform.system()} {platform.machine()}"
    )
    print(
        f"{args.users} people; throughput: {args.rounds} rounds of {args.warmup} warm-up + {args.updates} updates"
        " unpaced a bot;"
        f" latency: {args.latency_warmup} warm-up + {args.latency_updates} updates at {args.rate:.0f}/s;"
        f" each measurement ends after {args.max_seconds:.0f} s at the latest"
    )
    print(
        "latency: update handed to the bot (Makker: its inbox; echo: PTB's update_queue) -> first Bot API call for it"
        " (sendMessage, edit or answerCallbackQuery)"
    )
    start = time.perf_counter()
    results = asyncio.run(run(args))
    report(args, results, time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
