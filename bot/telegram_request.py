"""Makker's connection to the Bot API: PTB's own, minus reading back the keyboards Makker has just sent."""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram.error import TelegramError
from telegram.request import BaseRequest, HTTPXRequest, RequestData

logger = logging.getLogger(__name__)

# PTB's default for the connection that sends (ApplicationBuilder uses the same when it builds its own).
CONNECTION_POOL_SIZE = 256


class WithoutEchoedKeyboards(BaseRequest):
    """Wraps the request that sends; drops `reply_markup` from the message Telegram returns for it.

    Telegram answers a send or an edit with the whole message, keyboard included, and PTB turns every
    button of it into an object: about 0.3 ms for an intake question with 14 buttons on a two-core
    server, a third of what an intake step costs (bench/README.md, "Updates"). Makker never reads a
    keyboard back from a message it sent. Updates people send arrive by the other request or the
    webhook and keep their keyboards.
    """

    def __init__(self, inner: BaseRequest | None = None) -> None:
        self.inner = inner if inner is not None else HTTPXRequest(connection_pool_size=CONNECTION_POOL_SIZE)

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        return await self.inner.do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        """PTB's parsing, without logging the payload (it holds what people wrote) and without echoed keyboards."""
        try:
            parsed = json.loads(payload.decode("utf-8", "replace"))
        except ValueError as error:
            logger.error("bot_api_invalid_json bytes=%d", len(payload))
            raise TelegramError("Invalid server response") from error
        result = parsed.get("result") if isinstance(parsed, dict) else None
        if isinstance(result, dict):
            result.pop("reply_markup", None)
        return parsed
