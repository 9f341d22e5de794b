"""Matching latency at 100,000 peers, from the database query to the explained suggestions, one request at a time.

Run from the project root: .venv/bin/python bench/matching.py [--quick] [--peers N] [--initiatives N] [--requests N]
[--seed N] [--profile]

A real SQLite file in a temporary directory gets generated peers, loaded with PeerRepository.save_many (which also
fills the peer_reach search index), and a catalogue of the 14 real initiatives plus generated variants, imported with
InitiativeRepository.import_all. Loading is timed but is not part of the target. Each request is then timed from
Matchmaker.rank_request to every suggestion's reasons rendered in the person's language with the real message
catalogue, as the chat shows them. Target: p95 <= 10 ms on a 2-core machine.

There are two timed passes over the same requests. The first has no instrumentation and gives the figures the target is
judged on. The second wraps the database calls and rank() to show where the time goes. --profile adds a cProfile pass
(main thread only: aiosqlite runs SQLite in its own thread, so the SQL shows up as waiting). Generation uses a fixed
seed, so a run is reproducible. Always exits 0: it reports, it does not gate a build.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import math
import os
import platform
import pstats
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

# First on the path: the project root, so `matching` is the package and not this file, and a checkout runs as it is.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot.matchmaker as matchmaker_module
from bot.config import Settings
from bot.i18n import Catalogue
from bot.intake import Answers
from bot.matchmaker import Matchmaker
from bot.store import Store
from bot.store.intake import SupportRequest
from bot.store.suggestions import StoredReason
from handlers.match import reason_text
from matching.catalogue import Initiative, load_initiatives
from matching.engine import Ranking
from matching.geo import Area, Geography, default_geography
from matching.model import PeerKind, PeerProfile, PeerStatus
from matching.taxonomy import (
    AgeBand,
    ContactMode,
    ForWhom,
    Gender,
    GenderPreference,
    Language,
    SupportForm,
    TargetGroup,
)

ON = date(2026, 11, 23)
TARGET_P95_MS = 10.0
BATCH = 10_000  # peers per save_many call: one transaction each, as an import would do it
PEER_USER_IDS = 1_000_000  # Telegram user ids of peers start here ...
PERSON_USER_IDS = 50_000_000  # ... and those of people asking for support here, so the two never collide
FULL = {"peers": 100_000, "initiatives": 1_000, "requests": 1_000, "warmup": 50}
QUICK = {"peers": 10_000, "initiatives": 1_000, "requests": 200, "warmup": 20}

T = TypeVar("T")

# Rough shares, so that the index has the skew of a real pool: mental health dominates, some groups are rare.
GROUP_WEIGHTS: dict[TargetGroup, float] = {
    TargetGroup.MENTAL_HEALTH: 40,
    TargetGroup.SUBSTANCE_USE: 8,
    TargetGroup.CHRONIC_ILLNESS: 8,
    TargetGroup.HOMELESSNESS: 5,
    TargetGroup.VIOLENCE: 5,
    TargetGroup.PHYSICAL_DISABILITY: 5,
    TargetGroup.RARE_DIAGNOSIS: 4,
    TargetGroup.REFUGEES_IMMIGRANTS: 4,
    TargetGroup.CHILDREN_YOUTH: 4,
    TargetGroup.VISION_LOSS: 3,
    TargetGroup.GREENLANDERS: 2,
}
FORM_WEIGHTS: dict[SupportForm, float] = {
    SupportForm.ONE_TO_ONE: 50,
    SupportForm.GROUP_COMMUNITY: 25,
    SupportForm.COURSE: 12,
    SupportForm.BRIDGE_WORK_EDUCATION: 13,
}
OTHER_LANGUAGES: tuple[Language, ...] = tuple(
    language for language in Language if language not in (Language.DA, Language.EN)
)
STATUS_WEIGHTS: dict[PeerStatus, float] = {
    PeerStatus.APPROVED: 85,
    PeerStatus.PAUSED: 7,
    PeerStatus.PENDING: 6,
    PeerStatus.REJECTED: 2,
}
GENDER_WEIGHTS: dict[Gender, float] = {Gender.WOMAN: 55, Gender.MAN: 38, Gender.OTHER: 4, Gender.UNSPECIFIED: 3}
AGE_WEIGHTS: dict[AgeBand, float] = {
    AgeBand.UNDER_18: 3,
    AgeBand.A18_24: 18,
    AgeBand.A25_39: 35,
    AgeBand.A40_64: 34,
    AgeBand.A65_PLUS: 10,
}
# The four largest cities get more peers and more requests than a small island municipality.
BIG_CITIES: dict[int, float] = {101: 8, 751: 6, 461: 4, 851: 4}


def pick(rng: random.Random, weights: dict[T, float]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def pick_some(rng: random.Random, weights: dict[T, float], low: int, high: int) -> frozenset[T]:
    """Between low and high distinct items, drawn by weight."""
    wanted = rng.randint(low, high)
    chosen: set[T] = set()
    while len(chosen) < wanted:
        chosen.add(pick(rng, weights))
    return frozenset(chosen)


@dataclass(frozen=True)
class Places:
    """The municipalities (weighted toward big cities) and the regions that exist on the benchmark date."""

    geography: Geography
    municipalities: dict[int, float]
    regions: tuple[str, ...]

    @classmethod
    def of(cls, geography: Geography) -> Places:
        codes = {m.code: BIG_CITIES.get(m.code, 1.0) for m in geography.all_municipalities()}
        return cls(geography, codes, tuple(region.code for region in geography.regions(ON)))

    def area(self, rng: random.Random) -> Area:
        """Mostly one municipality or a region, some a few municipalities of one region, some national or online."""
        roll = rng.random()
        if roll < 0.50:
            return Area(municipalities=frozenset({pick(rng, self.municipalities)}))
        if roll < 0.60:
            home = self.geography.region_of(pick(rng, self.municipalities), ON).code
            nearby = [m.code for m in self.geography.municipalities_in(home, ON)]
            return Area(municipalities=frozenset(rng.sample(nearby, min(len(nearby), rng.randint(2, 4)))))
        if roll < 0.85:
            return Area(regions=frozenset({rng.choice(self.regions)}))
        if roll < 0.93:
            return Area(national=True)
        return Area(online=True)


def peer_languages(rng: random.Random) -> frozenset[Language]:
    """Mostly Danish, often English as well, now and then another language (sometimes without Danish)."""
    languages = set()
    if rng.random() < 0.92:
        languages.add(Language.DA)
    if rng.random() < 0.35:
        languages.add(Language.EN)
    if rng.random() < 0.08 or not languages:
        languages.add(rng.choice(OTHER_LANGUAGES))
    return frozenset(languages)


def make_peers(rng: random.Random, count: int, places: Places) -> list[tuple[PeerProfile, str]]:
    """Peers with the spread of a national pool; peer_id is 0 because the database assigns it."""
    peers = []
    for number in range(count):
        capacity = rng.randint(1, 5)
        young = rng.random() < 0.1
        peer = PeerProfile(
            peer_id=0,
            user_id=PEER_USER_IDS + number,
            status=pick(rng, STATUS_WEIGHTS),
            kind=PeerKind.PAID if rng.random() < 0.2 else PeerKind.VOLUNTEER,
            target_groups=pick_some(rng, GROUP_WEIGHTS, 1, 3),
            support_forms=pick_some(rng, FORM_WEIGHTS, 1, 2),
            languages=peer_languages(rng),
            gender=pick(rng, GENDER_WEIGHTS),
            contact_modes=frozenset(rng.sample(list(ContactMode), rng.randint(1, 3))),
            area=places.area(rng),
            capacity=capacity,
            active_matches=rng.randint(0, capacity),  # nearly 30 % are full
            min_age=18 if young or rng.random() < 0.9 else 25,
            max_age=35 if young else None,
            # About one peer in eight has been a relative (pårørende) of someone in a situation.
            relative_of=pick_some(rng, GROUP_WEIGHTS, 1, 2) if rng.random() < 0.12 else frozenset(),
        )
        peers.append((peer, f"Peer {number + 1}"))
    return peers


def make_initiatives(rng: random.Random, count: int, places: Places) -> list[Initiative]:
    """The real catalogue, then variants of its rows with new keys, areas and groups up to `count`."""
    real = load_initiatives()
    made = list(real[:count])
    for number in range(len(made), count):
        base = rng.choice(real)
        groups = pick_some(rng, GROUP_WEIGHTS, 1, 3)
        relatives_of = pick_some(rng, GROUP_WEIGHTS, 1, 1) if rng.random() < 0.1 else frozenset()
        min_age = None if TargetGroup.CHILDREN_YOUTH in groups else base.min_age
        made.append(
            replace(
                base,
                key=f"{base.key}-{number}",
                name=f"{base.name} {number}",
                target_groups=groups,
                relatives_of=relatives_of,
                min_age=min_age,
                max_age=base.max_age if min_age is None or base.max_age is None or base.max_age >= min_age else None,
                area=places.area(rng),
                active=rng.random() < 0.95,
            )
        )
    return made


def request_languages(rng: random.Random) -> tuple[str, ...]:
    roll = rng.random()
    if roll < 0.85:
        return ("da", "en") if rng.random() < 0.15 else ("da",)
    if roll < 0.93:
        return ("en",)
    other = rng.choice(OTHER_LANGUAGES).value
    return (other, "en") if rng.random() < 0.5 else (other,)


def make_requests(rng: random.Random, count: int, first_id: int, places: Places) -> list[SupportRequest]:
    """Confirmed requests as the intake saves them: varied places, groups, languages; some online-only, some minors."""
    requests = []
    for request_id in range(first_id, first_id + count):
        relative = rng.random() < 0.2
        groups = set(pick_some(rng, GROUP_WEIGHTS, 1, 2))  # for a relative: the loved one's situation
        online_only = rng.random() < 0.1
        forms = ("dont_know",) if rng.random() < 0.2 else tuple(sorted(pick_some(rng, FORM_WEIGHTS, 1, 2)))
        answers = Answers(
            for_whom=(ForWhom.RELATIVE if relative else ForWhom.SELF).value,
            target_groups=tuple(sorted(groups)),
            age_band=pick(rng, AGE_WEIGHTS).value,
            municipality_code=None if online_only else pick(rng, places.municipalities),
            online_only=online_only,
            support_forms=forms,
            languages=request_languages(rng),
            gender_preference=pick(
                rng, {GenderPreference.NONE: 65, GenderPreference.WOMAN: 25, GenderPreference.MAN: 10}
            ).value,
            contact_modes=tuple(sorted(mode.value for mode in rng.sample(list(ContactMode), rng.randint(1, 3)))),
        )
        user_id = PERSON_USER_IDS + request_id
        requests.append(SupportRequest(request_id, user_id, "open", answers, "2026-11-23 10:00:00"))
    return requests


@dataclass
class Loaded:
    """What the database holds and how long putting it there took (reported, not part of the target)."""

    generate_s: float
    peers_s: float
    initiatives_s: float
    exclusions_s: float
    reach_rows: int
    db_bytes: int


async def load(
    store: Store, rng: random.Random, args: argparse.Namespace, places: Places, requests: Sequence[SupportRequest]
) -> Loaded:
    start = time.perf_counter()
    peers = make_peers(rng, args.peers, places)
    initiatives = make_initiatives(rng, args.initiatives, places)
    generated = time.perf_counter()
    for offset in range(0, len(peers), BATCH):
        await store.peers.save_many(peers[offset : offset + BATCH])
    peers_loaded = time.perf_counter()
    await store.initiatives.import_all(initiatives)
    initiatives_loaded = time.perf_counter()
    # One person in ten has declined or blocked a peer or two, so the exclusions query finds rows now and then.
    for request in requests:
        if rng.random() < 0.1:
            for peer_id in rng.sample(range(1, args.peers + 1), rng.randint(1, 3)):
                await store.peers.exclude(request.user_id, peer_id, "declined_by_person")
    done = time.perf_counter()
    row = await store.db.fetch_one("SELECT COUNT(*) AS n FROM peer_reach")
    page = await store.db.fetch_one("SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()")
    return Loaded(
        generated - start,
        peers_loaded - generated,
        initiatives_loaded - peers_loaded,
        done - initiatives_loaded,
        row["n"] if row else 0,
        page["n"] if page else 0,
    )


@dataclass(frozen=True)
class Explainer:
    """What handlers.match.reason_text needs from the bot's services: the message catalogue."""

    catalogue: Catalogue


def person_language(request: SupportRequest) -> str:
    """The chat language: the catalogues are Danish and English, so Danish if the person speaks it, else English."""
    return "da" if "da" in request.answers.languages else "en"


def explain(ranking: Ranking, explainer: Explainer, language: str) -> list[str]:
    """Every shown suggestion's reasons as the chat line shows them (the fallback when nothing fits)."""
    shown = list(ranking.fallback) if ranking.nothing_fits else [*ranking.peers, *ranking.initiatives]
    return [
        " · ".join(
            reason_text(explainer, StoredReason(reason.key, dict(reason.params)), language)  # type: ignore[arg-type]
            for reason in suggestion.reasons
        )
        for suggestion in shown
    ]


async def serve(matchmaker: Matchmaker, explainer: Explainer, request: SupportRequest) -> Ranking:
    """The timed unit: candidates from SQLite, rank(), and the reasons rendered."""
    ranking = await matchmaker.rank_request(request, ON)
    explain(ranking, explainer, person_language(request))
    return ranking


@dataclass
class Stages:
    """Seconds per stage, gathered by thin wrappers around the store and rank() during the second pass."""

    seconds: Counter[str] = field(default_factory=Counter)
    candidates: list[int] = field(default_factory=list)
    current: str = ""


def instrument(matchmaker: Matchmaker, store: Store, stages: Stages) -> Callable[[], None]:
    """Wrap the trips to the database thread, rank_request() and rank(); returns the function that takes the
    wrappers off. rank_request() asks for exclusions, candidates and initiatives together, so they share one trip."""
    db = store.db
    original_rank = matchmaker_module.rank
    original_hand_off = db._hand_off
    original_rank_request = matchmaker.rank_request

    async def hand_off(batch: Any) -> Any:
        start = time.perf_counter()
        try:
            return await original_hand_off(batch)
        finally:
            stages.seconds["trip"] += time.perf_counter() - start

    async def rank_request(*args: Any, **kwargs: Any) -> Ranking:
        start = time.perf_counter()
        try:
            return await original_rank_request(*args, **kwargs)
        finally:
            stages.seconds["rank_request"] += time.perf_counter() - start

    def rank(need: Any, candidates: list[PeerProfile], *args: Any, **kwargs: Any) -> Ranking:
        stages.candidates.append(len(candidates))
        start = time.perf_counter()
        try:
            return original_rank(need, candidates, *args, **kwargs)
        finally:
            stages.seconds["rank"] += time.perf_counter() - start

    db._hand_off = hand_off  # type: ignore[method-assign]
    matchmaker.rank_request = rank_request  # type: ignore[method-assign]
    matchmaker_module.rank = rank  # type: ignore[assignment]

    def remove() -> None:
        del db._hand_off
        del matchmaker.rank_request
        matchmaker_module.rank = original_rank

    return remove


def percentile(sorted_ms: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)]


def summary(ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "p50": percentile(ordered, 50),
        "p95": percentile(ordered, 95),
        "p99": percentile(ordered, 99),
        "max": ordered[-1],
        "mean": sum(ordered) / len(ordered),
    }


async def timed_pass(
    matchmaker: Matchmaker, explainer: Explainer, requests: Sequence[SupportRequest]
) -> tuple[list[float], list[Ranking]]:
    latencies, rankings = [], []
    for request in requests:
        start = time.perf_counter()
        ranking = await serve(matchmaker, explainer, request)
        latencies.append((time.perf_counter() - start) * 1000)
        rankings.append(ranking)
    return latencies, rankings


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: a busy neighbour on 2 cores doubles the latencies."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"


def environment() -> list[str]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"Python {platform.python_version()} ({platform.python_implementation()}), SQLite {sqlite3.sqlite_version}",
        f"CPUs: {os.cpu_count()} (usable by this process: {usable}), {platform.system()} {platform.machine()},"
        f" load average {load_average()}",
    ]


def print_row(label: str, figures: dict[str, float]) -> None:
    cells = "  ".join(f"{name} {value:7.2f}" for name, value in figures.items())
    print(f"  {label:<22} {cells}  (ms)")


async def run(args: argparse.Namespace) -> None:
    for line in environment():
        print(line)
    print(
        f"seed {args.seed}: {args.peers:,} peers, {args.initiatives:,} initiatives, {args.requests:,} requests"
        f" (+{args.warmup} warm-up), on {ON.isoformat()}"
    )
    rng = random.Random(args.seed)
    geography = default_geography()
    places = Places.of(geography)
    settings = Settings(bot_token="123:ABC", _env_file=None)  # type: ignore[call-arg]  # a dummy token: no Telegram here
    explainer = Explainer(Catalogue())
    requests = make_requests(rng, args.requests, 1, places)
    warmup = make_requests(rng, args.warmup, args.requests + 1, places)

    with tempfile.TemporaryDirectory(prefix="makker-bench-") as directory:
        store = await Store.open(Path(directory) / "makker.sqlite3", geography)
        try:
            loaded = await load(store, rng, args, places, requests)
            print(
                f"load (not part of the target): generate {loaded.generate_s:.1f} s, save_many {loaded.peers_s:.1f} s"
                f" ({args.peers / loaded.peers_s:,.0f} peers/s), import_all {loaded.initiatives_s:.2f} s,"
                f" exclusions {loaded.exclusions_s:.2f} s; peer_reach {loaded.reach_rows:,} rows,"
                f" database {loaded.db_bytes / 2**20:.0f} MiB"
            )
            matchmaker = Matchmaker(store, geography, settings.match_weights(), settings.match_limits())
            for request in warmup:
                await serve(matchmaker, explainer, request)

            latencies, rankings = await timed_pass(matchmaker, explainer, requests)
            figures = summary(latencies)
            with_peer = sum(1 for ranking in rankings if ranking.peers)
            nothing = sum(1 for ranking in rankings if ranking.nothing_fits)
            minors = sum(1 for request in requests if request.answers.age_band == AgeBand.UNDER_18.value)
            online = sum(1 for request in requests if request.answers.online_only)
            print(f"\nrequest -> explained suggestions, {len(latencies)} requests:")
            print_row("total", figures)
            print(
                f"  outcomes: {with_peer} with a peer, {nothing} nothing fits; {minors} under 18, {online} online-only"
            )

            stages = Stages()
            remove = instrument(matchmaker, store, stages)
            try:
                instrumented, _ = await timed_pass(matchmaker, explainer, requests)
            finally:
                remove()
            count = len(requests)
            total = sum(instrumented)
            trip, rank_s = stages.seconds["trip"], stages.seconds["rank"]
            fetch = stages.seconds["rank_request"] - rank_s
            print(f"\nwhere the time goes (second pass, instrumented: mean {total / count:.2f} ms a request):")
            rows = [
                ("database: one trip, SQL and fetch", trip),
                ("rows -> PeerProfile, Need", fetch - trip),
                ("rank()", rank_s),
                ("reasons to text", total / 1000 - fetch - rank_s),
            ]
            for label, seconds in rows:
                print(f"  {label:<34} {seconds * 1000 / count:6.2f} ms  {seconds * 100_000 / total:5.1f} %")
            candidates = stages.candidates
            print(
                f"  candidate peers a request: mean {sum(candidates) / len(candidates):.0f},"
                f" min {min(candidates)}, max {max(candidates)} (minors' requests included)"
            )
            # The tail is the requests with the most candidates (several groups, languages and places).
            slowest = sorted(range(count), key=instrumented.__getitem__)[-max(1, count // 20) :]
            print(
                f"  the slowest 5% of requests: mean {sum(instrumented[i] for i in slowest) / len(slowest):.2f} ms,"
                f" {sum(candidates[i] for i in slowest) / len(slowest):.0f} candidate peers"
            )

            if args.profile:
                profiler = cProfile.Profile()
                profiler.enable()
                await timed_pass(matchmaker, explainer, requests)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
                print("\ncProfile, third pass, by own time (main thread):")
                print(out.getvalue())

            print(f"\nload average at the end: {load_average()} (other work on the machine skews every figure)")
            verdict = "PASS" if figures["p95"] <= TARGET_P95_MS else "FAIL"
            print(f"\n{verdict}: p95 {figures['p95']:.2f} ms (target <= {TARGET_P95_MS:.0f} ms)")
        finally:
            await store.close()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 10,000 peers, 200 requests")
    parser.add_argument("--peers", type=int, help="peers to generate (default 100,000)")
    parser.add_argument("--initiatives", type=int, help="initiatives, the 14 real ones included (default 1,000)")
    parser.add_argument("--requests", type=int, help="timed requests (default 1,000)")
    parser.add_argument("--warmup", type=int, help="untimed requests first (default 50)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed for everything generated")
    parser.add_argument("--profile", action="store_true", help="add a cProfile pass and print the top functions")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.peers < 1 or args.requests < 1 or args.initiatives < 1 or args.warmup < 0:
        parser.error("--peers, --initiatives and --requests must be at least 1, --warmup at least 0")
    return args


def main() -> None:
    asyncio.run(run(parse_args()))


if __name__ == "__main__":
    main()
