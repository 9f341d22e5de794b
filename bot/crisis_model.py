"""The learned layer of the crisis detector: a logistic regression over TF-IDF n-grams, scored in pure Python.

Hand-written rules miss wordings their authors never thought of; a linear model over character n-grams degrades
more gently on new wordings, spellings and inflections. It is trained by `scripts/train_crisis_model.py` on
tests/data/crisis_dev.csv only, and shipped as a small data file (`crisis_model.json.gz`): per vectoriser the
n-gram -> (document frequency, weight) table, the intercept, the threshold and the preprocessing settings.

It reads the text twice: lowercased with æøå spelled out (character and word n-grams), and as the rules read it
(bot/crisis_text.py: folded, typos of key words corrected; word n-grams). The training scales each feature by its
naive Bayes ratio before the regression and folds that ratio into the shipped weights, so scoring is unchanged.

This module reproduces scikit-learn's `TfidfVectorizer` exactly (char_wb padding, n-gram ranges, the token
pattern, sublinear tf, smooth idf, L2 norm per vectoriser, then the union) and the logistic score, so the bot needs
neither numpy nor scikit-learn at run time; tests/test_crisis_model.py checks the probabilities against
scikit-learn's to 1e-6.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Container
from dataclasses import dataclass, field
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any, Final

from bot.crisis_text import prepare

MODEL_FILE: Final = Path(__file__).with_name("crisis_model.json.gz")
_WORD_CACHE: Final = 20_000  # distinct words kept with their known n-grams: about 5 MB at most
_SUBLINEAR_KEPT: Final = 256
_SUBLINEAR: Final = (0.0, *(1.0 + math.log(count) for count in range(1, _SUBLINEAR_KEPT)))  # sublinear tf
_FOLD: Final = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})


def preprocess(text: str) -> str:
    """Lowercase, and æ→ae, ø→oe, å→aa, so that "dø" and "doe" share their n-grams."""
    return text.lower().translate(_FOLD)


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's `char_wb` analyser: n-grams inside each word padded with one space on either side.

    A word shorter than an n (with its padding) counts once, whole, and no longer n-grams are taken of it."""
    grams: list[str] = []
    for word in text.split():  # splitting on any whitespace is what scikit-learn's squeezing then split() does
        padded = f" {word} "
        length = len(padded)
        grams += [
            padded[start : start + n] for n in range(low, min(high, length - 1) + 1) for start in range(length - n + 1)
        ]
        if length <= high:
            grams.append(padded)
    return grams


def word_ngrams(text: str, pattern: re.Pattern[str], low: int, high: int) -> list[str]:
    """scikit-learn's `word` analyser: tokens by the token pattern, then n-grams of them joined by a space."""
    tokens = pattern.findall(text)
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams.extend(" ".join(tokens[start : start + n]) for start in range(len(tokens) - n + 1))
    return grams


def known_word_ngrams(tokens: list[str], terms: Container[str], high: int) -> list[str]:
    """The word 1- to `high`-grams of the tokens that are in `terms`, each as often as it occurs.

    An n-gram in the vocabulary (seen in at least min_df messages) has its first n-1 words in the vocabulary too,
    so only those are extended: the same n-grams as `word_ngrams` filtered, without building the unknown ones."""
    found = [token for token in tokens if token in terms]
    starts = [start for start, token in enumerate(tokens) if token in terms]
    for n in range(2, high + 1):
        alive = []
        for start in starts:
            if start + n <= len(tokens):
                gram = " ".join(tokens[start : start + n])
                if gram in terms:
                    found.append(gram)
                    alive.append(start)
        starts = alive
    return found


@dataclass(frozen=True)
class _Vectoriser:
    analyzer: str
    reads: str  # "text": lowercased and æøå spelled out; "rules": the text as the rules read it (bot/crisis_text.py)
    low: int
    high: int
    token_pattern: re.Pattern[str] | None
    terms: dict[str, tuple[float, float]]  # n-gram -> (idf squared, weight with the idf folded in)
    canonical: dict[str, str] = field(compare=False, repr=False)  # n-gram -> the same string, the vocabulary's own
    # char_wb n-grams never cross a word, so each distinct word's known n-grams are found once and kept.
    known_in_word: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    def counts(self, text: str) -> Counter[str]:
        """How often each known n-gram occurs in the text (unknown n-grams count for nothing)."""
        terms = self.terms
        if self.analyzer != "char_wb":
            assert self.token_pattern is not None and self.low == 1
            return Counter(known_word_ngrams(self.token_pattern.findall(text), terms, self.high))
        known = self._known
        return Counter(chain.from_iterable(known(word) * times for word, times in Counter(text.split()).items()))

    def _known(self, word: str) -> tuple[str, ...]:
        """The known n-grams of one word, each as often as it occurs in it."""
        known = self.known_in_word.get(word)
        if known is None:
            # The vocabulary's own string objects are kept, not the fresh slices, so a cached word costs a few
            # pointers per n-gram.
            canonical = self.canonical
            known = tuple(
                gram for gram in map(canonical.get, char_wb_ngrams(word, self.low, self.high)) if gram is not None
            )
            if len(self.known_in_word) >= _WORD_CACHE:
                self.known_in_word.clear()
            self.known_in_word[word] = known
        return known

    def score(self, text: str) -> float:
        """w · x for this vectoriser's L2-normalised sublinear tf-idf vector x."""
        terms = self.terms
        squares = dot = 0.0
        for gram, count in self.counts(text).items():
            idf_squared, weight = terms[gram]
            tf = _SUBLINEAR[count] if count < _SUBLINEAR_KEPT else 1.0 + math.log(count)
            squares += tf * tf * idf_squared
            dot += tf * weight
        return dot / math.sqrt(squares) if squares else 0.0


@dataclass(frozen=True)
class CrisisModel:
    """The shipped model: the union of the vectorisers, a logistic score and the decision thresholds."""

    vectorisers: tuple[_Vectoriser, ...]
    intercept: float
    threshold: float  # a message without a cue of acuteness
    past_threshold: float  # a calm message: the rules judge it past and recovered, or it laughs without a "not a joke"
    acute_threshold: float  # a message with a cue of acuteness (a time, a dangerous place, a weapon, pills counted)
    off_topic_threshold: float  # a text without any word a rule is anchored on (above 1: never) ...
    off_topic_min_words: int  # ... and of at least this many words
    alone_min_words: int  # the model never fires alone on fewer words
    veto_threshold: float  # below this the model overrules a rule's hit (a word in a story, not a signal)
    soft_veto_threshold: float  # the same for soft hits: only in the past, or a professional's or light message
    veto_max_words: int  # in a longer message one crisis sentence weighs too little in the whole to be overruled
    min_words: int
    cv: dict[str, Any]

    def threshold_for(self, *, acute: bool, calm: bool, topical: bool, words: int) -> float:
        """The probability at which the model may fire alone: higher in a calm message (judged past and recovered,
        or light-hearted), lower beside a cue of acuteness, where a miss costs most (all chosen on other authors'
        batches, each scored by a model that never saw its writer). A text without any word a rule is anchored on
        needs its own threshold and more words; a short text never fires alone (everyday answers)."""
        if words < self.alone_min_words or (not topical and words < self.off_topic_min_words):
            return math.inf
        if not topical:
            return self.off_topic_threshold
        if calm:
            return self.past_threshold
        return self.acute_threshold if acute else self.threshold

    def probability(self, text: str, *, rules_text: str | None = None) -> float:
        """scikit-learn's predict_proba for the crisis class. `rules_text` is the text as the rules read it, when
        the caller has it already (bot/crisis_text.py's prepare)."""
        readings = {"text": preprocess(text)}
        if any(vectoriser.reads == "rules" for vectoriser in self.vectorisers):
            readings["rules"] = prepare(text) if rules_text is None else rules_text
        decision = self.intercept + sum(vectoriser.score(readings[vectoriser.reads]) for vectoriser in self.vectorisers)
        return _logistic(decision)

    def words(self, text: str) -> int:
        """How many words the model counts in the text."""
        words = next(v for v in self.vectorisers if v.analyzer == "word" and v.reads == "text")
        assert words.token_pattern is not None
        return len(words.token_pattern.findall(preprocess(text)))

    def readable_probability(self, text: str, *, rules_text: str | None = None) -> float | None:
        """The probability, or None for a text of fewer than `min_words` words ("🙂", "tak", "/krise"): there the
        intercept, which leans towards crisis because the classes are balanced, would decide."""
        return self.probability(text, rules_text=rules_text) if self.words(text) >= self.min_words else None

    def vetoes(self, probability: float, *, soft: bool, words: int) -> bool:
        """Whether the model overrules the rules' hits in this text: it is nearly sure there is no crisis (less sure
        where the hits are soft: only in the past, or in a professional's or light-hearted message), and the
        message is short enough for its whole to speak for the sentence that fired."""
        threshold = self.soft_veto_threshold if soft else self.veto_threshold
        return probability < threshold and words <= self.veto_max_words


def _logistic(decision: float) -> float:
    if decision >= 0:
        return 1.0 / (1.0 + math.exp(-decision))
    odds = math.exp(decision)
    return odds / (1.0 + odds)


def from_data(data: dict[str, Any]) -> CrisisModel:
    """Build the model from the shipped data (n-gram -> [document frequency, weight]; idf = ln((1+n)/(1+df)) + 1,
    scikit-learn's smooth idf)."""
    documents = data["documents"]
    vectorisers = []
    for part in data["vectorisers"]:
        terms: dict[str, tuple[float, float]] = {}
        for gram, (df, weight) in part["terms"].items():
            idf = math.log((1 + documents) / (1 + df)) + 1.0
            terms[gram] = (idf * idf, weight * idf)  # the norm needs the idf alone, the score the folded weight
        vectorisers.append(
            _Vectoriser(
                analyzer=part["analyzer"],
                reads=part["reads"],
                low=part["ngram_range"][0],
                high=part["ngram_range"][1],
                token_pattern=re.compile(part["token_pattern"]) if part.get("token_pattern") else None,
                terms=terms,
                canonical={gram: gram for gram in terms},
            )
        )
    return CrisisModel(
        vectorisers=tuple(vectorisers),
        intercept=data["intercept"],
        threshold=data["threshold"],
        past_threshold=data["past_threshold"],
        acute_threshold=data.get("acute_threshold", data["threshold"]),
        veto_threshold=data["veto_threshold"],
        off_topic_threshold=data["off_topic_threshold"],
        off_topic_min_words=data["off_topic_min_words"],
        alone_min_words=data["alone_min_words"],
        soft_veto_threshold=data["soft_veto_threshold"],
        veto_max_words=data["veto_max_words"],
        min_words=data["min_words"],
        cv=data.get("cv", {}),
    )


@cache
def load_model(path: Path = MODEL_FILE) -> CrisisModel:
    """The shipped model, read once."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return from_data(json.load(handle))
