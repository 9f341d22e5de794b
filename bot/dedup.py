"""Each Telegram update has its effect once, without a database round trip per update.

Recent update ids are kept in memory and written to processed_updates in batches (a job flushes
them every second, and shutdown flushes the rest). At start-up the ids of the last few minutes
are read back, so a redelivery after a restart is recognised too. What a hard kill can lose is
the last second of ids: an update of that second, if Telegram delivered it again, would be
handled again.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta

from bot.store.updates import ProcessedUpdateRepository

RECENT_LIMIT = 200_000
RELOAD_WINDOW = timedelta(minutes=10)


class UpdateDeduplicator:
    def __init__(self, repository: ProcessedUpdateRepository) -> None:
        self._repository = repository
        self._recent: OrderedDict[int, None] = OrderedDict()
        self._unsaved: list[int] = []

    async def load(self) -> None:
        for update_id in await self._repository.received_since(RELOAD_WINDOW):
            self._remember(update_id)

    def first_time(self, update_id: int) -> bool:
        """True the first time an id is seen; the id is then queued for the next flush."""
        if update_id in self._recent:
            return False
        self._remember(update_id)
        self._unsaved.append(update_id)
        return True

    async def flush(self) -> None:
        if self._unsaved:
            batch, self._unsaved = self._unsaved, []
            await self._repository.save(batch)

    def _remember(self, update_id: int) -> None:
        self._recent[update_id] = None
        if len(self._recent) > RECENT_LIMIT:
            self._recent.popitem(last=False)
