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


class PauseDateError(ValueError):
    """A date that cannot end a pause; `reason` is the catalogue key of the answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


MALFORMED = "peer_self.pause.date_malformed"
PAST = "peer_self.pause.date_past"
TOO_FAR = "peer_self.pause.date_too_far"


def parse_pause_date(text: str, today: date) -> date:
    """`24.12.2026`, `24-12-2026`, `24/12/26`, `2026-12-24`, or `24.12` (the next 24 December from today)."""
    cleaned = text.strip()
    iso = _ISO.fullmatch(cleaned)
    day_first = None if iso else _DAY_FIRST.fullmatch(cleaned)
    try:
        if iso:
            found = date(int(iso[1]), int(iso[2]), int(iso[3]))
        elif day_first:
            day, month, year = int(day_first[1]), int(day_first[2]), day_first[3]
            if year is None:
                found = date(today.year, month, day)
                if found < today:
                    found = date(today.year + 1, month, day)
            else:
                found = date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        else:
            raise PauseDateError(MALFORMED)
    except ValueError as error:  # 31.02, month 13: no such day
        if isinstance(error, PauseDateError):
            raise
        raise PauseDateError(MALFORMED) from None
    if found < today:
        raise PauseDateError(PAST)
    if found - today > MAX_AHEAD:
        raise PauseDateError(TOO_FAR)
    return found
