"""Train the crisis detector's learned layer on tests/data/crisis_dev.csv and write bot/crisis_model.json.gz.

Run from the project root: .venv/bin/python scripts/train_crisis_model.py [--check]

Needs scikit-learn (the `dev` extra); the bot reads the written file in pure Python (bot/crisis_model.py).
Trains on the dev set ONLY. C and the pruning of tiny weights are chosen by stratified 5-fold cross-validation on
dev (the best precision at out-of-fold recall >= 0.95). How the model and the rules are combined (bot.safety's
combine: the vetoes of a rule's hit and the thresholds at which the model fires alone) is chosen by author: each
other author's batch is scored by a model trained without it, and the thresholds kept leave the worst batch
farthest above the targets (choose_combined_thresholds). The figures go into the file, and the 5-fold
out-of-fold probabilities into tests/data/crisis_dev_oof.csv (nan where the text is too short for the model), so
that bench/crisis.py reports the model's and the combined dev figures without in-sample scores. `--check` trains
again and fails when the shipped file differs.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.crisis_model import MODEL_FILE, preprocess  # noqa: E402
from bot.crisis_text import prepare  # noqa: E402
from bot.safety import read_rules  # noqa: E402

DEV = ROOT / "tests" / "data" / "crisis_dev.csv"
OOF = ROOT / "tests" / "data" / "crisis_dev_oof.csv"
SEED = 2026
C_GRID = (2.0, 4.0, 8.0)
PRUNE_GRID = (0.0, 0.04, 0.08)
TARGET_RECALL = 0.95
MIN_WORDS = 3  # the model reads texts of this many words or more; on fewer, the intercept would decide
CHAR_RANGE = (2, 5)
WORD_RANGE = (1, 2)
NB_ALPHA = 0.1  # smoothing of the naive Bayes ratio (tf-idf sums, so far below one count)
RULES_WORD_RANGE = (1, 3)  # words of the text as the rules read it: folded, key-word typos corrected
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
MIN_DF = 2  # an n-gram seen in one message only teaches nothing and would double the file
# Batches written by authors other than dev's first one (the `source` column): each is held out in turn.
HELD_AUTHORS = ("holdout", "new", "third", "extra", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "ordinary")
TARGET_PRECISION = 0.90  # with TARGET_RECALL: what rules and model together must reach on a writer never seen
# Precision is compared at one mix of messages: 160 crisis to 95 others, the mix of the sets issue #8 was measured on.
REFERENCE_MIX = (160, 95)
# The model may overrule a rule's hit only in a message of at most this many words (dev's longest has 91, and 95 % of
# its rows have 23 or fewer): in a long message one crisis sentence weighs too little in the whole.
VETO_MAX_WORDS = 60
VETO_GRID = tuple(step / 100 for step in range(0, 62, 2))  # 0 = the model never overrules a rule
# Without any word a rule is anchored on, the model alone needs to be nearly sure (1.01 = never), and the text at
# least OFF_TOPIC_MIN_WORDS words long: the short ones it was sure of, held out by author, were everyday answers
# ("det tror jeg", "ved det ikk"), the crisis messages it alone found there were longer.
OFF_TOPIC_GRID = (0.8, 0.85, 0.9, 0.95, 0.98, 1.01)
OFF_TOPIC_MIN_WORDS = 10
THRESHOLD_STEPS = tuple(step / 100 for step in range(20, 100, 5))
# Nor does it fire alone on fewer words than this: held out by author, its short hits were nearly all everyday
# answers ("nej ikke lige nu", "bye for now"); short crisis messages are the rules' to find.
ALONE_MIN_WORDS = 7


def load_dev() -> tuple[list[str], np.ndarray, list[dict[str, str]]]:
    with DEV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [row["text"] for row in rows], np.array([int(row["label"]) for row in rows]), rows


def pipeline(c: float) -> Pipeline:
    common: dict[str, Any] = {"preprocessor": preprocess, "lowercase": False, "sublinear_tf": True, "min_df": MIN_DF}
    union = FeatureUnion(
        [
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_RANGE, **common)),
            ("word", TfidfVectorizer(analyzer="word", ngram_range=WORD_RANGE, token_pattern=TOKEN_PATTERN, **common)),
            (
                "rules",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=RULES_WORD_RANGE,
                    token_pattern=TOKEN_PATTERN,
                    **{**common, "preprocessor": prepare},
                ),
            ),
        ]
    )
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, solver="liblinear", random_state=SEED)
    return Pipeline([("tfidf", union), ("nb", NaiveBayesScaling(NB_ALPHA)), ("lr", model)])


class NaiveBayesScaling(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Scale each feature by its naive Bayes log-count ratio before the regression (NB-LR, Wang & Manning 2012).

    An n-gram much likelier in crisis messages than in others starts with a larger say, which helped on other
    authors' batches held out by author. The scaling is folded into the shipped weights (`effective_weights`),
    so the bot's scorer does not change."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def fit(self, features: Any, labels: np.ndarray) -> NaiveBayesScaling:
        crisis = self.alpha + np.asarray(features[labels == 1].sum(axis=0)).ravel()
        other = self.alpha + np.asarray(features[labels == 0].sum(axis=0)).ravel()
        self.ratio_ = np.log((crisis / crisis.sum()) / (other / other.sum()))
        return self

    def transform(self, features: Any) -> Any:
        return features @ sparse.diags(self.ratio_)


def effective_weights(fitted: Pipeline) -> np.ndarray:
    """The weight of each tf-idf feature as the bot scores it: the regression's weight times the NB ratio."""
    return fitted.named_steps["lr"].coef_[0] * fitted.named_steps["nb"].ratio_


def prune(fitted: Pipeline, limit: float) -> None:
    """Zero every weight whose effect is smaller than `limit` in size, in place (scikit-learn then scores as the
    pruned file)."""
    fitted.named_steps["lr"].coef_[0][np.abs(effective_weights(fitted)) < limit] = 0.0


def out_of_fold(texts: list[str], labels: np.ndarray, c: float) -> dict[float, np.ndarray]:
    """Out-of-fold probabilities of every dev row, for each pruning limit."""
    result = {limit: np.zeros(len(texts)) for limit in PRUNE_GRID}
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    for train, test in folds.split(texts, labels):
        fitted = pipeline(c).fit([texts[i] for i in train], labels[train])
        held = [texts[i] for i in test]
        for limit in sorted(PRUNE_GRID):
            prune(fitted, limit)
            result[limit][test] = fitted.predict_proba(held)[:, 1]
    return result


def figures(labels: np.ndarray, fired: np.ndarray) -> dict[str, float | int]:
    tp = int(np.sum(fired & (labels == 1)))
    fp = int(np.sum(fired & (labels == 0)))
    positives = int(np.sum(labels == 1))
    return {
        "tp": tp,
        "fp": fp,
        "fn": positives - tp,
        "recall": round(tp / positives, 4) if positives else 1.0,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
    }


def choose_threshold(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The highest threshold (in steps of 0.01) with out-of-fold recall >= TARGET_RECALL."""
    for step in range(99, 0, -1):
        threshold = step / 100
        if figures(labels, probabilities >= threshold)["recall"] >= TARGET_RECALL:
            return threshold
    return 0.01


@dataclass(frozen=True)
class RulesView:
    """What the rules see in each row (bot/safety.py's read_rules) and whether the model may read it."""

    fired: np.ndarray
    soft: np.ndarray  # every hit only in the past, or a professional's or light-hearted message: the softer veto
    calm: np.ndarray  # judged past and recovered, or light-hearted: the model alone needs a higher threshold
    acute: np.ndarray
    readable: np.ndarray  # MIN_WORDS to VETO_MAX_WORDS words: the model may veto a rule's hit
    alone: np.ndarray  # MIN_WORDS words or more, and OFF_TOPIC_MIN_WORDS without a rule's word: it may fire alone
    topical: np.ndarray  # holding a word some rule is anchored on; elsewhere the model needs its off-topic threshold
    words: np.ndarray

    def subset(self, mask: np.ndarray) -> RulesView:
        return RulesView(*(getattr(self, name)[mask] for name in self.__dataclass_fields__))


def combined_threshold_array(view: RulesView, thresholds: dict[str, float]) -> np.ndarray:
    by_cue = np.where(view.acute, thresholds["acute"], thresholds["concern"])
    return np.where(view.topical, np.where(view.calm, thresholds["past"], by_cue), thresholds["off_topic"])


def combined_fires(probabilities: np.ndarray, view: RulesView, thresholds: dict[str, float]) -> np.ndarray:
    """What detect_crisis does: a rule's hit unless the model vetoes it, else the model alone at its threshold."""
    veto = np.where(view.soft, thresholds["soft_veto"], thresholds["veto"])
    kept = view.fired & ~(view.readable & (probabilities < veto))
    alone = ~view.fired & view.alone & (probabilities >= combined_threshold_array(view, thresholds))
    return kept | alone


def choose_combined_thresholds(
    labels: np.ndarray, probabilities: np.ndarray, view: RulesView, authors: np.ndarray
) -> dict[str, float]:
    """The vetoes and thresholds that keep every other author's batch farthest above the targets: the smallest of
    (recall - TARGET_RECALL) and (precision - TARGET_PRECISION) over the batches is made as large as it can be; ties
    go to the mean margin over the batches. Precision is taken at REFERENCE_MIX, since it falls as the share of
    other messages rises and the batches differ in it (35 % to 100 %). Every combination on the grids is tried: each
    threshold rules its own group of rows, so the found and false counts of a combination are sums of counts per
    group and value."""
    batches = np.array([authors == author for author in np.unique(authors)])  # batch x row
    crisis = labels == 1

    def counts(mask: np.ndarray, grid: tuple[float, ...]) -> np.ndarray:
        """value x batch x (crisis found, false alarms) for the rows of `mask` that fire at each value."""
        fired = mask & (probabilities[None, :] >= np.array(grid)[:, None])  # value x row
        found = (fired[:, None, :] & batches[None] & crisis).sum(axis=2)
        false = (fired[:, None, :] & batches[None] & ~crisis).sum(axis=2)
        return np.stack([found, false], axis=2)

    fired, readable, alone = view.fired, view.readable, view.alone & ~view.fired
    always = counts(fired & ~readable, (-np.inf,))[0]
    vetoed = counts(fired & readable & ~view.soft, VETO_GRID)
    soft_vetoed = counts(fired & readable & view.soft, VETO_GRID)
    topical = alone & view.topical
    by_cue = {
        "acute": counts(topical & ~view.calm & view.acute, THRESHOLD_STEPS),
        "concern": counts(topical & ~view.calm & ~view.acute, THRESHOLD_STEPS),
        "past": counts(topical & view.calm, THRESHOLD_STEPS),
    }
    off_topic = counts(alone & ~view.topical, OFF_TOPIC_GRID)
    steps = range(len(THRESHOLD_STEPS))
    triples = np.array([(a, c, p) for a in steps for c in steps for p in steps if a <= c <= p])
    cued = by_cue["acute"][triples[:, 0]] + by_cue["concern"][triples[:, 1]] + by_cue["past"][triples[:, 2]]
    positives = (batches & crisis).sum(axis=1)
    negatives = (batches & ~crisis).sum(axis=1)
    crisis_share, other_share = REFERENCE_MIX
    best: tuple[float, float, int, int, int, int] | None = None
    for veto in range(len(VETO_GRID)):
        for soft in range(veto, len(VETO_GRID)):
            for off in range(len(OFF_TOPIC_GRID)):
                total = always + vetoed[veto] + soft_vetoed[soft] + off_topic[off] + cued  # triple x batch x 2
                recall = np.where(positives > 0, total[:, :, 0] / np.maximum(positives, 1), 1.0)
                false_rate = np.where(negatives > 0, total[:, :, 1] / np.maximum(negatives, 1), 0.0)
                found = recall * crisis_share
                precision = np.where(found > 0, found / np.maximum(found + false_rate * other_share, 1e-12), 0.0)
                margins = np.minimum(recall - TARGET_RECALL, precision - TARGET_PRECISION)
                worst, mean = margins.min(axis=1), margins.mean(axis=1)
                index = int(np.lexsort((mean, worst))[-1])
                key = (float(worst[index]), float(mean[index]), veto, soft, off, index)
                if best is None or key[:2] > best[:2]:
                    best = key
    assert best is not None
    margin, _, veto, soft, off, index = best
    print(f"worst batch's margin above the targets {margin:.4f}", file=sys.stderr)
    acute, concern, past = (THRESHOLD_STEPS[i] for i in triples[index])
    return {
        "veto": VETO_GRID[veto],
        "soft_veto": VETO_GRID[soft],
        "acute": acute,
        "concern": concern,
        "past": past,
        "off_topic": OFF_TOPIC_GRID[off],
    }


def by_author_probabilities(
    texts: list[str], labels: np.ndarray, rows: list[dict[str, str]], c: float, limit: float
) -> np.ndarray:
    """Each row of another author's batch (the `source` column) scored by a model trained on every other row, so
    on a writer it never saw; NaN for dev's own rows."""
    sources = np.array([row["source"] for row in rows])
    result = np.full(len(texts), np.nan)
    for source in HELD_AUTHORS:
        held = np.where(sources == source)[0]
        if not len(held):
            continue
        kept = np.where(sources != source)[0]
        fitted = pipeline(c).fit([texts[i] for i in kept], labels[kept])
        prune(fitted, limit)
        result[held] = fitted.predict_proba([texts[i] for i in held])[:, 1]
    return result


def by_author(
    labels: np.ndarray,
    rows: list[dict[str, str]],
    held_out: np.ndarray,
    thresholds: dict[str, float],
    view: RulesView,
) -> dict[str, dict[str, Any]]:
    """Generalisation to another writer, per batch: the model alone (ungated, at the threshold without a cue) and
    combined with the rules as at run time. The rules were tuned on dev and have read the other batches' negatives,
    and the thresholds were chosen on these rows, so the figures are estimates, not a test."""
    sources = np.array([row["source"] for row in rows])
    result: dict[str, dict[str, Any]] = {}
    for source in HELD_AUTHORS:
        held = sources == source
        if not held.any():
            continue
        p = held_out[held]
        result[source] = {
            "rows": int(held.sum()),
            "model_alone_ungated": figures(labels[held], p >= thresholds["concern"]),
            "combined": figures(labels[held], combined_fires(p, view.subset(held), thresholds)),
        }
        print(f"by author, {source}: {result[source]}", file=sys.stderr)
    return result


def rules_views(texts: list[str]) -> RulesView:
    """As at run time: the model reads only texts of MIN_WORDS words or more, and may fire alone only on longer
    ones, at a threshold that depends on what the rules see."""
    readings = [read_rules(text) for text in texts]
    words = np.array([len(re.findall(TOKEN_PATTERN, preprocess(text))) for text in texts])
    topical = np.array([reading.topical for reading in readings])
    return RulesView(
        fired=np.array([bool(reading.hits) for reading in readings]),
        soft=np.array([reading.soft for reading in readings]),
        calm=np.array([reading.calm for reading in readings]),
        acute=np.array([reading.strong_cue for reading in readings]),
        readable=(words >= MIN_WORDS) & (words <= VETO_MAX_WORDS),
        alone=(words >= ALONE_MIN_WORDS) & (topical | (words >= OFF_TOPIC_MIN_WORDS)),
        topical=topical,
        words=words,
    )


def train() -> tuple[dict[str, Any], np.ndarray]:
    texts, labels, rows = load_dev()
    results = []
    for c in C_GRID:
        by_limit = out_of_fold(texts, labels, c)
        for limit, probabilities in by_limit.items():
            threshold = choose_threshold(labels, probabilities)
            scores = figures(labels, probabilities >= threshold)
            results.append((c, limit, threshold, scores, probabilities))
            print(f"C {c:>4}  prune {limit:<5}  threshold {threshold:.2f}  {scores}", file=sys.stderr)
    best_precision = max(scores["precision"] for _, _, _, scores, _ in results)
    # The best precision at the target recall; among settings within 0.003 of it, the largest pruning, then smallest C.
    c, limit, threshold, scores, probabilities = max(
        (r for r in results if r[3]["precision"] >= best_precision - 0.003), key=lambda r: (r[1], -r[0])
    )
    view = rules_views(texts)
    ungated_scores = scores
    # The thresholds are chosen where the rules were not tuned for recall and the model never saw the writer: the
    # other authors' batches, each scored by a model trained without it (leave one author out).
    held_out = by_author_probabilities(texts, labels, rows, c, limit)
    other = np.isin(np.array([row["source"] for row in rows]), HELD_AUTHORS)
    sources = np.array([row["source"] for row in rows])
    thresholds = choose_combined_thresholds(labels[other], held_out[other], view.subset(other), sources[other])
    combined = combined_fires(probabilities, view, thresholds)
    combined_scores = figures(labels, combined)
    model_only = view.alone & (probabilities >= combined_threshold_array(view, thresholds))
    scores = figures(labels, model_only)
    false_alarms = round(float(np.mean(model_only[labels == 0])), 4)
    print(f"shipped: C {c}, prune {limit}, thresholds {thresholds}: combined {combined_scores}", file=sys.stderr)
    past = view.calm & ~view.fired & view.alone
    past_negatives = probabilities[past & (labels == 0)].tolist()
    past_positives = int(np.sum(view.calm & ~view.fired & (labels == 1)))
    authors = by_author(labels, rows, held_out, thresholds, view)
    threshold, acute_threshold, past_threshold = thresholds["concern"], thresholds["acute"], thresholds["past"]
    # The out-of-fold probabilities as the bot reads them: NaN where the text is too short for the model.
    probabilities = np.where(view.words >= MIN_WORDS, probabilities, np.nan)
    fitted = pipeline(c).fit(texts, labels)
    prune(fitted, limit)
    union = fitted.named_steps["tfidf"]
    coef = effective_weights(fitted)
    documents = len(texts)
    parts = []
    offset = 0
    for name, analyzer, ngram_range, reads in (
        ("char", "char_wb", CHAR_RANGE, "text"),
        ("word", "word", WORD_RANGE, "text"),
        ("rules", "word", RULES_WORD_RANGE, "rules"),
    ):
        vectoriser = dict(union.transformer_list)[name]
        vocabulary = vectoriser.vocabulary_
        # idf = ln((1+n)/(1+df)) + 1, so df is recovered exactly as an integer.
        df = np.rint((1 + documents) / np.exp(vectoriser.idf_ - 1) - 1).astype(int)
        terms = {
            gram: [int(df[index]), float(f"{coef[offset + index]:.6g}")]
            for gram, index in sorted(vocabulary.items(), key=lambda item: item[1])
        }
        parts.append(
            {
                "name": name,
                "analyzer": analyzer,
                "reads": reads,
                "ngram_range": list(ngram_range),
                "token_pattern": TOKEN_PATTERN if analyzer == "word" else None,
                "terms": terms,
            }
        )
        offset += len(vocabulary)
    data = {
        "format": 1,
        "preprocessing": "lowercase; æ→ae, ø→oe, å→aa",
        "tfidf": "sublinear tf, smooth idf from df, L2 norm per vectoriser, then the union",
        "documents": documents,
        "min_df": MIN_DF,
        "intercept": float(fitted.named_steps["lr"].intercept_[0]),
        "threshold": threshold,
        "min_words": MIN_WORDS,
        "past_threshold": past_threshold,
        "off_topic_threshold": thresholds["off_topic"],
        "off_topic_min_words": OFF_TOPIC_MIN_WORDS,
        "alone_min_words": ALONE_MIN_WORDS,
        "acute_threshold": acute_threshold,
        "veto_threshold": thresholds["veto"],
        "soft_veto_threshold": thresholds["soft_veto"],
        "veto_max_words": VETO_MAX_WORDS,
        "cv": {
            "folds": 5,
            "seed": SEED,
            "C": c,
            "prune_below": limit,
            "out_of_fold": scores,
            "combined_out_of_fold": combined_scores,
            "combined_targets": {"recall": TARGET_RECALL, "precision": TARGET_PRECISION},
            "negatives_firing_out_of_fold": false_alarms,
            "min_words": MIN_WORDS,
            "without_the_word_gates_out_of_fold": ungated_scores,
            "negatives_judged_calm": len(past_negatives),
            "their_highest_probability": round(float(max(past_negatives, default=0.0)), 4),
            "crisis_rows_judged_calm": past_positives,
            "trained_on": "tests/data/crisis_dev.csv",
            "by_author": authors,
        },
        "vectorisers": parts,
    }
    return data, probabilities


def main() -> int:
    data, probabilities = train()
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    if "--check" in sys.argv:
        with gzip.open(MODEL_FILE, "rb") as handle:
            same = handle.read() == encoded
        print("the shipped model is what this script writes" if same else "the shipped model DIFFERS")
        return 0 if same else 1
    MODEL_FILE.write_bytes(gzip.compress(encoded, compresslevel=9, mtime=0))
    with OOF.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "probability"])
        writer.writerows([line, f"{p:.6f}"] for line, p in enumerate(probabilities, start=2))
    print(f"wrote {MODEL_FILE} ({MODEL_FILE.stat().st_size} bytes): {data['cv']}")
    print(
        f"thresholds: veto {data['veto_threshold']}, acute {data['acute_threshold']}, concern {data['threshold']}, "
        f"past {data['past_threshold']}, off topic {data['off_topic_threshold']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
