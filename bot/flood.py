"""Per-person flood control: one person writing very fast must not slow anyone else down."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class FloodVerdict:
    allowed: bool
    notify: bool  # True once per flood: the first update that is held back gets a friendly notice


class FloodGuard:
    """A sliding window per user: at most `max_updates` within `window_seconds`.

    Kept in memory on purpose: it protects the running process, and a restart is a fresh start.
    Idle users are forgotten as their windows empty, so memory follows active users only.
    """

    def __init__(self, max_updates: int, window_seconds: float) -> None:
        self.max_updates = max_updates
        self.window_seconds = window_seconds
        self._recent: dict[int, deque[float]] = {}
        self._notified: set[int] = set()

    def check(self, user_id: int, now: float) -> FloodVerdict:
        recent = self._recent.setdefault(user_id, deque())
        while recent and now - recent[0] >= self.window_seconds:
            recent.popleft()
        if len(recent) < self.max_updates:
            recent.append(now)
            self._notified.discard(user_id)
            return FloodVerdict(allowed=True, notify=False)
        notify = user_id not in self._notified
        self._notified.add(user_id)
        return FloodVerdict(allowed=False, notify=notify)

    def forget_idle(self, now: float) -> None:
        """Drop users whose window has emptied; called by a periodic job."""
        idle = [uid for uid, recent in self._recent.items() if not recent or now - recent[-1] >= self.window_seconds]
        for user_id in idle:
            del self._recent[user_id]
            self._notified.discard(user_id)
