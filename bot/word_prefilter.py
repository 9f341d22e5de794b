"""Which of many regular expressions can possibly match a text, found by word look-ups instead of searches.

The crisis rules are about 150 regular expressions (gates and rules) tried on every clause; searching them all costs
far more than the few that can match. Each pattern is parsed once (Python's own regex parser) to find what any match
must begin with: a word starting with one of a set of literal prefixes ("piller", "tage"), or a word holding one of a
set of literal pieces (``\\w*piller`` -> "piller" anywhere in a word). A clause's words are looked up in a table of
those prefixes and pieces, which gives the set of patterns worth searching as a bit mask; the others cannot match and
are skipped. A pattern whose start cannot be reduced to literals (a digit class, an optional start the parser cannot
see through) is always searched. The filter is a necessary condition only: it never changes a result, and
tests/test_safety.py checks that on every labelled row.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Final

try:  # Python 3.11+
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons are not supported by Makker anyway
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

_WORD: Final = re.compile(r"\w+")
_ZERO_WIDTH: Final = {sre_constants.ASSERT, sre_constants.ASSERT_NOT, sre_constants.AT}

# A necessary start: ("p", s) a word beginning with s; ("i", s) a word holding s. None: cannot tell (always search).
Start = frozenset[tuple[str, str]] | None


def _is_word_char(code: int) -> bool:
    return chr(code).isalnum() or chr(code) == "_"


def _can_be_empty(items: list[Any]) -> bool:
    for op, arg in items:
        if op in _ZERO_WIDTH:
            continue
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            if arg[0] > 0 and not _can_be_empty(list(arg[2])):
                return False
            continue
        if op is sre_constants.SUBPATTERN:
            if not _can_be_empty(list(arg[3])):
                return False
            continue
        if op is sre_constants.BRANCH:
            if not any(_can_be_empty(list(branch)) for branch in arg[1]):
                return False
            continue
        return False
    return True


def _is_any_word(item: tuple[Any, Any]) -> bool:
    """``\\w*`` or ``\\w+``: a run of word characters, so what follows is a piece inside the same word."""
    op, arg = item
    if op not in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) or arg[0] > 1:
        return False
    inner = list(arg[2])
    return (
        len(inner) == 1
        and inner[0][0] is sre_constants.IN
        and list(inner[0][1]) == [(sre_constants.CATEGORY, sre_constants.CATEGORY_WORD)]
    )


def _literal_run(items: list[Any], start: int) -> str:
    letters = []
    for op, arg in items[start:]:
        if op is not sre_constants.LITERAL or not _is_word_char(arg):
            break
        letters.append(chr(arg))
    return "".join(letters)


def _literal_start(items: list[Any], index: int) -> Start:
    """A match starting with literal text ("tage livet af mig"): its longest word is required. The first word is
    the start of a word; a word with a space or a word boundary after it is a whole word."""
    text = []
    end = index
    while end < len(items) and items[end][0] is sre_constants.LITERAL:
        text.append(chr(items[end][1]))
        end += 1
    run = "".join(text)
    if _WORD.fullmatch(run) and end < len(items) and items[end][0] in (sre_constants.BRANCH, sre_constants.SUBPATTERN):
        # The parser moves a common first letter out of a branch ("s(?:elvmord|uicid)"): the word goes on.
        rest = _word_starts(items[end:])
        if rest is not None:
            return frozenset((kind, run + literal) for kind, literal in rest)
    bounded = end < len(items) and items[end][0] is sre_constants.ASSERT_NOT and items[end][1][0] == 1
    words = re.findall(r"\w+|\W", run)
    if not words or not _WORD.fullmatch(words[0]):
        return None
    best: tuple[str, str] | None = None
    for position, word in enumerate(words):
        if not _WORD.fullmatch(word):
            continue
        whole = position + 1 < len(words) or bounded
        kind = "w" if whole else "p"
        if best is None or len(word) > len(best[1]):
            best = (kind, word)
    assert best is not None
    return frozenset({best})


def _word_starts(items: list[Any]) -> Start:
    """How the word at the start of the sequence goes on: ("p", letters) or ("w", a whole word), or None."""
    if not items:
        return None
    op, arg = items[0]
    if op is sre_constants.LITERAL:
        letters = _literal_run(items, 0)
        if not letters:
            return None
        after = items[len(letters) :]
        whole = bool(after) and (
            (after[0][0] is sre_constants.LITERAL and not _is_word_char(after[0][1]))
            or (after[0][0] is sre_constants.ASSERT_NOT and after[0][1][0] == 1)
        )
        if not whole and after and after[0][0] in (sre_constants.BRANCH, sre_constants.SUBPATTERN):
            rest = _word_starts(after)
            if rest is not None:
                return frozenset((kind, letters + literal) for kind, literal in rest)
        return frozenset({("w" if whole else "p", letters)})
    if op is sre_constants.BRANCH:
        starts: set[tuple[str, str]] = set()
        for branch in arg[1]:
            branch_starts = _word_starts(list(branch))  # a word that ends with its branch may go on: a prefix
            if branch_starts is None:
                return None
            starts |= branch_starts
        return frozenset(starts)
    if op is sre_constants.SUBPATTERN and not _can_be_empty(list(arg[3])):
        return _word_starts(list(arg[3]))
    return None


def _cost(start: Start) -> float:
    """How often a condition lets a clause through, roughly: short words and prefixes are common."""
    if start is None:
        return float("inf")
    weight = {"w": 1.0, "i": 2.0, "p": 3.0}
    return sum(weight[kind] / len(literal) ** 2 for kind, literal in start)


def _ends_with_gap(item: tuple[Any, Any]) -> bool:
    """Whether every match of the item ends with a non-word character (a space, ``\\W+``)."""
    op, arg = item
    if op is sre_constants.LITERAL:
        return not _is_word_char(arg)
    if op is sre_constants.IN:
        return list(arg) == [(sre_constants.CATEGORY, sre_constants.CATEGORY_NOT_WORD)]
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        inner = list(arg[2])
        return bool(inner) and _ends_with_gap(inner[-1])
    if op is sre_constants.SUBPATTERN:
        inner = list(arg[3])
        return bool(inner) and _ends_with_gap(inner[-1])
    return False


def _after_a_gap(items: list[Any], index: int) -> bool:
    """Whether item `index` always starts a word: the items before it end with a non-word character (looking past
    optional repeats such as ``(?:\\W+\\w+){0,4}``)."""
    for before in range(index - 1, -1, -1):
        item = items[before]
        if not _ends_with_gap(item):
            return False
        op, arg = item
        optional = op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and arg[0] == 0
        if not optional:
            return True
    return False


def necessary_start(items: list[Any]) -> Start:
    """The cheapest condition any match of this sequence must meet: what it begins with, or what a later part
    that cannot be empty and starts a word begins with. None when that cannot be told."""
    best = _first_start(items)
    for index in range(1, len(items)):
        op = items[index][0]
        if op in _ZERO_WIDTH or not _after_a_gap(items, index) or _can_be_empty(items[index : index + 1]):
            continue
        if op is sre_constants.LITERAL and not _is_word_char(items[index][1]):
            continue
        later = _first_start(items[index:])
        if _cost(later) < _cost(best):
            best = later
    return best


def _first_start(items: list[Any]) -> Start:
    """What any match of this sequence of parsed items must begin with, or None when that cannot be told."""
    index = 0
    while index < len(items) and items[index][0] in _ZERO_WIDTH:
        index += 1
    if index == len(items):
        return None
    op, arg = items[index]
    if op is sre_constants.LITERAL:
        return _literal_start(items, index)
    if _is_any_word(items[index]):
        run = _literal_run(items, index + 1)
        return frozenset({("i", run)}) if run else None
    if op is sre_constants.SUBPATTERN:
        inner = list(arg[3])
        if _can_be_empty(inner):
            first, rest = _first_start(inner), _first_start(items[index + 1 :])
            return None if first is None or rest is None else first | rest
        return necessary_start(inner)
    if op is sre_constants.BRANCH:
        starts: set[tuple[str, str]] = set()
        for branch in arg[1]:
            sequence = list(branch)
            empty = _can_be_empty(sequence)
            first = _first_start(sequence + items[index + 1 :]) if empty else necessary_start(sequence)
            if first is None:
                return None
            starts |= first
        return frozenset(starts)
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        low, _, inner = arg
        first = _first_start(list(inner)) if low == 0 else necessary_start(list(inner))
        if first is None:
            return None
        if low == 0:
            rest = _first_start(items[index + 1 :])
            return None if rest is None else first | rest
        return first
    return None


def _exact(items: list[Any]) -> Start:
    """The conditions on one word that say exactly when this sequence matches a whole word: "ord" (the word is
    "ord"), "ord\\w*" (it begins with "ord"), "\\w*ord\\w*" (it holds "ord"), also when the parser moved a
    common beginning out of a branch ("s(?:elvmord\\w*|uicid\\w*)"). None when the sequence is anything else."""
    if len(items) == 1 and items[0][0] is sre_constants.SUBPATTERN and items[0][1][1:3] == (0, 0):
        return _exact(list(items[0][1][3]))
    if len(items) == 1 and items[0][0] is sre_constants.BRANCH:
        found: set[tuple[str, str]] = set()
        for branch in items[0][1][1]:
            exact = _exact(list(branch))
            if exact is None:
                return None
            found |= exact
        return frozenset(found)
    if not items:
        return frozenset({("w", "")})
    if _is_any_word(items[0]) and items[0][1][0] == 0:
        letters = _literal_run(items, 1)
        if letters and len(items) == 2 + len(letters) and _is_any_word(items[-1]) and items[-1][1][0] == 0:
            return frozenset({("i", letters)})
        return None
    letters = _literal_run(items, 0)
    if not letters:
        return None
    rest = items[len(letters) :]
    if not rest:
        return frozenset({("w", letters)})
    if len(rest) == 1 and _is_any_word(rest[0]) and rest[0][1][0] == 0:
        return frozenset({("p", letters)})
    if len(rest) == 1 and rest[0][0] in (sre_constants.BRANCH, sre_constants.SUBPATTERN):
        tails = _exact(rest)
        if tails is None or any(kind == "i" for kind, _ in tails):
            return None
        return frozenset((kind, letters + literal) for kind, literal in tails)
    return None


def _alternatives(pattern: re.Pattern[str]) -> list[list[Any]]:
    """The top-level alternatives of a pattern compiled as (?<!\\w)(?:a|b|...)(?!\\w)."""
    items = list(sre_parse.parse(pattern.pattern, pattern.flags).data)
    inner = [item for item in items if item[0] not in _ZERO_WIDTH]
    if len(inner) == 1 and inner[0][0] is sre_constants.SUBPATTERN:
        inner = list(inner[0][1][3])
    if len(inner) == 1 and inner[0][0] is sre_constants.BRANCH:
        return [list(branch) for branch in inner[0][1][1]]
    return [inner]


def pattern_start(pattern: re.Pattern[str]) -> Start:
    return necessary_start(list(sre_parse.parse(pattern.pattern, pattern.flags).data))


class Prefilter:
    """For a clause, which patterns may match (a word any match needs is there) and which surely match (a pattern,
    or one of its top-level alternatives, is a plain word list and one of those words is there)."""

    def __init__(self, patterns: list[re.Pattern[str]]) -> None:
        self.size = len(patterns)  # bit i: pattern i may match; bit size + i: it surely matches
        self._always = 0
        self._prefixes: dict[str, int] = {}
        self._pieces: dict[str, int] = {}
        self._words: dict[str, int] = {}
        for bit, pattern in enumerate(patterns):
            boundary = (
                pattern.pattern.startswith(r"(?<!\w)(?:")
                and pattern.pattern.endswith(r")(?!\w)")
                and not pattern.flags & re.M
            )
            alternatives = _alternatives(pattern) if boundary else []
            exact = [_exact(alternative) for alternative in alternatives]
            empty = any(condition is not None and ("w", "") in condition for condition in exact)
            if alternatives and not empty and any(condition is not None for condition in exact):
                for alternative, condition in zip(alternatives, exact, strict=True):
                    if condition is not None:
                        self._add(condition, self.size + bit)
                    elif (start := necessary_start(alternative)) is not None:
                        self._add(start, bit)
                    else:
                        self._always |= 1 << bit
                continue
            start = pattern_start(pattern)
            if start is None:
                self._always |= 1 << bit
            else:
                self._add(start, bit)
        self._longest = max(map(len, self._prefixes), default=0)
        self.unfiltered = bin(self._always).count("1")
        self.word_mask = lru_cache(maxsize=32768)(self._word_mask)

    def _add(self, start: frozenset[tuple[str, str]], bit: int) -> None:
        for kind, literal in start:
            table = {"p": self._prefixes, "i": self._pieces, "w": self._words}[kind]
            table[literal] = table.get(literal, 0) | (1 << bit)

    def _word_mask(self, word: str) -> int:
        mask = self._words.get(word, 0)
        prefixes = self._prefixes
        for end in range(1, min(len(word), self._longest) + 1):
            mask |= prefixes.get(word[:end], 0)
        for piece, bits in self._pieces.items():
            if piece in word:
                mask |= bits
        return mask

    def candidates(self, text: str) -> tuple[int, int]:
        """(may match, surely matches) as bit masks over the patterns."""
        mask = self._always
        word_mask = self.word_mask
        for word in set(_WORD.findall(text)):
            mask |= word_mask(word)
        sure = mask >> self.size
        return (mask | sure) & ((1 << self.size) - 1), sure
