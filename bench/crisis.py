"""Precision and recall of the crisis detector on the labelled table tests/data/crisis_phrases.csv.

Run from the project root: .venv/bin/python bench/crisis.py
Prints counts, precision, recall, and the note (never the text) of every misclassified row. Always exits 0:
it reports, the tests in tests/test_safety.py are what fail a build.
"""

from __future__ import annotations

import csv
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.safety import CrisisSignal

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "tests" / "data" / "crisis_phrases.csv"


@dataclass
class Report:
    """Confusion counts for "is this a crisis", plus the rows that went wrong."""

    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    wrong_category: int = 0
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


def load_detector() -> Callable[[str], CrisisSignal | None]:
    """Import the detector from this checkout, also when Makker is not installed into the environment."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bot.safety import detect_crisis

    return detect_crisis


def evaluate(rows: list[dict[str, str]], detect_crisis: Callable[[str], CrisisSignal | None]) -> Report:
    """Run the detector over every row; a positive that fires with the wrong category counts as a TP but is listed."""
    report = Report()
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        signal = detect_crisis(row["text"])
        expected = row["expected"] == "1"
        where = f"line {line} ({row['language']}): {row['note']}"
        if expected and signal is not None:
            report.tp += 1
            if signal.category != row["category"]:
                report.wrong_category += 1
                report.misses.append(f"category {signal.category} (want {row['category']}), {where}")
        elif expected:
            report.fn += 1
            report.misses.append(f"missed, {where}")
        elif signal is not None:
            report.fp += 1
            report.misses.append(f"false alarm by {signal.rule}, {where}")
        else:
            report.tn += 1
    return report


def main() -> int:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    detect_crisis = load_detector()  # compiling the phrase table is not part of the timing
    start = time.perf_counter()
    report = evaluate(rows, detect_crisis)
    elapsed_ms = (time.perf_counter() - start) * 1000
    print(f"Crisis detector on {TABLE.relative_to(ROOT)}")
    print(f"rows       {report.rows}")
    print(f"TP         {report.tp}")
    print(f"FP         {report.fp}")
    print(f"TN         {report.tn}")
    print(f"FN         {report.fn}")
    print(f"precision  {report.precision:.3f}")
    print(f"recall     {report.recall:.3f}")
    print(f"wrong category among TP  {report.wrong_category}")
    print(f"time       {elapsed_ms:.1f} ms for all rows, {elapsed_ms / max(report.rows, 1):.2f} ms a row")
    if report.misses:
        print("misclassified:")
        for miss in report.misses:
            print(f"  {miss}")
    else:
        print("misclassified: none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
