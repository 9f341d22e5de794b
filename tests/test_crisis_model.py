"""The learned layer: the pure-Python scorer equals scikit-learn, and the shipped file is what the script trains."""

from __future__ import annotations

import copy
import gzip
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.feature_extraction.text import TfidfVectorizer

from bot.crisis_model import MODEL_FILE, char_wb_ngrams, from_data, known_word_ngrams, load_model, word_ngrams
from bot.safety import combine, detect_crisis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import train_crisis_model as training  # noqa: E402

SHIPPED = json.loads(gzip.decompress(MODEL_FILE.read_bytes()))
TEXTS, LABELS, ROWS = training.load_dev()


@pytest.fixture(scope="module")
def fitted():
    """The pipeline the script ships, trained with the CV-chosen settings, its weights set to the file's."""
    pipeline = training.pipeline(SHIPPED["cv"]["C"]).fit(TEXTS, LABELS)
    training.prune(pipeline, SHIPPED["cv"]["prune_below"])
    return pipeline


@pytest.mark.parametrize(
    "text", ["", "a", "ab c  d\te\n fghijk", "   x  ", "æøå pølse 12 3", "I'm  ok!! 🙂 kms", "jeg-vil_dø nu.\u00a0ja"]
)
def test_the_analysers_are_scikit_learns(text: str) -> None:
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False).build_analyzer()
    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), lowercase=False).build_analyzer()
    assert sorted(char_wb_ngrams(text, 2, 5)) == sorted(char(text))
    assert sorted(word_ngrams(text, re.compile(training.TOKEN_PATTERN), 1, 2)) == sorted(word(text))


def test_known_word_ngrams_are_the_known_ones_of_all_word_ngrams() -> None:
    """Only n-grams whose shorter prefix is known are built; a vocabulary closed under prefixes loses nothing."""
    tokens = ["jeg", "vil", "ikke", "mere", "jeg", "vil", "ikke", "leve", "mere"]
    pattern = re.compile(training.TOKEN_PATTERN)
    every = word_ngrams(" ".join(tokens), pattern, 1, 3)
    terms = {"jeg", "vil", "ikke", "leve", "jeg vil", "vil ikke", "ikke leve", "jeg vil ikke", "vil ikke leve"}
    assert sorted(known_word_ngrams(tokens, terms, 3)) == sorted(gram for gram in every if gram in terms)


def test_pure_python_probability_equals_scikit_learn_on_every_dev_row(fitted) -> None:
    fitted = copy.deepcopy(fitted)  # its weights are set to the file's below
    union = fitted.named_steps["tfidf"]
    coef = fitted.named_steps["lr"].coef_[0]
    offset = 0
    for part in SHIPPED["vectorisers"]:  # score with exactly the file's (rounded) weights
        for gram, (_, weight) in part["terms"].items():
            index = dict(union.transformer_list)[part["name"]].vocabulary_[gram]
            coef[offset + index] = weight
        offset += len(part["terms"])
    fitted.named_steps["nb"].ratio_[:] = 1.0  # the file's weights already hold the naive Bayes ratios
    fitted.named_steps["lr"].intercept_[0] = SHIPPED["intercept"]
    expected = fitted.predict_proba(TEXTS)[:, 1]
    model = from_data(SHIPPED)
    actual = np.array([model.probability(text) for text in TEXTS])
    assert np.max(np.abs(actual - expected)) < 1e-6


def test_the_shipped_file_is_what_the_training_produces(fitted) -> None:
    """Same vocabulary, document frequencies and intercept; every weight within its rounding to 6 digits."""
    union = fitted.named_steps["tfidf"]
    coef = training.effective_weights(fitted)
    assert SHIPPED["intercept"] == pytest.approx(float(fitted.named_steps["lr"].intercept_[0]), abs=1e-9)
    offset = 0
    assert [part["name"] for part in SHIPPED["vectorisers"]] == [name for name, _ in union.transformer_list]
    for part in SHIPPED["vectorisers"]:
        vocabulary = dict(union.transformer_list)[part["name"]].vocabulary_
        assert set(part["terms"]) == set(vocabulary)
        for gram, (_, weight) in part["terms"].items():
            assert weight == pytest.approx(coef[offset + vocabulary[gram]], rel=1e-5, abs=1e-12)
        offset += len(vocabulary)
    assert SHIPPED["documents"] == len(TEXTS)
    assert SHIPPED["cv"]["C"] in training.C_GRID
    assert SHIPPED["cv"]["without_the_word_gates_out_of_fold"]["recall"] >= training.TARGET_RECALL
    assert SHIPPED["acute_threshold"] <= SHIPPED["threshold"] <= SHIPPED["past_threshold"] < 1
    assert set(SHIPPED["cv"]["by_author"]) == set(training.HELD_AUTHORS)
    assert MODEL_FILE.stat().st_size < 3_000_000


def test_a_model_hit_names_its_band_and_never_text() -> None:
    text = "har skrevet en seddel til min kæreste om hvor nøglerne ligger og at han ikke skal lede efter mig qzxv"
    signal = detect_crisis(text)
    assert signal is not None
    assert signal.rules[0].startswith("model.p")
    assert all("qzxv" not in rule for rule in signal.rules)


@pytest.mark.parametrize(
    ("text", "acute"),
    [
        ("vi gik en tur over broen i går", True),  # a dangerous place: a cue of acuteness, no rule fires
        ("jeg tænker tit på min hund og hvad hun betyder", False),  # a word the rules are anchored on, no cue
    ],
)
def test_the_model_alone_fires_at_its_threshold_and_not_below(text: str, acute: bool) -> None:
    model = load_model()
    threshold = model.threshold_for(acute=acute, calm=False, topical=True, words=model.words(text))
    assert threshold == (model.acute_threshold if acute else model.threshold)
    assert combine(text, threshold) is not None
    assert combine(text, threshold - 0.01) is None


def test_a_cue_of_acuteness_lowers_the_threshold_and_calm_raises_it() -> None:
    model = load_model()
    assert model.acute_threshold <= model.threshold <= model.past_threshold < 1
    assert model.veto_threshold <= model.soft_veto_threshold


def test_the_model_alone_never_fires_on_a_short_text() -> None:
    model = load_model()
    short = "jeg vil bare væk fra det"
    assert model.words(short) < model.alone_min_words
    assert combine(short, 1.0) is None


def test_without_a_word_the_rules_are_anchored_on_the_model_needs_a_long_text_and_its_highest_threshold() -> None:
    model = load_model()
    medium = "jeg har haft en lang dag og skal hjem"
    assert model.alone_min_words <= model.words(medium) < model.off_topic_min_words
    assert combine(medium, 1.0) is None
    long = "jeg har haft en lang dag på arbejde og skal bare hjem nu"
    assert model.words(long) >= model.off_topic_min_words
    assert combine(long, model.off_topic_threshold) is not None
    assert combine(long, model.off_topic_threshold - 0.01) is None


def test_the_model_vetoes_a_rule_only_when_nearly_sure_and_only_in_a_short_message() -> None:
    model = load_model()
    text = "Jeg har tænkt på selvmord hele ugen, og det bliver ikke bedre"
    assert combine(text, None) is not None
    assert combine(text, model.veto_threshold) is not None
    if model.veto_threshold > 0:
        assert combine(text, model.veto_threshold - 0.01) is None
    long = text + ". " + " ".join(["Jeg har været på arbejde og hjemme igen"] * 10)
    assert model.words(long) > model.veto_max_words
    assert combine(long, 0.0) is not None


def test_a_hit_only_in_the_past_is_vetoed_more_easily() -> None:
    model = load_model()
    past = "Engang skar jeg i mig selv, men det er mange år siden"
    assert combine(past, model.soft_veto_threshold) is not None
    assert combine(past, model.soft_veto_threshold - 0.01) is None


def test_past_and_recovered_needs_the_higher_threshold() -> None:
    model = load_model()
    past = "For ti år siden havde jeg selvmordstanker, men i dag har jeg det godt og vil gerne være peer"
    assert combine(past, model.past_threshold - 0.01) is None
    assert combine(past, model.past_threshold) is not None


@pytest.mark.parametrize(
    ("text", "probability", "severity"),
    [
        ("i aften går jeg en tur over broen", 0.5, "acute"),  # a cue of acuteness
        ("jeg tænker tit på min hund og hvad hun betyder", 0.5, "concern"),
        ("jeg tænker tit på min hund og hvad hun betyder", 0.95, "acute"),  # the model is nearly sure
    ],
)
def test_a_model_hit_is_acute_with_a_cue_of_acuteness_or_when_the_model_is_nearly_sure(
    text: str, probability: float, severity: str
) -> None:
    signal = combine(text, probability)
    assert signal is not None and signal.severity == severity


def test_a_model_hit_about_a_third_person_is_about_them() -> None:
    signal = combine("min bror skriver at han vil væk fra det hele", 0.99)
    assert signal is not None and signal.about == "other"
    signal = combine("jeg vil bare væk fra det hele nu", 0.99)
    assert signal is not None and signal.about == "self"


@pytest.mark.parametrize(
    "text",
    [
        "/krise",
        "/crisis@makker_bot",
        "🙂",
        "?!",
        "...",
        "tak",
        "hej",
        "hello",
        "tak for hjælpen, det var rart",
        "hvornår får jeg svar på min anmodning",
        "jeg vil gerne snakke med en der har prøvet det samme",
        "thanks, see you",
    ],
)
def test_commands_short_and_everyday_texts_do_not_fire(text: str) -> None:
    """Everyday messages the model alone scored at 0.5-0.95: why it may fire alone only on a text of three words or
    more that holds a word some rule is anchored on."""
    assert detect_crisis(text) is None
