"""Makker: a Telegram bot that brings people seeking peer support together with peers and initiatives."""

import os

# Opt in to PTB's coming behaviour now: durations (such as RetryAfter.retry_after) as timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "1")
