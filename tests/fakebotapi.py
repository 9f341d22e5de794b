"""A fake Telegram Bot API server on 127.0.0.1 for tests and manual trials.

Why: the bot must be exercised end to end (long polling, keyboards, edits, flood limits, blocked
users) with no internet and no real token. The server speaks the real Bot API over HTTP, so
the bot's client library talks to it unchanged through ``base_url``, while the test side plays the
users (``send_text``, ``press_button``) and inspects what the bot did (``sent``, ``messages``,
``wait_for_text``). Standard library only, so it also runs as ``python -m tests.fakebotapi``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import re
import socket
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["ApiError", "FakeBotApi", "Upload", "main"]

JSONDict = dict[str, Any]
CallListener = Callable[[JSONDict], None]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_METHOD_PATH_RE = re.compile(r"/bot([^/]+)/([A-Za-z0-9_]+)/?")
_FILE_PATH_RE = re.compile(r"/file/bot([^/]+)/(.+)")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_NOT_FOUND: JSONDict = {"ok": False, "error_code": 404, "description": "Not Found"}
_BLOCKED = "Forbidden: bot was blocked by the user"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
_POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
_COPIED_FIELDS = frozenset({"text", "entities", "caption", "photo", "document", "voice", "sticker", "location"})
_SENDS = frozenset({"sendMessage", "copyMessage", "sendPhoto", "sendDocument"})
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"

# Parameters whose form value is a plain string; every other value arrives JSON-encoded. Without
# this list a text such as "42" or "true" would be decoded into a number or a boolean.
_STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "url", "language_code",
        "inline_message_id", "action", "secret_token", "ip_address", "business_connection_id",
        "message_effect_id", "file_id", "emoji", "title", "description", "short_description", "name",
        "query", "document", "photo", "sticker", "voice", "audio", "video", "animation", "video_note",
        "thumbnail", "custom_emoji_id", "question", "address", "first_name", "last_name",
        "phone_number", "vcard", "payload", "currency", "start_parameter",
    }
)  # fmt: skip
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)  # fmt: skip
_BUTTON_ACTIONS = frozenset(
    {
        "callback_data", "url", "web_app", "login_url", "switch_inline_query",
        "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
        "callback_game", "pay",
    }
)  # fmt: skip
_HTML_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
        "pre", "blockquote", "tg-emoji",
    }
)  # fmt: skip
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);")
_HTML_TAG_RE = re.compile(r"<(/?)([^\s<>/]*)([^<>]*)>")
_MDV2_RESERVED = frozenset("[]()#+-={}.!|>")


class ApiError(Exception):
    """A Bot API failure; handlers raise it so one place turns it into Telegram's error reply."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        """The JSON body Telegram sends for this error."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix, the most common failure."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Upload:
    """One file part of a multipart request, kept whole so tests can check what the bot uploaded."""

    filename: str
    content: bytes
    content_type: str

    def as_dict(self) -> JSONDict:
        """How an uploaded file appears in a recorded call's params."""
        return {"filename": self.filename, "content": self.content, "content_type": self.content_type}


@dataclass
class _Fault:
    """A pending injected failure."""

    method: str
    status: int
    retry_after: int | None
    remaining: int
    description: str | None

    def error(self) -> ApiError:
        """Telegram's reply for this status, so the client maps it to the right exception."""
        if self.status == 429:
            retry = 1 if self.retry_after is None else self.retry_after
            text = self.description or f"Too Many Requests: retry after {retry}"
            return ApiError(429, text, {"retry_after": retry})
        defaults = {
            400: "Bad Request",
            401: "Unauthorized",
            403: _BLOCKED,
            404: "Not Found",
            409: _POLL_CONFLICT,
        }
        text = self.description or defaults.get(self.status)
        if text is None:
            text = "Internal Server Error" if self.status >= 500 else _phrase(self.status)
        return ApiError(self.status, text)


@dataclass
class _Pending:
    """An update waiting to be confirmed.

    `replayed` marks an update pushed with an id below ones already issued (a forged duplicate):
    it is exempt from confirmation until delivered once, or it could never reach the bot.
    """

    update: JSONDict
    replayed: bool = False
    delivered: bool = False


@dataclass
class _BotMessage:
    """A message the bot sent, with the text as sent (before HTML/Markdown parsing)."""

    message: JSONDict
    raw_text: str | None


@dataclass
class _StoredFile:
    """A file known to the server, downloadable through base_file_url."""

    file_id: str
    file_unique_id: str
    file_path: str
    filename: str
    content: bytes
    mime_type: str


def _phrase(status: int) -> str:
    """The standard reason phrase, tolerant of unusual codes."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _truthy(value: Any) -> bool:
    """Telegram accepts booleans as true/false JSON or as strings."""
    return value is True or (isinstance(value, str) and value.lower() in {"true", "1"})


def _as_int(value: Any) -> int | None:
    """Integer parameters may arrive as numbers or digit strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _decode_param(name: str, raw: str) -> Any:
    """Undo the client's encoding: strings are sent as is, everything else as JSON."""
    if name in _STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _header_param(header: str, key: str) -> str | None:
    """A parameter of a Content-Disposition/Content-Type header, quoted, bare or RFC 5987."""
    star = re.search(rf"(?:^|;)\s*{key}\*=([^;]*)", header, re.IGNORECASE)
    if star:
        charset, _, rest = star[1].strip().partition("''")
        return urllib.parse.unquote(rest, encoding=charset or "utf-8")
    match = re.search(rf'(?:^|;)\s*{key}=(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))', header, re.IGNORECASE)
    if match is None:
        return None
    if match[1] is not None:
        return re.sub(r"\\(.)", r"\1", match[1])
    return match[2]


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, Upload]]:
    """Split multipart/form-data by hand so binary file bytes stay exactly as sent."""
    boundary = _header_param(content_type, "boundary")
    if not boundary:
        raise _bad("multipart boundary is missing")
    fields: dict[str, str] = {}
    files: dict[str, Upload] = {}
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break
        head, separator, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            continue
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _header_param(disposition, "name")
        if name is None:
            continue
        filename = _header_param(disposition, "filename")
        if filename is None:
            fields[name] = content.decode("utf-8")
        else:
            mime = headers.get("content-type", "application/octet-stream")
            files[name] = Upload(filename=filename, content=content, content_type=mime)
    return fields, files


def _parse_request(content_type: str, body: bytes, query: str) -> tuple[JSONDict, dict[str, Upload]]:
    """Decode parameters from the query string and a form, multipart or JSON body."""
    params: JSONDict = {name: _decode_param(name, value) for name, value in urllib.parse.parse_qsl(query)}
    files: dict[str, Upload] = {}
    kind = content_type.split(";")[0].strip().lower()
    try:
        if kind == "multipart/form-data":
            fields, files = _parse_multipart(content_type, body)
            params.update({name: _decode_param(name, value) for name, value in fields.items()})
        elif kind == "application/json" and body.strip():
            decoded = json.loads(body)
            if not isinstance(decoded, dict):
                raise _bad("request body must be a JSON object")
            params.update(decoded)
        elif body:
            pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            params.update({name: _decode_param(name, value) for name, value in pairs})
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad(f"can't parse request: {exc}") from exc
    return params, files


def _parse_html(text: str) -> str:
    """Validate HTML as Telegram does and return the visible text.

    Why: an unescaped '<' from user input or an unsupported tag such as <br> makes the real API
    refuse the whole message, so the fake has to refuse it too.
    """
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            offset = len(text[:i].encode())
            match = _HTML_TAG_RE.match(text, i)
            if match is None:
                name = re.match(r"[^\s<>/]*", text[i + 1 :])
                tag = name[0] if name else ""
                raise _bad(f'can\'t parse entities: Unsupported start tag "{tag}" at byte offset {offset}')
            closing, name, attrs = match[1] == "/", match[2].lower(), match[3]
            if closing:
                if not stack:
                    raise _bad(f"can't parse entities: Unexpected end tag at byte offset {offset}")
                if stack[-1] != name:
                    raise _bad(
                        f"can't parse entities: Unmatched end tag at byte offset {offset}, "
                        f'expected "</{stack[-1]}>", found "</{name}>"'
                    )
                stack.pop()
            else:
                if name not in _HTML_TAGS or attrs.rstrip().endswith("/"):
                    raise _bad(f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {offset}')
                if name == "span" and not re.search(r"class\s*=\s*[\"']?tg-spoiler", attrs):
                    raise _bad('can\'t parse entities: Tag "span" must have class "tg-spoiler"')
                stack.append(name)
            i = match.end()
            continue
        if char == "&":
            entity = _HTML_ENTITY_RE.match(text, i)
            if entity is not None:
                out.append(_html_entity(entity[1], entity[0]))
                i = entity.end()
                continue
        out.append(char)
        i += 1
    if stack:
        raise _bad(f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return "".join(out)


def _html_entity(body: str, literal: str) -> str:
    """Decode the entities Telegram supports (numeric, lt, gt, amp, quot); keep others literally."""
    try:
        if body[:2].lower() == "#x":
            return chr(int(body[2:], 16))
        if body.startswith("#"):
            return chr(int(body[1:]))
    except (ValueError, OverflowError):
        return literal
    return _HTML_NAMED_ENTITIES.get(body, literal)


def _parse_markdown_v2(text: str) -> str:
    """Approximate Telegram's MarkdownV2 check: reserved characters outside code must be escaped.

    Why: an unescaped '.' or '!' is the classic MarkdownV2 bug and the real API rejects it. Only
    that rule (and unclosed code) is checked; the visible text returned is approximate.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        offset = len(text[:i].encode())
        if char == "\\" and i + 1 < n:
            out.append(text[i + 1])
            i += 2
        elif text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise _bad(f"can't parse entities: Can't find end of PreCode entity at byte offset {offset}")
            out.append(re.sub(r"\\(.)", r"\1", text[i + 3 : end]))
            i = end + 3
        elif char == "`":
            end = re.compile(r"(?<!\\)`").search(text, i + 1)
            if end is None:
                raise _bad(f"can't parse entities: Can't find end of Code entity at byte offset {offset}")
            out.append(re.sub(r"\\(.)", r"\1", text[i + 1 : end.start()]))
            i = end.end()
        elif text.startswith("](", i):
            end = re.compile(r"(?<!\\)\)").search(text, i + 2)
            if end is None:
                raise _bad(f"can't parse entities: Can't find end of a url at byte offset {offset}")
            i = end.end()
        elif (char == "[" and "](" in text[i:]) or text.startswith("![", i):
            i += 1
        elif text.startswith("||", i):
            i += 2
        elif char in "*_~" or (char == ">" and (i == 0 or text[i - 1] == "\n")):
            i += 1
        elif char in _MDV2_RESERVED:
            raise _bad(
                f"can't parse entities: Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _check_text(raw: Any, parse_mode: Any, *, caption: bool = False) -> str:
    """Enforce Telegram's parse and length rules; return the visible, stripped text."""
    text = "" if raw is None else str(raw)
    mode = str(parse_mode or "").lower()
    if mode == "html":
        plain = _parse_html(text)
    elif mode == "markdownv2":
        plain = _parse_markdown_v2(text)
    elif mode in {"", "markdown"}:
        plain = text
    else:
        raise _bad("unsupported parse_mode")
    plain = plain.strip()
    if caption:
        if len(plain) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
    elif not plain:
        raise _bad("message text is empty")
    elif len(plain) > MAX_TEXT_LENGTH:
        raise _bad("message is too long")
    return plain


def _check_reply_markup(markup: Any) -> None:
    """Reject inline keyboards the real API rejects, above all callback_data over 64 bytes."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad("can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict):
                raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise _bad("BUTTON_DATA_INVALID")
            elif not _BUTTON_ACTIONS.intersection(button):
                raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            if "url" in button and not re.match(r"(https?|tg)://", str(button["url"])):
                raise _bad("BUTTON_URL_INVALID")


def _inline_markup(markup: Any) -> JSONDict | None:
    """Only inline keyboards become part of a Message; reply keyboards live on the client."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return copy.deepcopy(markup)
    return None


class _Server(ThreadingHTTPServer):
    """The HTTP server, holding a reference to its FakeBotApi."""

    daemon_threads = True
    # socketserver's default backlog is 5: a bot answering 40 people at once after a restart opens more
    # connections than that at the same moment, and Telegram's servers do not refuse them.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], api: FakeBotApi) -> None:
        self.api = api
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP requests into FakeBotApi calls; keep-alive so pooled clients behave normally."""

    protocol_version = "HTTP/1.1"
    timeout = 120
    # Headers and body go out in two writes; with Nagle's algorithm the body would wait for the client's delayed
    # ACK of the headers (about 40 ms on Linux), a delay Telegram's servers do not add (bench/README.md, Relay).
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        """Track the socket so stop() can close idle keep-alive connections."""
        super().setup()
        self.server.api._track_connection(self.connection, add=True)

    def finish(self) -> None:
        """Untrack the socket."""
        try:
            super().finish()
        finally:
            self.server.api._track_connection(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; the recorded calls are the log."""

    def do_GET(self) -> None:
        """Bot API methods may be called with GET and a query string; files are fetched with GET."""
        self._handle()

    def do_POST(self) -> None:
        """The usual way clients call Bot API methods."""
        self._handle()

    def _handle(self) -> None:
        """Route one request to a file download or a Bot API method."""
        api = self.server.api
        parts = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path = urllib.parse.unquote(parts.path)  # clients may percent-encode the token's colon
        file_match = _FILE_PATH_RE.fullmatch(path)
        if file_match is not None:
            content = api._file_content(file_match[1], file_match[2])
            if content is None:
                self._send(404, json.dumps(_NOT_FOUND).encode(), "application/json")
            else:
                self._send(200, content, "application/octet-stream")
            return
        match = _METHOD_PATH_RE.fullmatch(path)
        if match is None:
            self._send(404, json.dumps(_NOT_FOUND).encode(), "application/json")
            return
        try:
            params, files = _parse_request(self.headers.get("Content-Type", ""), body, parts.query)
        except ApiError as exc:
            status, payload = exc.status, exc.payload()
        else:
            status, payload = api._dispatch(match[1], match[2], params, files)
            delay = api.slow_methods.get(match[2], api.latency)
            if delay and status == 200 and match[2].lower() != "getupdates":
                time.sleep(delay)  # the call counted on arrival; its answer takes Telegram's time
        self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        """Write a response; a client that gave up (cancelled long poll) is not an error."""
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True


class FakeBotApi:
    """A Bot API server on 127.0.0.1 plus the test-side controls for playing users.

    Every public method is thread-safe. Use as a context manager or call start()/stop().
    """

    def __init__(
        self,
        port: int = 0,
        *,
        token: str | None = None,
        bot_username: str = "makker_test_bot",
        bot_first_name: str = "Makker Test",
        record_get_updates: bool = False,
        on_call: CallListener | None = None,
        latency: float = 0.0,
        global_limit: int = 30,
    ) -> None:
        """`token` given: other tokens get 401. getUpdates calls are not recorded unless asked,
        because a polling bot makes them endlessly. `on_call` sees every recorded call. `latency`: seconds
        each successful call takes before its answer (Telegram's servers are not instant; errors come at
        once). `global_limit`: calls a second the bot may make before `limits()` counts a violation."""
        self.host = "127.0.0.1"
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self._requested_port = port
        self._required_token = token
        self._record_get_updates = record_get_updates
        self._on_call = on_call
        self._cond = threading.Condition(threading.RLock())
        self._conn_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

        self._token: str | None = None
        self._last_token: str | None = token
        self._bot_id = int(token.split(":")[0]) if token else 1
        self._pending: list[_Pending] = []
        self._next_update_id = 1
        self._poll_generation = 0
        self._next_message_id: dict[int, int] = {}
        self._bot_messages: dict[int, dict[int, _BotMessage]] = {}
        self._user_messages: dict[int, dict[int, JSONDict]] = {}
        self._keyboards: dict[int, JSONDict] = {}
        self._users: dict[int, JSONDict] = {}
        self._blocked: set[int] = set()
        self._open_queries: set[str] = set()
        self._next_query = 1
        self._calls: list[JSONDict] = []
        self._faults: list[_Fault] = []
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._files: dict[str, _StoredFile] = {}
        self._next_file = 1
        self._webhook: JSONDict | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._webhook_retry_at = 0.0
        self.latency = latency
        self.slow_methods: dict[str, float] = {}  # method -> seconds its successful answers take instead
        self.global_limit = global_limit
        self._recent_calls: deque[float] = deque()
        self._last_send_to: dict[int, float] = {}
        self._violations = {"global": 0, "per_chat": 0}
        handlers: list[tuple[str, Callable[[JSONDict, dict[str, Upload]], Any]]] = [
            ("getMe", self._get_me),
            ("getUpdates", self._get_updates),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("sendMessage", self._send_message),
            ("sendDocument", self._send_document),
            ("sendPhoto", self._send_photo),
            ("copyMessage", self._copy_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("answerCallbackQuery", self._answer_callback_query),
            ("deleteMessage", self._delete_message),
            ("sendChatAction", self._send_chat_action),
            ("getFile", self._get_file),
            ("close", self._true),
            ("logOut", self._true),
        ]
        self._methods = {name.lower(): (name, handler) for name, handler in handlers}

    # ----------------------------------------------------------------------------- lifecycle

    def start(self) -> FakeBotApi:
        """Bind 127.0.0.1 and serve in daemon threads."""
        if self._server is not None:
            raise RuntimeError("FakeBotApi is already running")
        with self._cond:
            self._stopping = False
        self._server = _Server((self.host, self._requested_port), self)
        self._threads = [
            threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fakebotapi-http",
                daemon=True,
            ),
            threading.Thread(target=self._webhook_loop, name="fakebotapi-webhook", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: wake long polls, close keep-alive sockets, free the port."""
        server = self._server
        if server is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        server.shutdown()
        with self._conn_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        for thread in self._threads:
            thread.join(timeout=11)
        self._threads = []
        self._server = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was requested)."""
        if self._server is None:
            if self._requested_port == 0:
                raise RuntimeError("FakeBotApi is not running; the port is chosen at start()")
            return self._requested_port
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Root URL of the server."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For telegram.Bot(base_url=...); the client appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For telegram.Bot(base_file_url=...); serves files the bot uploaded or users sent."""
        return f"{self.url}/file/bot"

    @property
    def token(self) -> str | None:
        """The token the bot used in its last getMe (or the required token, before that)."""
        with self._cond:
            return self._token or self._required_token

    @property
    def bot_id(self) -> int:
        """The bot's user id: the numeric part of its token, as with the real API."""
        with self._cond:
            return self._bot_id

    # ------------------------------------------------------------------ playing the users

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
    ) -> JSONDict:
        """Queue a private text message from a user and return the update.

        Profile fields default to the user's previous values, else first_name "Test" and
        language_code "da". A leading /command gets a bot_command entity as Telegram adds.
        """
        fields: JSONDict = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        return self._queue_user_message(user_id, fields, first_name, language_code, username)

    def send_sticker(self, user_id: int, *, emoji: str = "👍") -> JSONDict:
        """Queue a sticker from a user, for testing how the bot answers non-text input."""
        with self._cond:
            content = b"RIFF\x00\x00\x00\x00WEBPVP8 fake"
            stored = self._store_file("sticker.webp", content, "stickers", "image/webp")
            sticker = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "file_size": len(stored.content),
            }
            return self._queue_user_message(user_id, {"sticker": sticker})

    def send_photo(self, user_id: int, *, caption: str | None = None) -> JSONDict:
        """Queue a photo (two sizes, as Telegram sends) from a user."""
        with self._cond:
            sizes = []
            for width, height in ((90, 68), (1280, 960)):
                content = b"\xff\xd8\xff\xe0fake-jpeg-" + f"{width}x{height}".encode() + b"\xff\xd9"
                stored = self._store_file(f"photo_{width}.jpg", content, "photos", "image/jpeg")
                sizes.append(
                    {
                        "file_id": stored.file_id,
                        "file_unique_id": stored.file_unique_id,
                        "width": width,
                        "height": height,
                        "file_size": len(content),
                    }
                )
            fields: JSONDict = {"photo": sizes}
            if caption is not None:
                fields["caption"] = caption
            return self._queue_user_message(user_id, fields)

    def send_voice(self, user_id: int, *, duration: int = 3) -> JSONDict:
        """Queue a voice message from a user."""
        with self._cond:
            stored = self._store_file("voice.ogg", b"OggS\x00fake-voice", "voice", "audio/ogg")
            voice = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_size": len(stored.content),
            }
            return self._queue_user_message(user_id, {"voice": voice})

    def send_location(self, user_id: int, lat: float, lon: float) -> JSONDict:
        """Queue a shared location from a user."""
        return self._queue_user_message(user_id, {"location": {"latitude": lat, "longitude": lon}})

    def send_message_fields(self, user_id: int, fields: JSONDict) -> JSONDict:
        """Queue a private message with arbitrary content fields (contact, document, ...)."""
        return self._queue_user_message(user_id, copy.deepcopy(fields))

    def press_button(self, user_id: int, message_id: int, data: str) -> JSONDict:
        """Queue a callback query as if the user pressed a button on the bot's message.

        The data is not checked against the keyboard, so stale or forged presses can be tested.
        """
        with self._cond:
            stored = self._bot_messages.get(user_id, {}).get(message_id)
            if stored is None:
                raise LookupError(f"the bot has no message {message_id} in chat {user_id}")
            user = self._register_user(user_id)
            query_id = str(4_000_000_000_000_000 + self._next_query)
            self._next_query += 1
            self._open_queries.add(query_id)
            query = {
                "id": query_id,
                "from": user,
                "message": copy.deepcopy(stored.message),
                "chat_instance": self._chat_instance(user_id),
                "data": data,
            }
            return self._enqueue({"callback_query": query})

    def push_update(self, update: JSONDict) -> JSONDict:
        """Queue a raw update (forged, duplicate, exotic); a given update_id is kept.

        An update_id below those already issued is delivered once even if the bot's offset is past
        it (the real API would drop it), so tests can check that duplicates are handled.
        """
        update = copy.deepcopy(update)
        with self._cond:
            for key in ("message", "edited_message"):
                message = update.get(key)
                if isinstance(message, dict):
                    self._register_from(message.get("from"))
                    chat_id = _as_int((message.get("chat") or {}).get("id"))
                    message_id = _as_int(message.get("message_id"))
                    if chat_id is not None and message_id is not None:
                        self._user_messages.setdefault(chat_id, {})[message_id] = copy.deepcopy(message)
                        current = self._next_message_id.get(chat_id, 1)
                        self._next_message_id[chat_id] = max(current, message_id + 1)
            query = update.get("callback_query")
            if isinstance(query, dict):
                self._register_from(query.get("from"))
                if "id" in query:
                    self._open_queries.add(str(query["id"]))
            return self._enqueue(update)

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to them fail with 403."""
        with self._cond:
            self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        """The user unblocks the bot."""
        with self._cond:
            self._blocked.discard(user_id)

    # -------------------------------------------------------------------- fault injection

    def inject(
        self,
        method: str,
        status: int,
        *,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next `times` calls of `method` ("*": any method but getUpdates) fail with `status`.

        429 carries parameters.retry_after (default 1); 403 says the bot was blocked; 5xx says
        "Internal Server Error". Faults are used up in the order they were injected.
        """
        if method != "*" and method.lower() not in self._methods:
            raise ValueError(f"unknown Bot API method {method!r}")
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._cond:
            key = "*" if method == "*" else method.lower()
            self._faults.append(_Fault(key, status, retry_after, times, description))

    def add_users(self, user_ids: list[int] | range) -> None:
        """Users who have written to the bot before (its chats with them are open), without queuing updates."""
        with self._cond:
            for user_id in user_ids:
                self._register_user(user_id)

    def limits(self) -> dict[str, int]:
        """Violations of Telegram's limits counted so far: "global" (more than `global_limit` calls in a
        second) and "per_chat" (two sends to one private chat less than a second apart). The per-chat
        count covers every send, replies too, so it means something where only the outbox sends."""
        with self._cond:
            return dict(self._violations)

    def _count_limits(self, name: str, params: JSONDict, now: float) -> None:
        recent = self._recent_calls
        recent.append(now)
        while recent and recent[0] <= now - 1.0:
            recent.popleft()
        if len(recent) > self.global_limit:
            self._violations["global"] += 1
        chat_id = _as_int(params.get("chat_id"))
        if name in _SENDS and chat_id is not None and chat_id > 0:
            last = self._last_send_to.get(chat_id)
            if last is not None and now - last < 1.0:
                self._violations["per_chat"] += 1
            self._last_send_to[chat_id] = now

    def clear_faults(self) -> None:
        """Drop injected faults that have not fired yet."""
        with self._cond:
            self._faults.clear()

    # ------------------------------------------------------------------------- inspection

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[JSONDict]:
        """Recorded bot calls, oldest first, optionally filtered by chat and method.

        Each call: index, method, params (decoded; uploads as {filename, content, content_type}),
        chat_id, time, ok, status, and result or description. Failed calls are included.
        """
        with self._cond:
            return [
                copy.deepcopy(call)
                for call in self._calls
                if (chat_id is None or call["chat_id"] == chat_id)
                and (method is None or call["method"].lower() == method.lower())
            ]

    def mark(self) -> int:
        """The number of recorded calls, to pass as `after` and wait only for new ones."""
        with self._cond:
            return len(self._calls)

    def wait_for(self, predicate: Callable[[JSONDict], bool], timeout: float = 10.0, after: int = 0) -> JSONDict:
        """Block until a recorded call with index >= after satisfies predicate; return it.

        Raises TimeoutError listing the latest calls, so a failing test shows what the bot did.
        """
        deadline = time.monotonic() + timeout
        index = after
        with self._cond:
            while True:
                while index < len(self._calls):
                    call = copy.deepcopy(self._calls[index])
                    index += 1
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = [self._describe(call) for call in self._calls[-8:]]
                    raise TimeoutError(f"no matching bot call within {timeout}s; latest calls: {recent}")
                self._cond.wait(remaining)

    def wait_for_text(self, chat_id: int, contains: str, timeout: float = 10.0, after: int = 0) -> JSONDict:
        """The first successful sendMessage/editMessageText to chat_id whose text contains `contains`.

        The text is matched both as sent (with markup) and as shown to the user.
        """

        def matches(call: JSONDict) -> bool:
            if not call["ok"] or call["chat_id"] != chat_id:
                return False
            if call["method"] not in {"sendMessage", "editMessageText"}:
                return False
            result = call.get("result")
            shown = result.get("text", "") if isinstance(result, dict) else ""
            return contains in str(call["params"].get("text", "")) or contains in shown

        return self.wait_for(matches, timeout=timeout, after=after)

    def messages(self, chat_id: int) -> list[JSONDict]:
        """The bot's messages in a chat, in their current (edited) state, deleted ones left out.

        Each is the Message dict Telegram would return, with text (as shown, None for media),
        reply_markup (inline keyboard dict or None), message_id, and raw_text (as sent).
        """
        with self._cond:
            result = []
            for stored in self._bot_messages.get(chat_id, {}).values():
                message = copy.deepcopy(stored.message)
                message.setdefault("text", None)
                message.setdefault("reply_markup", None)
                message["raw_text"] = stored.raw_text
                result.append(message)
            return result

    def keyboard(self, chat_id: int) -> JSONDict | None:
        """The reply keyboard the user currently sees in a chat, or None."""
        with self._cond:
            return copy.deepcopy(self._keyboards.get(chat_id))

    def commands(self, language_code: str | None = None, scope: JSONDict | None = None) -> list[JSONDict]:
        """What setMyCommands set for that language ("" or None: no language) and scope (default)."""
        with self._cond:
            key = self._commands_key({"scope": scope, "language_code": language_code})
            return copy.deepcopy(self._commands.get(key, []))

    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by the bot."""
        with self._cond:
            return [copy.deepcopy(pending.update) for pending in self._pending]

    def file_content(self, file_id: str) -> bytes:
        """Bytes of a file the bot uploaded (or a user sent), by file_id."""
        with self._cond:
            return self._files[file_id].content

    # ------------------------------------------------------------------------ internals

    def _track_connection(self, connection: socket.socket, *, add: bool) -> None:
        """Remember open sockets for stop()."""
        with self._conn_lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _file_content(self, token: str, file_path: str) -> bytes | None:
        """Serve a download from base_file_url."""
        if not _TOKEN_RE.fullmatch(token):
            return None
        with self._cond:
            for stored in self._files.values():
                if stored.file_path == file_path:
                    return stored.content
        return None

    def _dispatch(self, token: str, method: str, params: JSONDict, files: dict[str, Upload]) -> tuple[int, JSONDict]:
        """Run one Bot API method: check token, fire faults, call the handler, record the call."""
        if not _TOKEN_RE.fullmatch(token):
            return 404, dict(_NOT_FOUND)
        if self._required_token is not None and token != self._required_token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        entry = self._methods.get(method.lower())
        if entry is None:
            return 404, dict(_NOT_FOUND)
        name, handler = entry
        call: JSONDict | None = None
        with self._cond:
            self._last_token = token
            self._bot_id = int(token.split(":")[0])
            started = time.time()
            if name != "getUpdates":
                self._count_limits(name, params, time.monotonic())
            try:
                fault = self._take_fault(name)
                if fault is not None:
                    raise fault
                status, body = 200, {"ok": True, "result": handler(params, files)}
            except ApiError as exc:
                status, body = exc.status, exc.payload()
            except Exception as exc:  # a bug in the fake must show up, not hang the bot
                traceback.print_exc()
                status = 500
                body = {"ok": False, "error_code": 500, "description": f"Internal Server Error: {exc!r}"}
            if name != "getUpdates" or self._record_get_updates:
                call = self._record(name, params, files, started, status, body)
        if call is not None and self._on_call is not None:
            try:
                self._on_call(call)
            except Exception:  # a broken listener must not cost the bot its reply
                traceback.print_exc()
        return status, body

    def _record(
        self,
        name: str,
        params: JSONDict,
        files: dict[str, Upload],
        started: float,
        status: int,
        body: JSONDict,
    ) -> JSONDict:
        """Append a call to the log and wake waiters; returns a copy for listeners."""
        recorded = copy.deepcopy(params)
        recorded.update({field: upload.as_dict() for field, upload in files.items()})
        call: JSONDict = {
            "index": len(self._calls),
            "method": name,
            "params": recorded,
            "chat_id": _as_int(params.get("chat_id")),
            "time": started,
            "ok": body["ok"],
            "status": status,
        }
        if body["ok"]:
            call["result"] = copy.deepcopy(body["result"])
        else:
            call["description"] = body["description"]
        self._calls.append(call)
        self._cond.notify_all()
        return copy.deepcopy(call)

    @staticmethod
    def _describe(call: JSONDict) -> str:
        """A one-line summary of a call for timeout messages."""
        text = call["params"].get("text")
        detail = f" {str(text)[:60]!r}" if text is not None else ""
        outcome = "ok" if call["ok"] else call.get("description")
        return f"#{call['index']} {call['method']} chat={call['chat_id']}{detail} -> {outcome}"

    def _take_fault(self, method: str) -> ApiError | None:
        """Consume the first injected fault that applies to this method."""
        for index, fault in enumerate(self._faults):
            if fault.method == method.lower() or (fault.method == "*" and method != "getUpdates"):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[index]
                return fault.error()
        return None

    def _register_user(
        self,
        user_id: int,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
    ) -> JSONDict:
        """Create or update a user; a user who wrote to the bot opens their private chat to it."""
        if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0:
            raise ValueError(f"user_id must be a positive int, not {user_id!r}")
        user = self._users.get(user_id) or {
            "id": user_id,
            "is_bot": False,
            "first_name": "Test",
            "language_code": "da",
        }
        if first_name is not None:
            user["first_name"] = first_name
        if language_code is not None:
            user["language_code"] = language_code
        if username is not None:
            user["username"] = username
        self._users[user_id] = user
        return copy.deepcopy(user)

    def _register_from(self, sender: Any) -> None:
        """Learn the sender of a raw update."""
        user_id = _as_int(sender.get("id")) if isinstance(sender, dict) else None
        if user_id is not None and user_id > 0:
            self._users[user_id] = {**self._users.get(user_id, {}), **copy.deepcopy(sender)}

    def _private_chat(self, user_id: int) -> JSONDict:
        """The private Chat object for a user."""
        user = self._users.get(user_id, {})
        chat: JSONDict = {"id": user_id, "type": "private", "first_name": user.get("first_name", "Test")}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        return chat

    @staticmethod
    def _chat_instance(chat_id: int) -> str:
        """A stable chat_instance per chat, as Telegram gives."""
        return str(6_000_000_000_000_000_000 + chat_id)

    def _take_message_id(self, chat_id: int) -> int:
        """Message ids count up per chat, shared by the user's and the bot's messages."""
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _queue_user_message(
        self,
        user_id: int,
        fields: JSONDict,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
    ) -> JSONDict:
        """Build a private message from a user, remember it, and queue it as an update."""
        with self._cond:
            user = self._register_user(user_id, first_name, language_code, username)
            message: JSONDict = {
                "message_id": self._take_message_id(user_id),
                "from": user,
                "chat": self._private_chat(user_id),
                "date": int(time.time()),
                **fields,
            }
            self._user_messages.setdefault(user_id, {})[message["message_id"]] = copy.deepcopy(message)
            return self._enqueue({"message": message})

    def _enqueue(self, update: JSONDict) -> JSONDict:
        """Give the update an id if it has none and wake long polls."""
        given = _as_int(update.get("update_id"))
        if given is None:
            update["update_id"] = self._next_update_id
            given = self._next_update_id
        replayed = given < self._next_update_id
        self._next_update_id = max(self._next_update_id, given + 1)
        self._pending.append(_Pending(copy.deepcopy(update), replayed=replayed))
        self._cond.notify_all()
        return copy.deepcopy(update)

    def _store_file(self, filename: str, content: bytes, folder: str, mime_type: str) -> _StoredFile:
        """Keep a file so getFile and downloads work for it."""
        number = self._next_file
        self._next_file += 1
        suffix = filename[filename.rfind(".") :] if "." in filename else ""
        stored = _StoredFile(
            file_id=f"FAKE-{folder}-{number:08d}-AgADBAADfake",
            file_unique_id=f"AQAD{number:08d}",
            file_path=f"{folder}/file_{number}{suffix}",
            filename=filename,
            content=content,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        return stored

    def _chat_id(self, params: JSONDict) -> int:
        """The target chat; only numeric private chat ids are known to the fake."""
        value = params.get("chat_id")
        if value is None or value == "":
            raise _bad("chat_id is empty")
        chat_id = _as_int(value)
        if chat_id is None:
            raise _bad("chat not found")
        return chat_id

    def _known_chat(self, params: JSONDict) -> int:
        """A bot can only reach users who have written to it first."""
        chat_id = self._chat_id(params)
        if chat_id not in self._users:
            raise _bad("chat not found")
        return chat_id

    def _writable_chat(self, params: JSONDict) -> int:
        """A known chat whose user has not blocked the bot."""
        chat_id = self._known_chat(params)
        if chat_id in self._blocked:
            raise ApiError(403, _BLOCKED)
        return chat_id

    def _bot_user(self) -> JSONDict:
        """The bot as a User object."""
        return {
            "id": self._bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _new_bot_message(self, chat_id: int, fields: JSONDict, raw_text: str | None, params: JSONDict) -> JSONDict:
        """Store a message sent by the bot and return it as Telegram would."""
        message: JSONDict = {
            "message_id": self._take_message_id(chat_id),
            "from": self._bot_user(),
            "chat": self._private_chat(chat_id),
            "date": int(time.time()),
            **fields,
        }
        reply_to = self._reply_target(chat_id, params)
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        markup = params.get("reply_markup")
        inline = _inline_markup(markup)
        if inline is not None:
            message["reply_markup"] = inline
        elif isinstance(markup, dict) and "keyboard" in markup:
            self._keyboards[chat_id] = copy.deepcopy(markup)
        elif isinstance(markup, dict) and markup.get("remove_keyboard"):
            self._keyboards.pop(chat_id, None)
        self._bot_messages.setdefault(chat_id, {})[message["message_id"]] = _BotMessage(message, raw_text)
        return copy.deepcopy(message)

    def _reply_target(self, chat_id: int, params: JSONDict) -> JSONDict | None:
        """The message being replied to, enforcing that it exists unless told otherwise."""
        reply = params.get("reply_parameters")
        allow_missing = _truthy(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = _as_int(reply.get("message_id"))
            allow_missing = allow_missing or _truthy(reply.get("allow_sending_without_reply"))
        else:
            message_id = _as_int(params.get("reply_to_message_id"))
        if message_id is None:
            return None
        stored = self._bot_messages.get(chat_id, {}).get(message_id)
        if stored is not None:
            return copy.deepcopy(stored.message)
        user_message = self._user_messages.get(chat_id, {}).get(message_id)
        if user_message is not None:
            return copy.deepcopy(user_message)
        if allow_missing:
            return None
        raise _bad("message to be replied not found")

    def _editable(self, chat_id: int, params: JSONDict) -> _BotMessage:
        """The bot's own message named by message_id, with Telegram's errors otherwise."""
        raw_id = params.get("message_id")
        if raw_id is None or raw_id == "":
            raise _bad("message identifier is not specified")
        message_id = _as_int(raw_id)
        stored = self._bot_messages.get(chat_id, {}).get(message_id) if message_id is not None else None
        if stored is not None:
            return stored
        if message_id is not None and message_id in self._user_messages.get(chat_id, {}):
            raise _bad("message can't be edited")
        raise _bad("message to edit not found")

    def _commands_key(self, params: JSONDict) -> tuple[str, str]:
        """Commands are stored per (scope, language_code), exactly as the real API keys them."""
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise _bad("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    # ------------------------------------------------------------------ method handlers

    def _true(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        """close and logOut just succeed."""
        return True

    def _get_me(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        """getMe, with the fields the client library reads."""
        self._token = self._last_token
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, params: JSONDict, files: dict[str, Upload]) -> list[JSONDict]:
        """Long polling: confirm below offset, wait up to timeout for an update, return up to limit.

        A newer getUpdates ends an older waiting one with 409, as Telegram does with two pollers.
        """
        if self._webhook is not None:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        offset = _as_int(params.get("offset")) or 0
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        try:
            timeout = min(max(float(params.get("timeout") or 0), 0.0), 3600.0)
        except (TypeError, ValueError):
            raise _bad("invalid timeout specified") from None
        if offset < 0:
            self._pending = self._pending[offset:]
        elif offset > 0:
            self._pending = [
                p for p in self._pending if p.update["update_id"] >= offset or (p.replayed and not p.delivered)
            ]
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()
        deadline = time.monotonic() + timeout
        while True:
            if self._poll_generation != generation:
                raise ApiError(409, _POLL_CONFLICT)
            if self._pending or self._stopping:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._cond.wait(remaining)
        batch: list[_Pending] = []
        for pending in self._pending:
            # Never put an out-of-order id after a higher one: clients confirm by the last id.
            if len(batch) == limit:
                break
            if batch and pending.update["update_id"] <= batch[-1].update["update_id"]:
                break
            batch.append(pending)
        for pending in batch:
            pending.delivered = True
        return [copy.deepcopy(pending.update) for pending in batch]

    def _set_my_commands(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        """Store commands per scope and language; an empty list deletes them."""
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        cleaned = []
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            description = str(command.get("description", ""))
            if not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command["command"], "description": description})
        key = self._commands_key(params)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: JSONDict, files: dict[str, Upload]) -> list[JSONDict]:
        """Exactly what was set for this scope and language (no fallback, like Telegram)."""
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        """Forget the commands of this scope and language."""
        self._commands.pop(self._commands_key(params), None)
        return True

    def _set_webhook(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        """Set a webhook; updates are then POSTed to it (loopback hosts only) and getUpdates is refused."""
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params, files)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise _bad("bad webhook: secret token contains unallowed characters")
        if _truthy(params.get("drop_pending_updates")):
            self._pending.clear()
        self._webhook = {
            "url": url,
            "secret_token": None if secret is None else str(secret),
            "max_connections": _as_int(params.get("max_connections")) or 40,
            "allowed_updates": params.get("allowed_updates"),
        }
        self._webhook_error = None
        if parts.hostname not in _LOOPBACK_HOSTS:
            self._webhook_error = (int(time.time()), "the fake Bot API delivers webhooks only to 127.0.0.1")
        self._webhook_retry_at = 0.0
        self._cond.notify_all()
        return True

    def _delete_webhook(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        """Remove the webhook so getUpdates works again."""
        if _truthy(params.get("drop_pending_updates")):
            self._pending.clear()
        self._webhook = None
        self._webhook_error = None
        return True

    def _get_webhook_info(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        """WebhookInfo; url is "" when polling."""
        info: JSONDict = {
            "url": self._webhook["url"] if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook:
            info["max_connections"] = self._webhook["max_connections"]
            if self._webhook["allowed_updates"] is not None:
                info["allowed_updates"] = self._webhook["allowed_updates"]
            if self._webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    def _send_message(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        """sendMessage with Telegram's text, keyboard, chat and block rules."""
        chat_id = self._writable_chat(params)
        raw = params.get("text")
        plain = _check_text(raw, params.get("parse_mode"))
        _check_reply_markup(params.get("reply_markup"))
        return self._new_bot_message(chat_id, {"text": plain}, str(raw), params)

    def _send_document(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        """sendDocument: an uploaded file is kept whole; a known file_id may be resent."""
        chat_id = self._writable_chat(params)
        upload = files.get("document")
        reference = params.get("document")
        if upload is not None:
            if not upload.content:
                raise _bad("file must be non-empty")
            stored = self._store_file(upload.filename, upload.content, "documents", upload.content_type)
        elif isinstance(reference, str) and reference in self._files:
            stored = self._files[reference]
        elif reference:
            raise _bad("wrong file identifier/HTTP URL specified")
        else:
            raise _bad("there is no document in the request")
        raw_caption = params.get("caption")
        caption = _check_text(raw_caption, params.get("parse_mode"), caption=True)
        _check_reply_markup(params.get("reply_markup"))
        fields: JSONDict = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": stored.filename,
                "mime_type": stored.mime_type,
                "file_size": len(stored.content),
            }
        }
        if caption:
            fields["caption"] = caption
        raw_text = None if raw_caption is None else str(raw_caption)
        return self._new_bot_message(chat_id, fields, raw_text, params)

    def _send_photo(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        """sendPhoto of an uploaded photo or a known file id, with an optional caption."""
        chat_id = self._writable_chat(params)
        upload, reference = files.get("photo"), params.get("photo")
        if upload is not None:
            stored = self._store_file(upload.filename, upload.content, "photos", upload.content_type)
            file_id, unique = stored.file_id, stored.file_unique_id
        elif isinstance(reference, str) and reference:
            file_id, unique = reference, f"u-{reference}"
        else:
            raise _bad("there is no photo in the request")
        raw_caption = params.get("caption")
        caption = _check_text(raw_caption, params.get("parse_mode"), caption=True)
        _check_reply_markup(params.get("reply_markup"))
        fields: JSONDict = {"photo": [{"file_id": file_id, "file_unique_id": unique, "width": 90, "height": 90}]}
        if caption:
            fields["caption"] = caption
        return self._new_bot_message(chat_id, fields, None if raw_caption is None else str(raw_caption), params)

    def _copy_message(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        """copyMessage of a message a user sent (or the bot sent) in a known chat; answers its new id only."""
        chat_id = self._writable_chat(params)
        from_chat = _as_int(params.get("from_chat_id"))
        message_id = _as_int(params.get("message_id"))
        if from_chat is None or message_id is None:
            raise _bad("message to copy not found")
        source = self._user_messages.get(from_chat, {}).get(message_id)
        if source is None and message_id in self._bot_messages.get(from_chat, {}):
            source = self._bot_messages[from_chat][message_id].message
        if source is None:
            raise _bad("message to copy not found")
        _check_reply_markup(params.get("reply_markup"))
        fields = {key: copy.deepcopy(value) for key, value in source.items() if key in _COPIED_FIELDS}
        message = self._new_bot_message(chat_id, fields, fields.get("text"), params)
        return {"message_id": message["message_id"]}

    def _edit_message_text(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict | bool:
        """editMessageText; leaving out reply_markup removes the inline keyboard, as in Telegram."""
        raw = params.get("text")
        plain = _check_text(raw, params.get("parse_mode"))
        markup = params.get("reply_markup")
        _check_reply_markup(markup)
        if params.get("inline_message_id"):
            return True
        chat_id = self._writable_chat(params)
        stored = self._editable(chat_id, params)
        message = stored.message
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        new_markup = _inline_markup(markup)
        unchanged_text = stored.raw_text == str(raw) and message["text"] == plain
        if unchanged_text and message.get("reply_markup") == new_markup:
            raise _bad(_NOT_MODIFIED)
        message["text"] = plain
        stored.raw_text = str(raw)
        self._set_markup(message, new_markup)
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict | bool:
        """editMessageReplyMarkup; no reply_markup removes the keyboard."""
        markup = params.get("reply_markup")
        _check_reply_markup(markup)
        if params.get("inline_message_id"):
            return True
        chat_id = self._writable_chat(params)
        stored = self._editable(chat_id, params)
        new_markup = _inline_markup(markup)
        if stored.message.get("reply_markup") == new_markup:
            raise _bad(_NOT_MODIFIED)
        self._set_markup(stored.message, new_markup)
        return copy.deepcopy(stored.message)

    @staticmethod
    def _set_markup(message: JSONDict, markup: JSONDict | None) -> None:
        """Apply an edit's keyboard and stamp edit_date."""
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())

    def _answer_callback_query(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        """A query can be answered once; unknown or repeated answers fail like Telegram's."""
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_queries:
            raise _bad(_QUERY_INVALID)
        self._open_queries.discard(query_id)
        return True

    def _delete_message(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        """Bots may delete their own and, in private chats, the user's messages."""
        chat_id = self._known_chat(params)
        message_id = _as_int(params.get("message_id"))
        if message_id is not None and message_id in self._bot_messages.get(chat_id, {}):
            del self._bot_messages[chat_id][message_id]
        elif message_id is not None and message_id in self._user_messages.get(chat_id, {}):
            del self._user_messages[chat_id][message_id]
        else:
            raise _bad("message to delete not found")
        return True

    def _send_chat_action(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        """sendChatAction with the real list of actions."""
        self._writable_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _get_file(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        """getFile for files the server knows; the path downloads from base_file_url."""
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    # ------------------------------------------------------------------ webhook delivery

    def _webhook_loop(self) -> None:
        """POST pending updates one at a time to a loopback webhook, retrying on failure."""
        while True:
            with self._cond:
                while not self._stopping and not self._webhook_ready():
                    delay = self._webhook_retry_at - time.monotonic()
                    self._cond.wait(delay if delay > 0 else None)
                if self._stopping:
                    return
                head = self._pending[0]
                assert self._webhook is not None
                url, secret = self._webhook["url"], self._webhook["secret_token"]
                update = copy.deepcopy(head.update)
            error = self._post_update(url, secret, update)
            with self._cond:
                if error is None:
                    if self._pending and self._pending[0] is head:
                        self._pending.pop(0)
                else:
                    self._webhook_error = (int(time.time()), error)
                    self._webhook_retry_at = time.monotonic() + 0.5

    def _webhook_ready(self) -> bool:
        """A webhook on a loopback host is set, an update is waiting, and no retry delay is running."""
        if self._webhook is None or not self._pending or time.monotonic() < self._webhook_retry_at:
            return False
        return urllib.parse.urlsplit(self._webhook["url"]).hostname in _LOOPBACK_HOSTS

    def _post_update(self, url: str, secret: str | None, update: JSONDict) -> str | None:
        """Deliver one update; returns an error text or None. Never leaves 127.0.0.1."""
        if urllib.parse.urlsplit(url).hostname not in _LOOPBACK_HOSTS:
            return "the fake Bot API delivers webhooks only to 127.0.0.1"
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        data = json.dumps(update).encode()
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=10) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            return f"Wrong response from the webhook: {exc.code} {exc.reason}"
        except OSError as exc:
            return f"Connection failed: {exc}"
        return None


# ---------------------------------------------------------------------- manual trials

_PRINT_LOCK = threading.Lock()
_HELP = (
    "commands: send UID TEXT | press UID MESSAGE_ID DATA | sticker UID | photo UID | voice UID | "
    "location UID LAT LON | block UID | unblock UID | inject METHOD STATUS [RETRY_AFTER] | "
    "messages UID | quit"
)


def _json_default(value: Any) -> Any:
    """Show uploaded bytes by size instead of failing to encode them."""
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return repr(value)


def _print_json(data: Any) -> None:
    """One JSON object per line, never interleaved between threads."""
    with _PRINT_LOCK:
        print(json.dumps(data, ensure_ascii=False, default=_json_default), flush=True)


def _print_call(call: JSONDict) -> None:
    """Show a bot call in the manual console."""
    keys = ("method", "chat_id", "ok", "params", "description")
    _print_json({key: call[key] for key in keys if key in call})


def _run_command(api: FakeBotApi, line: str) -> bool:
    """Run one console command; False means quit."""
    words = line.split()
    if not words:
        return True
    command = words[0].lower()
    try:
        if command in {"quit", "exit"}:
            return False
        if command == "send" and len(words) >= 3:
            api.send_text(int(words[1]), line.split(maxsplit=2)[2])
        elif command == "press" and len(words) >= 4:
            api.press_button(int(words[1]), int(words[2]), line.split(maxsplit=3)[3])
        elif command in {"sticker", "photo", "voice"} and len(words) == 2:
            getattr(api, f"send_{command}")(int(words[1]))
        elif command == "location" and len(words) == 4:
            api.send_location(int(words[1]), float(words[2]), float(words[3]))
        elif command in {"block", "unblock"} and len(words) == 2:
            getattr(api, command)(int(words[1]))
        elif command == "inject" and len(words) in {3, 4}:
            retry_after = int(words[3]) if len(words) == 4 else None
            api.inject(words[1], int(words[2]), retry_after=retry_after)
        elif command == "messages" and len(words) == 2:
            _print_json({"messages": api.messages(int(words[1]))})
        else:
            print(_HELP, file=sys.stderr, flush=True)
    except (ValueError, LookupError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
    return True


def main(argv: list[str] | None = None) -> int:
    """Serve in the foreground so a developer can play a user by hand against a running bot."""
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8081, help="port to bind (0: any free port)")
    args = parser.parse_args(argv)
    with FakeBotApi(port=args.port, on_call=_print_call) as api:
        print(api.base_url, flush=True)
        print(_HELP, file=sys.stderr, flush=True)
        for line in sys.stdin:
            if not _run_command(api, line.strip()):
                break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
