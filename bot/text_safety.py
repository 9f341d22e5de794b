"""What people type is shown back to them: without bidi controls, and only when something can be seen.

A right-to-left override (U+202E) typed into a name or an answer would reverse the rest of the line it
is echoed in, including Makker's own words. Removing the explicit direction controls leaves the
letters themselves (Arabic, Farsi, Urdu included) to the client's own bidi algorithm.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset(
    "\u061c"  # Arabic letter mark
    "\u200e\u200f"  # left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pop, overrides
    "\u2066\u2067\u2068\u2069"  # isolates
)
_REMOVE_BIDI = {ord(character): None for character in BIDI_CONTROLS}


def without_bidi_controls(text: str) -> str:
    return text.translate(_REMOVE_BIDI)


def has_visible_character(text: str) -> bool:
    """False for text of only spaces, zero-width characters, controls and other format characters."""
    return any(unicodedata.category(character)[0] not in "CZ" for character in text)
