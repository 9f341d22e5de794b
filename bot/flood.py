"""Per-person flood control: one person writing very fast must not slow anyone else down, and a person
tapping briskly through the intake must never be held back."""

from __future__ import annotations

from dataclasses import dataclass

# The longest an update is held to be answered once it may be; longer, and it is dropped with a notice.
# Short, so that shutdown never waits long for a held update.
MAX_HOLD_SECONDS = 1.0


@dataclass(frozen=True)
class FloodVerdict:
    allowed: bool
    wait: float = 0.0  # allowed after this many seconds: answered once it may be
    notify: bool = False  # True once per flood (window): the first update dropped gets a friendly notice


@dataclass
class _Bucket:
    tokens: float
    at: float


class FloodGuard:
    """A token bucket per person: a burst of `max_updates`, then `max_updates` per `window_seconds`.

    A sliding window counts a brisk human pace as a flood when it lasts (two taps a second fill 20 in 10 s);
    a bucket refilled at the same average rate lets a steady pace through forever, and holds back only
    what comes faster than that for longer than the burst. Kept in memory on purpose: it protects the
    running process, and a restart is a fresh start. Full buckets are forgotten by `forget_idle`.
    """

    def __init__(self, max_updates: int, window_seconds: float, max_hold_seconds: float = MAX_HOLD_SECONDS) -> None:
        self.max_updates = max_updates
        self.window_seconds = window_seconds
        self.rate = max_updates / window_seconds
        self.max_hold_seconds = max_hold_seconds
        self._buckets: dict[int, _Bucket] = {}
        self._notified_at: dict[int, float] = {}

    def check(self, user_id: int, now: float, *, more_queued: bool = False) -> FloodVerdict:
        """`more_queued`: the person has sent more since this update. Then a held-back update is dropped
        (the later ones carry on the conversation); the last one is held until a token is due, if soon."""
        bucket = self._refilled(user_id, now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return FloodVerdict(allowed=True)
        wait = (1 - bucket.tokens) / self.rate
        if not more_queued and wait <= self.max_hold_seconds:
            bucket.tokens -= 1  # the token due after `wait` is this update's
            return FloodVerdict(allowed=True, wait=wait)
        notify = now - self._notified_at.get(user_id, now - self.window_seconds) >= self.window_seconds
        if notify:
            self._notified_at[user_id] = now
        return FloodVerdict(allowed=False, notify=notify)

    def forget_idle(self, now: float) -> None:
        """Drop people whose bucket has filled up again; called by a periodic job."""
        for user_id in [uid for uid in self._buckets if self._refilled(uid, now).tokens >= self.max_updates]:
            del self._buckets[user_id]
            self._notified_at.pop(user_id, None)

    def _refilled(self, user_id: int, now: float) -> _Bucket:
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(float(self.max_updates), now)
        else:
            bucket.tokens = min(float(self.max_updates), bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
        return bucket
