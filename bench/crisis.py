"""Recall and precision of the crisis detector on the labelled sets, overall and per category, and its speed.

Run from the project root: .venv/bin/python bench/crisis.py [--misses]

Two sets in tests/data/ (columns text,label,category,severity,about,language; dev also has source):
- crisis_test.csv, written by someone who never saw the detector and measured once, when the detector was final:
  the honest figure. When it is absent the bench says so and goes on;
- crisis_dev.csv, what the rules are tuned on and the model is trained on: many authors' rows (the source column),
  so its figure only shows that nothing regressed. How well the detector generalises to another writer is
  estimated by cross-validation by author (scripts/train_crisis_model.py; printed at the end of dev).

Each set is read by three detectors: the rules alone, the learned layer alone (bot/crisis_model.py) and the two
combined (`detect_crisis`). The model is trained on dev, so its dev figures (alone and combined) use the
out-of-fold probabilities of the 5-fold cross-validation the training script wrote (tests/data/crisis_dev_oof.csv),
never its in-sample scores; the rules' dev figures are in-sample (they were tuned on dev). On the test part the
shipped model is used as it is.

A positive row counts as found when the detector fires at all; severity and about are reported as agreement
among the rows found. With --misses, the category and rule ids (never the text) of every wrong row are printed.
Always exits 0: tests/test_safety.py is what fails a build.
"""

from __future__ import annotations

import csv
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.crisis_model import CrisisModel
    from bot.safety import CrisisSignal

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
PARTS = ("test", "dev")


@dataclass
class Counts:
    """Confusion counts for "is this a crisis", and agreement on severity and about among the rows found."""

    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    severity_agrees: int = 0
    about_agrees: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load_detectors(part: str) -> dict[str, Callable[[str, int], CrisisSignal | None]]:
    """The three detectors from this checkout (also when Makker is not installed), each called with the text and
    its row index; on dev the model's probability is the row's out-of-fold one."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bot.crisis_model import load_model
    from bot.safety import CrisisSignal, combine, detect_by_rules, detect_crisis

    model = load_model()
    if part == "dev":
        with (DATA / "crisis_dev_oof.csv").open(encoding="utf-8", newline="") as handle:
            oof = [float(row["probability"]) for row in csv.DictReader(handle)]

        def probability(text: str, index: int) -> float | None:
            return oof[index]
    else:

        def probability(text: str, index: int) -> float | None:
            return model.readable_probability(text)

    def model_alone(text: str, index: int) -> CrisisSignal | None:
        p = probability(text, index)
        return CrisisSignal("concern", "self", ("model",)) if p is not None and p >= model.threshold else None

    def combined(text: str, index: int) -> CrisisSignal | None:
        return combine(text, probability(text, index)) if part == "dev" else detect_crisis(text)

    return {
        "rules alone": lambda text, index: detect_by_rules(text),
        "model alone": model_alone,
        "combined": combined,
    }


def load(part: str) -> list[dict[str, str]]:
    with (DATA / f"crisis_{part}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def evaluate(
    rows: list[dict[str, str]], detect: Callable[[str, int], CrisisSignal | None]
) -> tuple[Counts, dict[str, Counts]]:
    """Overall counts and counts per category (a crisis category, or a kind of hard negative)."""
    overall = Counts()
    per_category: dict[str, Counts] = defaultdict(Counts)
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        signal = detect(row["text"], line - 2)
        expected = row["label"] == "1"
        for counts in (overall, per_category[row["category"]]):
            if expected and signal is not None:
                counts.tp += 1
                counts.severity_agrees += signal.severity == row["severity"]
                counts.about_agrees += signal.about == row["about"]
            elif expected:
                counts.fn += 1
            elif signal is not None:
                counts.fp += 1
            else:
                counts.tn += 1
        if expected and signal is None:
            overall.misses.append(f"line {line} {row['category']} ({row['language']}): missed")
        elif not expected and signal is not None:
            overall.misses.append(f"line {line} {row['category']} ({row['language']}): {','.join(signal.rules)}")
    return overall, dict(per_category)


def long_message(rows: list[dict[str, str]], categories: set[str] | None = None) -> str:
    """5,000 characters of dev-set messages without a crisis (more than Telegram's 4,096 in one message)."""
    texts = [
        row["text"] for row in rows if row["label"] == "0" and (categories is None or row["category"] in categories)
    ]
    return (" ".join(texts) * 20)[:5000]


def quiet_message(rows: list[dict[str, str]]) -> str:
    """5,000 characters of ordinary dev messages, each kept only when the text so far still gives the rules no
    alarm: the worst case for speed, as the model is only asked when the rules find nothing."""
    from bot.safety import detect_by_rules

    text = ""
    while len(text) < 5000:
        before = len(text)
        for row in rows:
            if row["category"] == "neg_ordinary" and detect_by_rules(f"{text} {row['text']}"[:5000]) is None:
                text = f"{text} {row['text']}".strip()
                if len(text) >= 5000:
                    break
        if len(text) == before:
            break
    return text[:5000]


def fresh_words(model: CrisisModel, text: str) -> float:
    """The model's probability with its cache of words' n-grams emptied first: every word is new to it."""
    for vectoriser in model.vectorisers:
        vectoriser.known_in_word.clear()
    return model.probability(text)


def all_fresh(model: CrisisModel, text: str) -> object:
    """detect_crisis with every per-word cache emptied first (the rules' word prefilter and spelling, the model's
    n-grams): the cost of a message whose words were never seen."""
    from bot import crisis_text, safety

    safety._PREFILTER.word_mask.cache_clear()
    crisis_text._prepare_word.cache_clear()
    crisis_text._correct.cache_clear()
    for vectoriser in model.vectorisers:
        vectoriser.known_in_word.clear()
    return safety.detect_crisis(text)


def time_ms(detect_crisis: Callable[[str], object], text: str, runs: int = 30) -> str:
    """Wall-clock median and CPU-time median and best over `runs` checks of the same text, in milliseconds.

    CPU time is what the check itself costs; wall time also holds waiting for a core on a busy machine."""
    wall, cpu = [], []
    for _ in range(runs):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        detect_crisis(text)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start_wall) * 1000)
    wall.sort()
    cpu.sort()
    return f"wall median {wall[runs // 2]:.1f} ms; CPU median {cpu[runs // 2]:.1f} ms, best {cpu[0]:.1f} ms"


def main() -> int:
    show_misses = "--misses" in sys.argv
    for part in PARTS:
        if not (DATA / f"crisis_{part}.csv").exists():
            print(f"== {part}: tests/data/crisis_{part}.csv is ABSENT: no test figure in this run ==")
            print()
            continue
        rows = load(part)
        for name, detect in load_detectors(part).items():
            overall, per_category = evaluate(rows, detect)
            print(f"== {part}: tests/data/crisis_{part}.csv, {overall.rows} rows, {name} ==")
            agreement = (
                f"  severity agrees {overall.severity_agrees}/{overall.tp}"
                f"  about agrees {overall.about_agrees}/{overall.tp}"
                if name != "model alone"
                else ""
            )
            print(
                f"TP {overall.tp}  FP {overall.fp}  TN {overall.tn}  FN {overall.fn}  "
                f"recall {overall.recall:.3f}  precision {overall.precision:.3f}{agreement}"
            )
            print("| category | crisis rows | found | recall | ordinary rows | false alarms |")
            print("|---|---|---|---|---|---|")
            for category in sorted(per_category, key=lambda name: (name.startswith("neg_"), name)):
                counts = per_category[category]
                if counts.tp + counts.fn:
                    print(f"| {category} | {counts.tp + counts.fn} | {counts.tp} | {counts.recall:.3f} | | |")
                else:
                    print(f"| {category} | | | | {counts.tn + counts.fp} | {counts.fp} |")
            if part == "dev":
                for source in sorted({row.get("source", "dev") for row in rows}):
                    picked = [(index, row) for index, row in enumerate(rows) if row.get("source", "dev") == source]
                    counts, _ = evaluate(
                        [row for _, row in picked],
                        lambda text, at, picked=picked, detect=detect: detect(text, picked[at][0]),
                    )
                    print(
                        f"  source {source}: {counts.rows} rows, recall {counts.recall:.3f}, "
                        f"precision {counts.precision:.3f}, false alarms {counts.fp}"
                    )
            if show_misses:
                for miss in overall.misses:
                    print(f"  {miss}")
            print()
    if (DATA / "crisis_dev.csv").exists():
        from bot.crisis_model import load_model as _load

        cv = _load().cv
        print("== cross-validation by author (scripts/train_crisis_model.py; model trained without that batch) ==")
        for source, figures in cv.get("by_author", {}).items():
            print(f"  {source}: {figures}")
        print(f"  5-fold out-of-fold, rules + model: {cv.get('combined_out_of_fold')}")
        print()
    from bot.crisis_model import load_model
    from bot.safety import detect_by_rules, detect_crisis

    model = load_model()
    dev = load("dev")
    ordinary = long_message(dev, {"neg_ordinary"})
    texts = {
        "ordinary messages": ordinary,
        "hard negatives (idioms, professionals, past)": long_message(dev),
        "ordinary, a plan in the middle": f"{ordinary[:2500]}. i aften tager jeg alle mine piller. {ordinary[2500:]}",
        "ordinary messages the rules let pass (the model runs too)": quiet_message(dev),
        "one long word": ("selvmords" * 556)[:5000],
        "short words": "i " * 2500,
        "no spaces": "a" * 5000,
    }
    for name, text in texts.items():
        text = text[:5000]
        fired = detect_crisis(text)
        print(f"5,000 characters of {name} ({'fires: ' + fired.rules[0] if fired else 'no alarm'}):")
        print(f"  rules + model (detect_crisis): {time_ms(detect_crisis, text)}")
        print(f"  rules alone:                   {time_ms(detect_by_rules, text)}")
        print(f"  model alone, words seen before: {time_ms(model.probability, text)}")
        print(f"  model alone, words new to it:  {time_ms(lambda t: fresh_words(model, t), text)}")
        print(f"  rules + model, every word new: {time_ms(lambda t: all_fresh(model, t), text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
