"""Topics a person names in their own words, so the intake can point out what their answers leave out.

The intake's free text is not used for matching (the question says so). But when it names a topic the person did not
choose ("min søn har haft en psykose", "jeg er blevet blind"), the summary says so and offers to add it: their words
are never silently ignored, and nothing is added to their request without them. A small table of word beginnings,
Danish and English, matched against whole words after folding æ/ø/å; a hint may be wrong, the person decides.
"""

from __future__ import annotations

from matching.geo import normalise
from matching.taxonomy import TargetGroup

__all__ = ["WORDS", "topics_named"]

# Beginnings of words (folded: æ -> ae, ø -> oe, å -> aa) that name a topic. Chosen so that common words do not
# start with them: "vold" alone would also catch "voldsomt" (very), so violence lists whole forms.
WORDS: dict[TargetGroup, tuple[str, ...]] = {
    TargetGroup.MENTAL_HEALTH: (
        "psykos", "psykotisk", "skizofren", "depression", "depressiv", "deprimeret", "angst", "bipolar", "psykisk",
        "psykiatri", "spiseforstyr", "anoreksi", "bulimi", "ocd", "ptsd", "selvskad", "anxiety", "psychosis",
        "psychotic", "schizophren", "depressed", "mental",
    ),
    TargetGroup.SUBSTANCE_USE: (
        "misbrug", "alkohol", "druk", "hash", "kokain", "narko", "afhaengig", "ludoman", "addict", "alcohol", "drugs",
    ),
    TargetGroup.HOMELESSNESS: ("hjemloes", "herberg", "homeless", "shelter"),
    TargetGroup.VIOLENCE: ("vold", "volden", "voldelig", "voldsramt", "voldtaeg", "overgreb", "violence", "violent"),
    TargetGroup.GREENLANDERS: ("groenl", "greenland", "kalaallit"),
    TargetGroup.VISION_LOSS: ("blind", "synet", "synstab", "svagsyn", "svagtseend", "eyesight", "sight"),
    TargetGroup.PHYSICAL_DISABILITY: ("handicap", "koerestol", "lammet", "amputer", "wheelchair", "disabilit"),
    TargetGroup.RARE_DIAGNOSIS: ("sjaelden", "sjaeldne", "rare"),
    TargetGroup.CHRONIC_ILLNESS: ("kronisk", "diabetes", "gigt", "sklerose", "chronic"),
    TargetGroup.REFUGEES_IMMIGRANTS: ("flygtning", "indvandr", "asyl", "refugee", "immigra", "asylum"),
}  # fmt: skip
# Words that must match whole, not as a beginning.
# "sjaelden" whole, as "sjældent" (rarely) is a common word.
_WHOLE = frozenset({"vold", "ocd", "ptsd", "rare", "sight", "druk", "hash", "blind", "mental", "sjaelden"})


# Per topic: the words that must match whole, and the beginnings of the others (str.startswith takes a tuple).
_MATCHERS = {
    topic: (
        frozenset(word for word in beginnings if word in _WHOLE),
        tuple(word for word in beginnings if word not in _WHOLE),
    )
    for topic, beginnings in WORDS.items()
}


def topics_named(text: str) -> frozenset[TargetGroup]:
    """The topics whose words occur in the text, in any inflection that begins like the word."""
    words = set(normalise(text).split())
    return frozenset(
        topic
        for topic, (whole, beginnings) in _MATCHERS.items()
        if not whole.isdisjoint(words) or any(word.startswith(beginnings) for word in words)
    )
