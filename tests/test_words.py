"""Topics named in a person's own words: found in any inflection and spelling, common words not mistaken."""

from __future__ import annotations

import pytest

from bot.intake import Answers, unchosen_topics
from matching.taxonomy import TargetGroup
from matching.words import WORDS, topics_named

G = TargetGroup


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("Min søn har haft en psykose", {G.MENTAL_HEALTH}),
        ("min son har haft en psykose", {G.MENTAL_HEALTH}),  # no æøå keyboard
        ("Jeg har social angst og spiller meget computer", {G.MENTAL_HEALTH}),
        ("Vores datter har en sjælden diagnose", {G.RARE_DIAGNOSIS}),
        ("Jeg er blevet blind for nylig", {G.VISION_LOSS}),
        ("Jeg er HJEMLØS og drikker for meget alkohol", {G.HOMELESSNESS, G.SUBSTANCE_USE}),
        ("Jeg er flygtet fra Syrien og er flygtning", {G.REFUGEES_IMMIGRANTS}),
        ("Jeg er grønlænder", {G.GREENLANDERS}),
        ("I have been homeless and depressed", {G.HOMELESSNESS, G.MENTAL_HEALTH}),
        ("Min eks var voldelig", {G.VIOLENCE}),
    ],
)
def test_topics_are_found_in_own_words(text: str, topics: set[TargetGroup]) -> None:
    assert topics_named(text) == topics


@pytest.mark.parametrize(
    "text",
    ["Det er voldsomt svært", "Jeg er sjældent ude", "Jeg fik fjernet blindtarmen", "Jeg spiller computer", ""],
)
def test_common_words_are_not_mistaken_for_topics(text: str) -> None:
    assert topics_named(text) == frozenset()


def test_every_topic_but_relatives_and_children_has_words() -> None:
    assert set(WORDS) == set(TargetGroup) - {G.RELATIVES, G.CHILDREN_YOUTH}


def test_the_intake_names_only_topics_the_answers_leave_out() -> None:
    answers = Answers(target_groups=("mental_health",), free_text="Psykose, og nu er jeg også blevet blind")
    assert unchosen_topics(answers) == ("vision_loss",)
    assert unchosen_topics(Answers(target_groups=("mental_health",), free_text=None)) == ()
