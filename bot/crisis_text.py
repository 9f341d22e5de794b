"""The text the crisis rules and the learned layer read: normalised, folded, with typos of key words corrected.

Both layers must see "dø", "doe" and "do", or "selvmord" and "selvmrod", as one word, so the folding lives here,
apart from the rules that use it (bot/safety.py) and the model that reads it (bot/crisis_model.py).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

_TRANSLATE: Final = str.maketrans(
    {
        "æ": "ae",
        "ø": "oe",
        "å": "aa",
        "ä": "ae",
        "ö": "oe",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "ʼ": "'",
        "′": "'",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "−": "-",
    }
)


def normalise(text: str) -> str:
    """Fold case, compatibility forms, æøå, accents, curly apostrophes, dashes and invisible characters.

    None of these may decide whether a person in crisis is heard.
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(_TRANSLATE)
    if not text.isascii():  # the slow path only for what is left after æøå: accents, emoji, format characters
        decomposed = unicodedata.normalize("NFKD", text)
        kept = "".join(
            c for c in decomposed if c < "\x80" or (not unicodedata.combining(c) and unicodedata.category(c) != "Cf")
        )
        text = unicodedata.normalize("NFC", kept)
    return " ".join(text.split())


_DOUBLE: Final = re.compile(r"([a-z])\1+")
_VOWEL_PAIRS: Final = re.compile(r"ae|oe|aa")


def fold_word(word: str) -> str:
    """One spelling for the many ways æøå and doubled letters are typed: "dø"/"doe"/"do" → "do"."""
    word = word.translate(_TRANSLATE)
    folded = _VOWEL_PAIRS.sub(lambda match: match.group()[0], word)
    while folded != word:  # "overstaaet" and "overstaet" must both end as "overstat"
        word, folded = folded, _VOWEL_PAIRS.sub(lambda match: match.group()[0], folded)
    return _DOUBLE.sub(r"\1", word)


# Key words worth correcting typos in: long and distinctive enough that one edit does not reach another word.
_KEY_WORDS: Final = (
    "selvmord",
    "selvmordet",
    "selvmordstanker",
    "selvmordstanke",
    "selvmordsforsoeg",
    "selvmordstruet",
    "selvskade",
    "selvskadende",
    "suicide",
    "suicidal",
    "overdosis",
    "ihjel",
    "afskedsbrev",
    "sovepiller",
)
_SQUEEZED_KEYS: Final = tuple((key, _DOUBLE.sub(r"\1", key)) for key in _KEY_WORDS)


def _within_edits(a: str, b: str, limit: int) -> bool:
    """Optimal string alignment distance (insert, delete, substitute, swap neighbours) of at most `limit`."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return False
        previous2, previous = previous, current
    return previous[-1] <= limit


@lru_cache(maxsize=8192)
def _correct(word: str) -> str:
    """Return the key word `word` is a typo of, or `word` itself."""
    squeezed = _DOUBLE.sub(r"\1", word)
    for key, squeezed_key in _SQUEEZED_KEYS:
        if squeezed == squeezed_key:
            return key
    for key, squeezed_key in _SQUEEZED_KEYS:
        limit = 1 if len(squeezed_key) < 12 else 2
        if squeezed[0] == squeezed_key[0] and _within_edits(squeezed, squeezed_key, limit):
            return key
    return word


_WORD_RUN: Final = re.compile(r"[a-z0-9]+")


def prepare(text: str) -> str:
    """The text the rules read: normalised, key-word typos corrected, folded, apostrophes dropped."""
    return _WORD_RUN.sub(lambda match: _prepare_word(match.group()), normalise(text).replace("'", ""))


@lru_cache(maxsize=16384)
def _prepare_word(word: str) -> str:
    return fold_word(_correct(word) if len(word) >= 4 else word)
