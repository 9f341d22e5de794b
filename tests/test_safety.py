"""The crisis detector: the labelled sets, severity and about, the past-and-recovered case, rule ids, odd input."""

from __future__ import annotations

import csv
import dataclasses
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.crisis_text import fold_word, normalise
from bot.safety import (
    MODEL_RULE_IDS,
    RULE_IDS,
    CrisisSignal,
    combine,
    detect_by_rules,
    detect_crisis,
)

DATA = Path(__file__).parent / "data"
COLUMNS = ["text", "label", "category", "severity", "about", "language"]
# Kinds of crisis the sets must cover (issue #8), and kinds of hard negative.
CRISIS_KINDS = {
    "plan",
    "prep",
    "method",
    "place",
    "overdose",
    "passive",
    "third_party",
    "violence",
    "youth",
    "self_harm",
}
NEGATIVE_KINDS = {"neg_past", "neg_pro", "neg_idiom", "neg_ordinary"}
# Measured on crisis_dev.csv when the detector was last trained; a change that lowers any of them fails the build.
# Dev holds many authors' rows (the `source` column). In-sample figures (rules tuned on dev, model trained on it) only
# catch regressions; how well the detector generalises is in bench/README.md (cross-validation by author and the
# test part, crisis_test.csv). (detector, recall floor, precision floor); measured 0.741 / 0.888 (rules alone) and
# 0.993 / 0.993 (combined).
DEV_FLOORS = {"rules alone": (0.73, 0.88), "combined": (0.99, 0.99)}
# The rules (in-sample) with the model's out-of-fold probabilities (tests/data/crisis_dev_oof.csv): 0.980 and 0.916
# when the model was trained. Lower than in-sample because each row is scored by a model that never saw it.
DEV_OOF_RECALL_FLOOR = 0.975
DEV_OOF_PRECISION_FLOOR = 0.91
# Among the crisis rows found in-sample: about agrees in 0.968, and 0.981 of the rows labelled acute are acute.
ABOUT_FLOOR = 0.96
ACUTE_FLOOR = 0.97
SOURCES = {
    "dev",
    "holdout",
    "new",
    "third",
    "extra",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "ordinary",
}


def load(part: str) -> list[dict[str, str]]:
    with (DATA / f"crisis_{part}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


DEV = load("dev")


TEST = DATA / "crisis_test.csv"
PARTS = ["dev", pytest.param("test", marks=pytest.mark.skipif(not TEST.exists(), reason="no test part here"))]


@pytest.mark.parametrize("part", PARTS)
def test_sets_have_the_promised_shape(part: str) -> None:
    """The test part is only checked for shape here, never run through the detector: bench/crisis.py reports its
    figure, and only the dev set can fail a build on recall or precision."""
    rows = load(part)
    assert list(rows[0])[: len(COLUMNS)] == COLUMNS
    assert len(rows) >= 300
    assert len({row["text"] for row in rows}) == len(rows), "duplicate text"
    assert {row["label"] for row in rows} == {"0", "1"}
    kinds = Counter(row["category"] for row in rows if row["label"] == "1")
    if part == "dev":
        assert all(kinds[kind] >= 20 for kind in CRISIS_KINDS), kinds
        assert {row["category"] for row in rows if row["label"] == "0"} >= NEGATIVE_KINDS
        assert {row["source"] for row in rows} == SOURCES
    assert sum(row["label"] == "0" for row in rows) >= 100
    for row in rows:
        assert row["category"].startswith("neg_") == (row["label"] == "0")
        if row["label"] == "1":
            assert row["severity"] in {"acute", "concern"} and row["about"] in {"self", "other"}
        assert row["language"] in {"da", "en", "mixed"}
    assert {row["language"] for row in rows} >= {"da", "en"}


@pytest.mark.skipif(not TEST.exists(), reason="no test part here")
def test_sets_do_not_share_a_message() -> None:
    assert not {row["text"] for row in DEV} & {row["text"] for row in load("test")}


def _recall_precision(found: list[bool]) -> tuple[float, float]:
    tp = sum(hit and row["label"] == "1" for hit, row in zip(found, DEV, strict=True))
    fp = sum(hit and row["label"] == "0" for hit, row in zip(found, DEV, strict=True))
    positives = sum(row["label"] == "1" for row in DEV)
    return tp / positives, tp / (tp + fp)


@pytest.mark.parametrize(
    ("detect", "floors"),
    [(detect_crisis, DEV_FLOORS["combined"]), (detect_by_rules, DEV_FLOORS["rules alone"])],
    ids=["combined", "rules alone"],
)
def test_dev_set_does_not_regress(detect: Callable[[str], CrisisSignal | None], floors: tuple[float, float]) -> None:
    recall, precision = _recall_precision([detect(row["text"]) is not None for row in DEV])
    assert recall >= floors[0]
    assert precision >= floors[1]


def test_dev_set_out_of_fold_does_not_regress() -> None:
    with (DATA / "crisis_dev_oof.csv").open(encoding="utf-8", newline="") as handle:
        oof = [float(row["probability"]) for row in csv.DictReader(handle)]
    recall, precision = _recall_precision(
        [combine(row["text"], probability) is not None for row, probability in zip(DEV, oof, strict=True)]
    )
    assert recall >= DEV_OOF_RECALL_FLOOR
    assert precision >= DEV_OOF_PRECISION_FLOOR


def test_dev_set_severity_and_about_mostly_agree() -> None:
    signals = [(row, detect_crisis(row["text"])) for row in DEV if row["label"] == "1"]
    found = [(row, signal) for row, signal in signals if signal is not None]
    about = sum(signal.about == row["about"] for row, signal in found)
    acute = [(row, signal) for row, signal in found if row["severity"] == "acute"]
    assert about / len(found) >= ABOUT_FLOOR
    assert sum(signal.severity == "acute" for _, signal in acute) / len(acute) >= ACUTE_FLOOR


def test_the_speed_gates_never_change_a_result() -> None:
    for row in DEV:
        assert detect_crisis(row["text"]) == detect_crisis(row["text"], gated=False), row["category"]


@pytest.mark.parametrize(
    ("text", "severity", "about"),
    [
        ("i aften tager jeg alle mine piller", "acute", "self"),
        ("på fredag gør jeg det, jeg har besluttet mig", "acute", "self"),
        ("jeg står på broen lige nu", "acute", "self"),
        ("har taget 30 panodil", "acute", "self"),
        ("jeg har skrevet afskedsbreve til mine børn", "acute", "self"),
        ("han tog mig om halsen i aftes", "acute", "self"),
        ("jeg tager en kniv med i skole i morgen", "acute", "self"),
        ("jeg vil bare dø", "concern", "self"),
        ("alle ville have det bedre uden mig", "concern", "self"),
        ("jeg brænder mig selv med en lighter", "concern", "self"),
        ("I took a whole bottle of sleeping pills", "acute", "self"),
        ("im at the train tracks", "acute", "self"),
        ("I just want to go to sleep and never wake up", "concern", "self"),
        ("wanna kms fr", "concern", "self"),
        ("min søn har taget en masse piller", "acute", "other"),
        ("min veninde siger hun vil dø", "concern", "other"),
        ("my daughter is cutting herself", "concern", "other"),
        ("my brother is on the bridge and won't answer", "acute", "other"),
    ],
)
def test_severity_and_about(text: str, severity: str, about: str) -> None:
    signal = detect_crisis(text)
    assert signal is not None
    assert (signal.severity, signal.about) == (severity, about), signal.rules


@pytest.mark.parametrize(
    "text",
    [
        "For ti år siden havde jeg selvmordstanker, men i dag har jeg det godt og vil gerne være peer",
        "jeg skar i mig selv som ung. det er mange år siden, og nu har jeg det fint",
        "Ten years ago I attempted suicide. Today I'm doing well and want to give back.",
        "I used to self harm but I've been free of it for six years",
    ],
)
def test_past_and_recovered_gives_no_alarm(text: str) -> None:
    assert detect_crisis(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "For ti år siden havde jeg selvmordstanker, og nu er de kommet tilbage",
        "jeg havde det godt i mange år, men i nat skar jeg i mig selv igen",
        "I was suicidal years ago and got better, but lately I want to die again",
    ],
)
def test_a_present_signal_beside_a_past_one_still_fires(text: str) -> None:
    assert detect_crisis(text) is not None


def test_word_order_does_not_matter() -> None:
    """Danish puts the verb before the subject after a time adverbial: "i nat tager jeg mit liv"."""
    for text in ("jeg tager mit liv i nat", "i nat tager jeg mit liv", "i nat ta'r jeg mit liv"):
        signal = detect_crisis(text)
        assert signal is not None and signal.severity == "acute", text


def test_spelling_without_aeoeaa_and_doubled_letters_fold_together() -> None:
    assert fold_word("dø") == fold_word("doe") == fold_word("do")
    assert fold_word("skære") == fold_word("skaere") == fold_word("skare")
    assert fold_word("overstået") == fold_word("overstaet") == fold_word("overstaaet")
    assert fold_word("selvmoord") == fold_word("selvmord")
    for text in ("jeg vil do", "jeg vil doe", "jeg vil dø", "jeg vil bare døø"):
        assert detect_crisis(text) is not None, text


def test_normalise() -> None:
    assert normalise("ÆØÅ æøå Ää Öö") == "aeoeaa aeoeaa aeae oeoe"
    assert normalise("  Jeg   VIL\n\tdø  ") == "jeg vil doe"
    assert normalise("ＳＥＬＶＭＯＲＤ") == "selvmord"  # full-width letters, NFKC
    assert normalise("selv\u00admord") == "selvmord"  # soft hyphen
    assert normalise("don’t") == "don't"
    assert normalise("self–harm") == "self-harm"
    assert normalise("café naïve") == "cafe naive"
    assert normalise("") == ""


def test_rules_are_ids_never_text() -> None:
    marker = "qzxv"
    for text in (f"{marker} jeg vil dø {marker}", f"{marker} I want to kill myself {marker}", f"han slår mig {marker}"):
        signal = detect_crisis(text)
        assert signal is not None
        assert all(marker not in rule and rule in RULE_IDS for rule in signal.rules)
    for row in DEV:
        signal = detect_crisis(row["text"])
        if signal is not None:
            assert signal.rule == signal.rules[0]
            assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", rule) or rule in MODEL_RULE_IDS for rule in signal.rules)


def test_signal_is_frozen() -> None:
    signal = CrisisSignal("concern", "self", ("ideation.wish_die",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        signal.severity = "acute"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n", "😢", "🙂🙂🙂", "❤️‍🩹", "\u200b", "...", "?!"])
def test_empty_whitespace_and_emoji_only(text: str) -> None:
    assert detect_crisis(text) is None


def best_of_three(call: Callable[[], object]) -> float:
    """Seconds for the fastest of three runs: a guard against regex blow-up, not a benchmark (see bench/)."""
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    return min(timings)


FILLER = " ".join(row["text"] for row in DEV if row["label"] == "0")
LONG_TEXTS = {
    "ordinary": (FILLER * 10)[:5000],
    "repeated keywords": ("jeg vil ikke han har min mand i'm going to i aften på broen " * 100)[:5000],
    "one letter": "a" * 5000,
    "one long word": ("selvmords" * 556)[:5000],
    "apostrophes": "'" * 5000,
    "short words": "i " * 2500,
    "emoji": "😢 " * 2500,
}


@pytest.mark.parametrize("name", list(LONG_TEXTS))
def test_5000_characters_are_fast(name: str) -> None:
    text = LONG_TEXTS[name]
    assert len(text) >= 5000
    assert best_of_three(lambda: detect_crisis(text)) < 0.100


def test_crisis_in_the_middle_of_5000_characters() -> None:
    half = (FILLER * 10)[:2500]
    text = f"{half}. og ærligt talt vil jeg bare dø nu. {half}"
    signal = detect_crisis(text)
    assert signal is not None and "ideation.wish_die" in signal.rules
