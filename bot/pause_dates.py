"""The date a peer names in `/pause 24.12.2026`: read the way Danes write dates, and checked against today.

Pure: the caller passes today's local date. A date is the last day of the pause; the pause ends at the local
midnight after it (bot/peers.py PeerService.pause).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

# The longest pause that can be booked ahead; beyond it a peer pauses until they resume.
MAX_AHEAD = timedelta(days=366)

_DAY_FIRST = re.compile(r"(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?\.?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# "24. december 2026", "24 dec", "december 24, 2026": the month by name, Danish or English, in full or shortened.
_NAMED = re.compile(r"(\d{1,2})\.? ?([a-zæøå]+)\.?(?:,? (\d{4}))?")
_NAMED_MONTH_FIRST = re.compile(r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("januar", "january", "jan"),
            ("februar", "february", "feb"),
            ("marts", "march", "mar"),
            ("april", "apr"),
            ("maj", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# A word before the date that says no more than the command does: "/pause til 24.12.2026".
_LEAD = re.compile(r"(?:til og med|til|indtil|until|till|to)\s+")


class PauseDateError(ValueError):
    """A date that cannot end a pause; `reason` is the catalogue key of the answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


MALFORMED = "peer_self.pause.date_malformed"
PAST = "peer_self.pause.date_past"
TOO_FAR = "peer_self.pause.date_too_far"


def parse_pause_date(text: str, today: date) -> date:
    """`24.12.2026`, `24-12-2026`, `24/12/26`, `2026-12-24`, `24. december 2026`, `Dec 24`, or `24.12` (without a
    year: the next 24 December from today). A leading "til" or "until" is read past."""
    cleaned = " ".join(text.lower().split())
    cleaned = _LEAD.sub("", cleaned, count=1) if _LEAD.match(cleaned) else cleaned
    parts = _parts(cleaned)
    if parts is None:
        raise PauseDateError(MALFORMED)
    day, month, year = parts
    try:
        if year is None:
            found = date(today.year, month, day)
            if found < today:
                found = date(today.year + 1, month, day)
        else:
            found = date(year, month, day)
    except ValueError:  # 31.02, month 13: no such day
        raise PauseDateError(MALFORMED) from None
    if found < today:
        raise PauseDateError(PAST)
    if found - today > MAX_AHEAD:
        raise PauseDateError(TOO_FAR)
    return found


def _parts(text: str) -> tuple[int, int, int | None] | None:
    """Day, month and year (None when left out) of the ways a date is written, or None."""
    if iso := _ISO.fullmatch(text):
        return int(iso[3]), int(iso[2]), int(iso[1])
    if day_first := _DAY_FIRST.fullmatch(text):
        year = day_first[3]
        full = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
        return int(day_first[1]), int(day_first[2]), full
    if (named := _NAMED.fullmatch(text)) and named[2] in _MONTHS:
        return int(named[1]), _MONTHS[named[2]], int(named[3]) if named[3] else None
    if (named := _NAMED_MONTH_FIRST.fullmatch(text)) and named[1] in _MONTHS:
        return int(named[2]), _MONTHS[named[1]], int(named[3]) if named[3] else None
    return None
