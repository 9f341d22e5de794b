"""The crisis detector: every row of the labelled table, normalisation, rule ids, odd input and speed."""

from __future__ import annotations

import csv
import dataclasses
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.safety import PHRASES, RULE_IDS, CrisisSignal, detect_crisis, normalise

TABLE = Path(__file__).parent / "data" / "crisis_phrases.csv"
CATEGORIES = {"suicide", "self_harm", "acute_danger", "harm_others"}


def load_rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ROWS = load_rows()


def test_table_has_the_promised_shape() -> None:
    assert list(ROWS[0]) == ["text", "expected", "category", "language", "note"]
    positives = [row for row in ROWS if row["expected"] == "1"]
    negatives = [row for row in ROWS if row["expected"] == "0"]
    assert len(ROWS) >= 80
    assert len(positives) >= 45
    assert len(negatives) >= 30
    assert len(positives) + len(negatives) == len(ROWS), "expected must be 1 or 0"
    assert {row["category"] for row in positives} == CATEGORIES, "every category needs at least one row"
    assert all(row["category"] == "" for row in negatives)
    assert {row["language"] for row in ROWS} >= {"da", "en"}
    assert all(row["note"] for row in ROWS), "a note is what the benchmark prints for a miss"
    assert len({row["text"] for row in ROWS}) == len(ROWS), "duplicate text"


@pytest.mark.parametrize("row", ROWS, ids=[f"{number:03d}-{row['note'][:40]}" for number, row in enumerate(ROWS, 2)])
def test_every_table_row(row: dict[str, str]) -> None:
    signal = detect_crisis(row["text"])
    if row["expected"] == "1":
        assert signal is not None, f"missed: {row['note']}"
        assert signal.category == row["category"], f"{row['note']}: fired as {signal.category} by {signal.rule}"
    else:
        assert signal is None, f"false alarm by {signal.rule if signal else ''}: {row['note']}"


# Every form the brief names, with and without æøå, must fire.
@pytest.mark.parametrize(
    "text",
    [
        "selvmord",
        "selvmordstanker",
        "tage mit eget liv",
        "tage mit liv",
        "vil ikke leve mere",
        "orker ikke at leve",
        "har lyst til at dø",
        "vil dø",
        "ønsker at dø",
        "onsker at do",
        "oensker at doe",
        "gøre en ende på det",
        "gore en ende pa det",
        "slå mig selv ihjel",
        "sla mig selv ihjel",
        "skære i mig selv",
        "cutter",
        "kill myself",
        "killing myself",
        "suicidal",
        "want to die",
        "end my life",
        "end it all",
        "don't want to live",
        "dont want to be alive",
        "hurt myself",
        "self harm",
        "han slår mig",
        "er bange for at han slår mig ihjel",
        "he is going to kill me",
        "i'm not safe",
        "jeg er i fare",
        "overdosis",
        "tage alle mine piller",
        "selvmor",
        "selvmoord",
        "sellvmord",
    ],
)
def test_named_forms_fire(text: str) -> None:
    assert detect_crisis(text) is not None


def test_exclusion_masks_only_its_own_span() -> None:
    assert detect_crisis("jeg har taget et kursus i selvmordsforebyggelse") is None
    signal = detect_crisis("kursus i selvmordsforebyggelse, men nu vil jeg selv dø")
    assert signal == CrisisSignal("suicide", "suicide.da.want_die")


def test_category_of_acute_danger_wins_over_the_words_it_shares_with_suicide() -> None:
    """ "han slår mig ihjel" is someone else's violence, "jeg vil slå mig ihjel" is the writer's own plan."""
    assert detect_crisis("jeg er bange for at han slår mig ihjel") == CrisisSignal(
        "acute_danger", "acute_danger.da.violence"
    )
    assert detect_crisis("jeg vil slå mig ihjel") == CrisisSignal("suicide", "suicide.da.kill_self")
    assert detect_crisis("jeg vil slå ham ihjel") == CrisisSignal("harm_others", "harm_others.da.kill")


def test_normalise() -> None:
    assert normalise("ÆØÅ æøå Ää Öö") == "aeoeaa aeoeaa aeae oeoe"
    assert normalise("  Jeg   VIL\n\tdø  ") == "jeg vil doe"
    assert normalise("ＳＥＬＶＭＯＲＤ") == "selvmord"  # full-width letters, NFKC
    assert normalise("selv\u00admord") == "selvmord"  # soft hyphen
    assert normalise("don’t") == "don't"
    assert normalise("self–harm") == "self-harm"
    assert normalise("café naïve") == "cafe naive"
    assert normalise("Straße") == "strasse"
    assert normalise("") == ""


def test_normalise_is_idempotent() -> None:
    for row in ROWS:
        once = normalise(row["text"])
        assert normalise(once) == once


def test_rule_is_a_table_id_never_the_text() -> None:
    marker = "qzxv"
    for text in (f"{marker} jeg vil dø {marker}", f"{marker} I want to kill myself {marker}", f"han slår mig {marker}"):
        signal = detect_crisis(text)
        assert signal is not None
        assert marker not in signal.rule
        assert signal.rule in RULE_IDS
    for row in ROWS:
        signal = detect_crisis(row["text"])
        if signal is not None:
            assert signal.rule in RULE_IDS
            assert re.fullmatch(r"[a-z_]+\.(?:da|en|any)\.[a-z_]+", signal.rule)


def test_phrase_table_is_well_formed() -> None:
    rules = [phrase.rule for phrase in PHRASES]
    assert len(rules) == len(set(rules)), "rule ids must be unique"
    for phrase in PHRASES:
        assert phrase.rule.split(".")[0] == phrase.kind
        assert phrase.kind in CATEGORIES | {"exclude"}
    kinds = [phrase.kind for phrase in PHRASES]
    assert kinds.index("exclude") == 0
    assert "exclude" not in kinds[kinds.index("acute_danger") :], "exclusions come first, clearly marked"


def test_signal_is_frozen() -> None:
    signal = CrisisSignal("suicide", "suicide.da.word")
    with pytest.raises(dataclasses.FrozenInstanceError):
        signal.category = "self_harm"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n", "😢", "🙂🙂🙂", "❤️‍🩹", "\u200b", "...", "?!"])
def test_empty_whitespace_and_emoji_only(text: str) -> None:
    assert detect_crisis(text) is None


def best_of_three(call: Callable[[], object]) -> float:
    """Seconds for the fastest of three runs: a guard against regex blow-up, not a benchmark."""
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    return min(timings)


FILLER = " ".join(row["text"] for row in ROWS if row["expected"] == "0")
LONG_TEXTS = {
    "ordinary": (FILLER * 10)[:5000],
    "repeated keywords": ("jeg vil ikke han har min mand i'm going to " * 200)[:5000],
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
    assert best_of_three(lambda: detect_crisis(text)) < 0.050


def test_crisis_phrase_in_the_middle_of_5000_characters() -> None:
    half = (FILLER * 10)[:2500]
    text = f"{half} og ærligt talt vil jeg bare dø nu {half}"
    assert detect_crisis(text) == CrisisSignal("suicide", "suicide.da.want_die")
    assert detect_crisis((FILLER * 10)[:5000]) is None
    assert best_of_three(lambda: detect_crisis(text)) < 0.050
