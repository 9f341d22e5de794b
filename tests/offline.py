"""An in-process Bot API for handler tests and benchmarks: no sockets, every call recorded.

It answers the way Telegram does for the methods Makker uses, so PTB runs unchanged on top.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

BOT_ID = 4242
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Makker",
    "username": "makker_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

_ECHOES_MESSAGE = {"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, Any] = field(default_factory=dict)


@dataclass
class OfflineBotApi(BaseRequest):
    """Records every Bot API call; a test reads `calls` or `texts_to(chat_id)`."""

    calls: list[Call] = field(default_factory=list)
    fail_next: dict[str, tuple[int, str, dict[str, Any]]] = field(default_factory=dict)
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        """No connection to open."""

    async def shutdown(self) -> None:
        """No connection to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files = dict(request_data.multipart_data) if request_data and request_data.contains_files else {}
        self.calls.append(Call(api_method, params, files))
        if api_method in self.fail_next:
            status, description, extra = self.fail_next.pop(api_method)
            body = {"ok": False, "error_code": status, "description": description, **extra}
            return status, json.dumps(body).encode()
        result = json.dumps(self._result(api_method, params))
        markup = params.get("reply_markup")
        if markup and api_method in _ECHOES_MESSAGE:
            # Telegram echoes the keyboard; spliced in as sent, since this fake's CPU counts in bench/updates.py.
            markup_json = markup if isinstance(markup, str) else json.dumps(markup)
            result = f'{result[:-1]}, "reply_markup": {markup_json}}}'
        return 200, f'{{"ok": true, "result": {result}}}'.encode()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in _ECHOES_MESSAGE:
            message_id = params.get("message_id") or next(self._message_ids)
            message: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time()),
                "from": BOT_USER,
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
            }
            if "text" in params:
                message["text"] = params["text"]
            if method == "sendDocument":
                message["document"] = {"file_id": "doc", "file_unique_id": "doc", "file_name": "makker.json"}
            return message
        if method == "copyMessage":
            return {"message_id": next(self._message_ids)}
        if method == "getUpdates":
            return []
        return True

    # What tests read back.
    def sent_to(self, chat_id: int) -> list[Call]:
        return [c for c in self.calls if c.params.get("chat_id") == chat_id]

    def texts_to(self, chat_id: int) -> list[str]:
        return [c.params["text"] for c in self.sent_to(chat_id) if "text" in c.params]

    def last_text(self, chat_id: int) -> str:
        texts = self.texts_to(chat_id)
        assert texts, f"nothing was sent to {chat_id}"
        return texts[-1]

    def last_keyboard(self, chat_id: int) -> list[list[dict[str, Any]]]:
        """The inline keyboard of the last message to chat_id that had one."""
        for call in reversed(self.sent_to(chat_id)):
            markup = call.params.get("reply_markup")
            if markup:
                markup = json.loads(markup) if isinstance(markup, str) else markup
                return markup.get("inline_keyboard", [])
        raise AssertionError(f"no keyboard was sent to {chat_id}")


class UpdateFactory:
    """Builds the Updates Telegram would deliver for a person in a private chat."""

    def __init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    def _user(self, user_id: int, language_code: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"Person{user_id}", "language_code": language_code}

    def _message(self, user_id: int, language_code: str, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": f"Person{user_id}"},
            "from": self._user(user_id, language_code),
            **content,
        }

    def raw(self, payload: dict[str, Any], update_id: int | None = None) -> dict[str, Any]:
        return {"update_id": update_id if update_id is not None else next(self._update_ids), **payload}

    def text(self, user_id: int, text: str, language_code: str = "da", update_id: int | None = None) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.raw({"message": self._message(user_id, language_code, **content)}, update_id)

    def sticker(self, user_id: int) -> dict[str, Any]:
        sticker = {
            "file_id": "s",
            "file_unique_id": "s",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return self.raw({"message": self._message(user_id, "da", sticker=sticker)})

    def photo(self, user_id: int) -> dict[str, Any]:
        photo = [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]
        return self.raw({"message": self._message(user_id, "da", photo=photo)})

    def voice(self, user_id: int) -> dict[str, Any]:
        return self.raw(
            {"message": self._message(user_id, "da", voice={"file_id": "v", "file_unique_id": "v", "duration": 3})}
        )

    def location(self, user_id: int) -> dict[str, Any]:
        return self.raw({"message": self._message(user_id, "da", location={"latitude": 55.68, "longitude": 12.57})})

    def button(self, user_id: int, data: str, message_id: int = 1, language_code: str = "da") -> dict[str, Any]:
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "from": BOT_USER,
            "text": "…",
            "chat": {"id": user_id, "type": "private"},
        }
        return self.raw(
            {
                "callback_query": {
                    "id": str(next(self._update_ids)),
                    "chat_instance": str(user_id),
                    "from": self._user(user_id, language_code),
                    "message": message,
                    "data": data,
                }
            }
        )


def to_update(payload: dict[str, Any], bot: Any) -> Update:
    return Update.de_json(payload, bot)
