"""The word prefilter: a pattern it rules out for a text never matches that text, and plain word lists are exact."""

from __future__ import annotations

import re

import pytest

from bot.word_prefilter import Prefilter, pattern_start


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)")


PATTERNS = [
    _compile(r"selvmord\w*|suicid\w*"),  # the parser moves the common "s" out of the branch
    _compile(r"\w*piller\w*|pil"),
    _compile(r"(?:tage|tager)(?:\W+\w+){0,2}\W+(?:mit liv|livet af mig)"),  # the rarer later part is required
    _compile(r"hvor mange|how many"),
    _compile(r"\d+ piller"),  # a digit class first: the whole word "piller" after it is required
    _compile(r"\d+ \w+"),  # nothing literal: always searched
]
TEXTS = [
    "jeg tænker på selvmord",
    "selvmordstanker igen",
    "sovepillerne ligger i skuffen",
    "en pil i hjertet",
    "i nat tager jeg mit liv",
    "tager du livet af mig",
    "hvor mange skal man tage",
    "how many does it take",
    "30 piller",
    "vi tager toget i morgen",
    "hej med dig",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_pattern_ruled_out_never_matches_and_a_sure_one_always_does(text: str) -> None:
    prefilter = Prefilter(PATTERNS)
    possible, sure = prefilter.candidates(text)
    for bit, pattern in enumerate(PATTERNS):
        matches = pattern.search(text) is not None
        if matches:
            assert possible >> bit & 1, (pattern.pattern, text)
        if sure >> bit & 1:
            assert matches, (pattern.pattern, text)


def test_plain_word_lists_are_decided_without_a_search() -> None:
    prefilter = Prefilter(PATTERNS)
    assert prefilter.candidates("selvmordstanker")[1] & 1
    assert prefilter.candidates("sovepillerne")[1] >> 1 & 1
    assert not prefilter.candidates("vi tager toget")[0] >> 2 & 1  # "tager" alone is not enough


def test_what_a_match_must_begin_with() -> None:
    assert pattern_start(_compile(r"selvmord\w*|suicid\w*")) == {("p", "selvmord"), ("p", "suicid")}
    assert pattern_start(_compile(r"\d+ piller")) == {("w", "piller")}
    assert pattern_start(_compile(r"\d+ \w+")) is None
    assert Prefilter(PATTERNS).unfiltered == 1
