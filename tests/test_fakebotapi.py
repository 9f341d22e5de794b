"""Tests of the fake Bot API: through raw HTTP, and through the bot's client library itself.

Why: every end-to-end test of the bot trusts this fake, so its protocol, Telegram's rules and the
fault injection must be checked against the real client library.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from tests.fakebotapi import FakeBotApi

TOKEN = "123:ABC"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    """A fresh server per test, on a random port."""
    with FakeBotApi() as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """A plain HTTP client that never uses a proxy."""
    with httpx.Client(trust_env=False, timeout=15) as http:
        yield http


def call(client: httpx.Client, api: FakeBotApi, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """Call a method form-encoded the way the client library does: strings raw, the rest JSON."""
    data = {key: value if isinstance(value, str) else json.dumps(value) for key, value in params.items()}
    response = client.post(f"{api.base_url}{TOKEN}/{method}", data=data)
    return response.status_code, response.json()


def keyboard(*data: str) -> dict[str, Any]:
    """An inline keyboard with one button per callback_data."""
    return {"inline_keyboard": [[{"text": f"b{i}", "callback_data": d} for i, d in enumerate(data)]]}


def test_get_me_records_token_and_bot_id(api: FakeBotApi, client: httpx.Client) -> None:
    status, body = call(client, api, "getMe")
    assert status == 200 and body["ok"] is True
    me = body["result"]
    assert me["id"] == 123 and me["is_bot"] is True and me["username"] == api.bot_username
    assert me["can_join_groups"] is True and "first_name" in me
    assert api.token == TOKEN
    assert api.base_url == f"http://127.0.0.1:{api.port}/bot"


def test_unknown_method_and_malformed_token_are_404(api: FakeBotApi, client: httpx.Client) -> None:
    assert call(client, api, "fooBar") == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    response = client.post(f"{api.base_url}not-a-token/getMe")
    assert response.status_code == 404 and response.json()["ok"] is False


def test_required_token_rejects_others(client: httpx.Client) -> None:
    with FakeBotApi(token="999:XYZ") as server:
        assert client.post(f"{server.base_url}999:XYZ/getMe").json()["result"]["id"] == 999
        response = client.post(f"{server.base_url}{TOKEN}/getMe")
        assert response.status_code == 401 and response.json()["description"] == "Unauthorized"


def test_get_updates_offset_limit_and_confirmation(api: FakeBotApi, client: httpx.Client) -> None:
    for text in ("/start", "hej", "igen"):
        api.send_text(42, text)
    status, body = call(client, api, "getUpdates", limit=2)
    assert status == 200
    assert [u["update_id"] for u in body["result"]] == [1, 2]
    # Not confirmed yet: asked again, the same updates come back.
    assert [u["update_id"] for u in call(client, api, "getUpdates")[1]["result"]] == [1, 2, 3]
    assert [u["update_id"] for u in call(client, api, "getUpdates", offset=3)[1]["result"]] == [3]
    assert call(client, api, "getUpdates", offset=4)[1]["result"] == []
    assert api.pending_updates() == []


def test_get_updates_negative_offset_keeps_the_last(api: FakeBotApi, client: httpx.Client) -> None:
    for text in ("a", "b", "c"):
        api.send_text(42, text)
    result = call(client, api, "getUpdates", offset=-1)[1]["result"]
    assert [u["message"]["text"] for u in result] == ["c"]


def test_get_updates_long_polls_until_an_update_arrives(api: FakeBotApi, client: httpx.Client) -> None:
    started = time.monotonic()
    assert call(client, api, "getUpdates", timeout=1)[1]["result"] == []
    assert time.monotonic() - started >= 0.9

    timer = threading.Timer(0.3, api.send_text, args=(42, "hej"))
    timer.start()
    started = time.monotonic()
    result = call(client, api, "getUpdates", timeout=10)[1]["result"]
    elapsed = time.monotonic() - started
    timer.join()
    assert [u["message"]["text"] for u in result] == ["hej"]
    assert 0.2 < elapsed < 5


def test_a_second_poller_ends_the_first_with_conflict(api: FakeBotApi, client: httpx.Client) -> None:
    outcome: dict[str, Any] = {}

    def first_poll() -> None:
        with httpx.Client(trust_env=False, timeout=15) as other:
            outcome["first"] = call(other, api, "getUpdates", timeout=10)

    thread = threading.Thread(target=first_poll)
    thread.start()
    time.sleep(0.3)
    assert call(client, api, "getUpdates", timeout=0)[1]["result"] == []
    thread.join(timeout=5)
    status, body = outcome["first"]
    assert status == 409 and body["description"].startswith("Conflict: terminated by other getUpdates")


def test_send_text_command_entities_and_message_ids(api: FakeBotApi, client: httpx.Client) -> None:
    update = api.send_text(7, "/start ref", first_name="Ane", username="ane")
    message = update["message"]
    assert update["update_id"] == 1
    assert message["message_id"] == 1 and isinstance(message["date"], int)
    assert message["date"] < 10**11  # seconds, not milliseconds
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["chat"] == {"id": 7, "type": "private", "first_name": "Ane", "username": "ane"}
    assert message["from"]["language_code"] == "da"
    sent = call(client, api, "sendMessage", chat_id=7, text="Hej")[1]["result"]
    assert sent["message_id"] == 2 and sent["from"]["is_bot"] is True
    assert api.send_text(7, "ok")["message"]["message_id"] == 3
    assert "entities" not in api.send_text(7, "no command")["message"]


def test_send_message_rules(api: FakeBotApi, client: httpx.Client) -> None:
    status, body = call(client, api, "sendMessage", chat_id=5, text="hej")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    api.send_text(5, "/start")
    assert call(client, api, "sendMessage", chat_id=5, text="x" * 4096)[0] == 200
    status, body = call(client, api, "sendMessage", chat_id=5, text="x" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    assert call(client, api, "sendMessage", chat_id=5, text="")[1]["description"] == (
        "Bad Request: message text is empty"
    )
    assert call(client, api, "sendMessage", chat_id=5, text="  \n")[1]["error_code"] == 400
    api.block(5)
    status, body = call(client, api, "sendMessage", chat_id=5, text="hej")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    api.unblock(5)
    assert call(client, api, "sendMessage", chat_id=5, text="hej")[0] == 200


def test_text_that_looks_like_json_stays_text(api: FakeBotApi, client: httpx.Client) -> None:
    api.send_text(5, "hi")
    assert call(client, api, "sendMessage", chat_id=5, text="42")[1]["result"]["text"] == "42"
    assert call(client, api, "sendMessage", chat_id=5, text="true")[1]["result"]["text"] == "true"


def test_callback_data_is_limited_to_64_utf8_bytes(api: FakeBotApi, client: httpx.Client) -> None:
    api.send_text(5, "hi")
    assert call(client, api, "sendMessage", chat_id=5, text="t", reply_markup=keyboard("a" * 64))[0] == 200
    assert call(client, api, "sendMessage", chat_id=5, text="t", reply_markup=keyboard("æ" * 32))[0] == 200
    for data in ("a" * 65, "æ" * 33, ""):
        status, body = call(client, api, "sendMessage", chat_id=5, text="t", reply_markup=keyboard("ok", data))
        assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


def test_html_is_validated_and_counted_as_shown(api: FakeBotApi, client: httpx.Client) -> None:
    api.send_text(5, "hi")
    status, body = call(client, api, "sendMessage", chat_id=5, text="<b>Hej</b> &amp; <i>dav</i>", parse_mode="HTML")
    assert status == 200 and body["result"]["text"] == "Hej & dav"
    assert api.messages(5)[-1]["raw_text"] == "<b>Hej</b> &amp; <i>dav</i>"
    status, body = call(client, api, "sendMessage", chat_id=5, text="a<br>b", parse_mode="HTML")
    assert status == 400 and 'Unsupported start tag "br"' in body["description"]
    status, body = call(client, api, "sendMessage", chat_id=5, text="<b>open", parse_mode="HTML")
    assert status == 400 and body["description"].startswith("Bad Request: can't parse entities")
    long_html = "<b>" + "x" * 4096 + "</b>"
    assert call(client, api, "sendMessage", chat_id=5, text=long_html, parse_mode="HTML")[0] == 200
    status, body = call(client, api, "sendMessage", chat_id=5, text="Slut.", parse_mode="MarkdownV2")
    assert status == 400 and "Character '.' is reserved" in body["description"]
    assert call(client, api, "sendMessage", chat_id=5, text="Slut\\.", parse_mode="MarkdownV2")[0] == 200


def test_edits_and_their_errors(api: FakeBotApi, client: httpx.Client) -> None:
    api.send_text(5, "hi")
    sent = call(client, api, "sendMessage", chat_id=5, text="Vælg", reply_markup=keyboard("a", "b"))[1]["result"]
    mid = sent["message_id"]
    assert sent["reply_markup"] == keyboard("a", "b")

    status, body = call(client, api, "editMessageText", chat_id=5, message_id=999, text="x")
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")
    status, body = call(
        client,
        api,
        "editMessageText",
        chat_id=5,
        message_id=mid,
        text="Vælg",
        reply_markup=keyboard("a", "b"),
    )
    assert status == 400 and body["description"].startswith("Bad Request: message is not modified: ")

    status, body = call(
        client, api, "editMessageText", chat_id=5, message_id=mid, text="Valgt", reply_markup=keyboard("c")
    )
    assert status == 200
    edited = body["result"]
    assert edited["text"] == "Valgt" and edited["message_id"] == mid and "edit_date" in edited
    [current] = api.messages(5)
    assert current["text"] == "Valgt" and current["reply_markup"] == keyboard("c")

    status, body = call(client, api, "editMessageReplyMarkup", chat_id=5, message_id=mid)
    assert status == 200 and "reply_markup" not in body["result"]
    assert api.messages(5)[0]["reply_markup"] is None
    assert call(client, api, "editMessageReplyMarkup", chat_id=5, message_id=mid)[0] == 400
    status, body = call(client, api, "editMessageText", chat_id=5, message_id=1, text="user's")
    assert (status, body["description"]) == (400, "Bad Request: message can't be edited")


def test_delete_message_and_chat_action(api: FakeBotApi, client: httpx.Client) -> None:
    api.send_text(5, "hi")
    mid = call(client, api, "sendMessage", chat_id=5, text="bye")[1]["result"]["message_id"]
    assert call(client, api, "deleteMessage", chat_id=5, message_id=mid) == (
        200,
        {"ok": True, "result": True},
    )
    assert api.messages(5) == []
    status, body = call(client, api, "deleteMessage", chat_id=5, message_id=mid)
    assert (status, body["description"]) == (400, "Bad Request: message to delete not found")
    assert call(client, api, "sendChatAction", chat_id=5, action="typing")[1]["result"] is True
    assert call(client, api, "sendChatAction", chat_id=5, action="dancing")[0] == 400


def test_press_button_and_answer_callback_query(api: FakeBotApi, client: httpx.Client) -> None:
    api.send_text(5, "hi")
    mid = call(client, api, "sendMessage", chat_id=5, text="Vælg", reply_markup=keyboard("ja"))[1]["result"][
        "message_id"
    ]
    with pytest.raises(LookupError):
        api.press_button(5, 999, "ja")
    update = api.press_button(5, mid, "ja")
    query = update["callback_query"]
    assert query["data"] == "ja" and query["chat_instance"] and query["from"]["id"] == 5
    assert query["message"]["message_id"] == mid and query["message"]["reply_markup"] == keyboard("ja")
    assert call(client, api, "answerCallbackQuery", callback_query_id=query["id"], text="ok")[1]["result"] is True
    status, body = call(client, api, "answerCallbackQuery", callback_query_id=query["id"])
    assert status == 400 and "query ID is invalid" in body["description"]


def test_fault_injection(api: FakeBotApi, client: httpx.Client) -> None:
    api.send_text(5, "hi")
    api.inject("sendMessage", 429, retry_after=3, times=2)
    for _ in range(2):
        assert call(client, api, "sendMessage", chat_id=5, text="x") == (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            },
        )
    assert call(client, api, "sendMessage", chat_id=5, text="x")[0] == 200

    api.inject("*", 502)
    assert call(client, api, "getUpdates")[0] == 200  # "*" spares getUpdates
    assert call(client, api, "getMe") == (
        502,
        {"ok": False, "error_code": 502, "description": "Internal Server Error"},
    )
    api.inject("getUpdates", 500)
    assert call(client, api, "getUpdates")[0] == 500
    api.inject("sendMessage", 403)
    assert call(client, api, "sendMessage", chat_id=5, text="x")[1]["description"].startswith("Forbidden")
    api.inject("sendMessage", 400, description="Bad Request: custom")
    assert call(client, api, "sendMessage", chat_id=5, text="x")[1]["description"] == "Bad Request: custom"
    with pytest.raises(ValueError):
        api.inject("sendMesage", 500)
    failed = [c for c in api.sent(chat_id=5, method="sendMessage") if not c["ok"]]
    assert [c["status"] for c in failed] == [429, 429, 403, 400]


def test_send_document_multipart_and_download(api: FakeBotApi, client: httpx.Client) -> None:
    api.send_text(5, "hi")
    payload = bytes(range(256)) + b"\r\n--not-a-boundary\r\n"
    response = client.post(
        f"{api.base_url}{TOKEN}/sendDocument",
        data={"chat_id": "5", "caption": "<b>Data</b>", "parse_mode": "HTML"},
        files={"document": ("eksport æ.csv", payload, "text/csv")},
    )
    assert response.status_code == 200
    message = response.json()["result"]
    assert message["caption"] == "Data"
    document = message["document"]
    assert document["file_name"] == "eksport æ.csv" and document["file_size"] == len(payload)
    [recorded] = api.sent(method="sendDocument")
    assert recorded["params"]["document"]["content"] == payload
    assert recorded["params"]["document"]["filename"] == "eksport æ.csv"
    assert api.file_content(document["file_id"]) == payload

    file_info = call(client, api, "getFile", file_id=document["file_id"])[1]["result"]
    download = client.get(f"{api.base_file_url}{TOKEN}/{file_info['file_path']}")
    assert download.status_code == 200 and download.content == payload


def test_commands_per_language_and_scope(api: FakeBotApi, client: httpx.Client) -> None:
    da = [{"command": "start", "description": "Kom i gang"}]
    en = [{"command": "start", "description": "Get started"}]
    assert call(client, api, "setMyCommands", commands=da, language_code="da")[1]["result"] is True
    assert call(client, api, "setMyCommands", commands=en)[1]["result"] is True
    assert call(client, api, "getMyCommands", language_code="da")[1]["result"] == da
    assert call(client, api, "getMyCommands")[1]["result"] == en
    assert call(client, api, "getMyCommands", language_code="de")[1]["result"] == []
    scope = {"type": "all_private_chats"}
    call(client, api, "setMyCommands", commands=da, scope=scope)
    assert api.commands(scope=scope) == da and api.commands("da") == da and api.commands() == en
    assert call(client, api, "deleteMyCommands", language_code="da")[1]["result"] is True
    assert api.commands("da") == []
    bad = [{"command": "Start", "description": "x"}]
    assert call(client, api, "setMyCommands", commands=bad)[1]["description"] == "Bad Request: BOT_COMMAND_INVALID"


def test_sent_mark_and_wait_for_text(api: FakeBotApi, client: httpx.Client) -> None:
    api.send_text(5, "hi")
    api.send_text(6, "hi")
    call(client, api, "sendMessage", chat_id=5, text="Første svar")
    mark = api.mark()
    assert mark == 1
    threading.Timer(0.2, call, args=(client, api, "sendMessage"), kwargs={"chat_id": 6, "text": "til 6"}).start()
    threading.Timer(0.4, call, args=(client, api, "sendMessage"), kwargs={"chat_id": 5, "text": "Andet svar"}).start()
    found = api.wait_for_text(5, "svar", timeout=5, after=mark)
    assert found["params"]["text"] == "Andet svar" and found["index"] >= mark
    assert api.wait_for_text(5, "Første")["index"] == 0
    assert [c["params"]["text"] for c in api.sent(chat_id=5)] == ["Første svar", "Andet svar"]
    assert api.wait_for(lambda c: c["chat_id"] == 6)["params"]["text"] == "til 6"
    with pytest.raises(TimeoutError, match="sendMessage"):
        api.wait_for_text(5, "never", timeout=0.2)


def test_push_update_keeps_ids_and_delivers_duplicates(api: FakeBotApi, client: httpx.Client) -> None:
    first = api.send_text(5, "hi")
    assert call(client, api, "getUpdates", offset=2)[1]["result"] == []
    duplicate = api.push_update(first)
    assert duplicate["update_id"] == 1
    assert [u["update_id"] for u in call(client, api, "getUpdates", offset=2)[1]["result"]] == [1]
    assert call(client, api, "getUpdates", offset=2)[1]["result"] == []
    assert api.send_text(5, "next")["update_id"] == 2
    forged = api.push_update({"update_id": 50, "message": {**first["message"], "message_id": 40, "text": "x"}})
    assert forged["update_id"] == 50 and api.send_text(5, "after")["update_id"] == 51
    assert api.send_text(5, "mid")["message"]["message_id"] == 42


def test_media_updates_parse_in_python_telegram_bot(api: FakeBotApi) -> None:
    bot = telegram.Bot(TOKEN, base_url=api.base_url)
    updates = [
        api.send_sticker(9),
        api.send_photo(9, caption="billede"),
        api.send_voice(9),
        api.send_location(9, 55.68, 12.57),
    ]
    sticker, photo, voice, location = (Update.de_json(u, bot).message for u in updates)
    assert sticker is not None and sticker.sticker is not None and sticker.sticker.width == 512
    assert photo is not None and len(photo.photo) == 2 and photo.caption == "billede"
    assert voice is not None and voice.voice is not None and voice.voice.mime_type == "audio/ogg"
    assert location is not None and location.location is not None and location.location.latitude == 55.68
    assert api.file_content(updates[2]["message"]["voice"]["file_id"]).startswith(b"OggS")


def test_webhook_delivery_and_conflict(api: FakeBotApi, client: httpx.Client) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((json.loads(body), self.headers.get("X-Telegram-Bot-Api-Secret-Token")))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        assert call(client, api, "setWebhook", url=url, secret_token="s3cret")[1]["result"] is True
        assert call(client, api, "getWebhookInfo")[1]["result"]["url"] == url
        status, body = call(client, api, "getUpdates")
        assert status == 409 and "webhook is active" in body["description"]
        api.send_text(5, "via hook")
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert received[0][0]["message"]["text"] == "via hook" and received[0][1] == "s3cret"
        assert call(client, api, "deleteWebhook")[1]["result"] is True
        assert call(client, api, "getWebhookInfo")[1]["result"]["url"] == ""
        assert call(client, api, "getUpdates")[0] == 200
    finally:
        receiver.shutdown()
        receiver.server_close()


def _seconds(value: int | dtm.timedelta) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on the library's settings."""
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def test_python_telegram_bot_round_trip(api: FakeBotApi) -> None:
    api.send_text(42, "/start", first_name="Ida")
    bot = telegram.Bot(token=TOKEN, base_url=api.base_url, base_file_url=api.base_file_url)
    async with bot:
        me = await bot.get_me()
        assert me.username == api.bot_username and me.is_bot and me.id == 123
        assert api.token == TOKEN

        updates = await bot.get_updates(timeout=0)
        assert [u.message.text for u in updates if u.message] == ["/start"]
        assert updates[0].message is not None and updates[0].message.from_user is not None
        assert updates[0].message.from_user.first_name == "Ida"
        assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()

        buttons = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="svar:ja")]])
        message = await bot.send_message(42, "Hej Ida", reply_markup=buttons)
        assert message.text == "Hej Ida" and message.chat.id == 42
        assert isinstance(message.date, dtm.datetime) and message.date.year >= 2024
        assert message.reply_markup == buttons

        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(42, "x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(77, "hej")

        api.inject("sendMessage", 429, retry_after=7)
        with pytest.raises(RetryAfter) as retry:
            await bot.send_message(42, "hej")
        assert _seconds(retry.value.retry_after) == 7

        api.inject("sendMessage", 403)
        with pytest.raises(Forbidden):
            await bot.send_message(42, "hej")
        api.inject("sendMessage", 500)
        with pytest.raises(NetworkError) as server_error:
            await bot.send_message(42, "hej")
        assert not isinstance(server_error.value, BadRequest | RetryAfter)

        too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="a" * 65)]])
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(42, "hej", reply_markup=too_long)

        edited = await bot.edit_message_text("Hej igen", chat_id=42, message_id=message.message_id)
        assert isinstance(edited, telegram.Message) and edited.text == "Hej igen"
        assert edited.edit_date is not None and edited.reply_markup is None
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("Hej igen", chat_id=42, message_id=message.message_id)

        api.press_button(42, message.message_id, "svar:ja")
        [pressed] = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=5)
        query = pressed.callback_query
        assert query is not None and query.data == "svar:ja" and query.message is not None
        assert query.message.message_id == message.message_id
        assert await query.answer("Tak") is True

        assert await bot.set_my_commands([("start", "Kom i gang")], language_code="da")
        assert await bot.set_my_commands([("start", "Get started")], language_code="en")
        assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Get started"]
        assert api.commands("da") == [{"command": "start", "description": "Kom i gang"}]

        document = await bot.send_document(42, document=b"navn;by\nIda;Aarhus\n", filename="data.csv")
        assert document.document is not None and document.document.file_name == "data.csv"
        [upload] = api.sent(method="sendDocument")
        assert upload["params"]["document"]["content"] == b"navn;by\nIda;Aarhus\n"
        downloaded = await (await bot.get_file(document.document.file_id)).download_as_bytearray()
        assert bytes(downloaded) == b"navn;by\nIda;Aarhus\n"

        assert await bot.send_chat_action(42, "typing") is True
        assert await bot.delete_message(42, message.message_id) is True
        assert [m["message_id"] for m in api.messages(42)] == [document.message_id]


async def test_application_polling_with_command_handler(api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.effective_user is not None
        await update.message.reply_text(f"Velkommen, {update.effective_user.first_name}")

    app = ApplicationBuilder().token(TOKEN).base_url(api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            mark = api.mark()
            api.send_text(11, "/start", first_name="Bo")
            found = await asyncio.to_thread(api.wait_for_text, 11, "Velkommen, Bo", 10.0, mark)
            assert found["chat_id"] == 11 and found["method"] == "sendMessage"
        finally:
            await app.updater.stop()
            await app.stop()


def test_console_mode() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakebotapi", "--port", "0"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/bot")
        process.stdin.write("send 42 /start\n")
        process.stdin.flush()
        with httpx.Client(trust_env=False, timeout=10) as http:
            updates = http.post(f"{base_url}{TOKEN}/getUpdates").json()["result"]
            assert updates[0]["message"]["text"] == "/start"
            http.post(f"{base_url}{TOKEN}/sendMessage", data={"chat_id": "42", "text": "Hej"})
        line = json.loads(process.stdout.readline())
        assert line["method"] == "sendMessage" and line["params"]["text"] == "Hej" and line["ok"] is True
        process.stdin.write("quit\n")
        process.stdin.flush()
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_limits_count_global_and_per_chat_violations(client: httpx.Client) -> None:
    with FakeBotApi(global_limit=3) as api:
        api.add_users([1, 2])
        for chat in (1, 2, 1):
            assert call(client, api, "sendMessage", chat_id=chat, text="x")[0] == 200
        assert api.limits() == {"global": 0, "per_chat": 1}, "chat 1 twice within a second"
        call(client, api, "getMe")
        assert api.limits() == {"global": 1, "per_chat": 1}, "a fourth call within a second"


def test_copy_message_and_send_photo(api: FakeBotApi, client: httpx.Client) -> None:
    update = api.send_text(5, "hej med dig")
    api.add_users([6])
    source = update["message"]["message_id"]
    status, body = call(client, api, "copyMessage", chat_id=6, from_chat_id=5, message_id=source)
    assert status == 200 and set(body["result"]) == {"message_id"}
    assert api.messages(6)[-1]["text"] == "hej med dig"
    assert call(client, api, "copyMessage", chat_id=6, from_chat_id=5, message_id=999)[0] == 400
    status, body = call(client, api, "sendPhoto", chat_id=6, photo="some-file-id", caption="Se her")
    assert status == 200 and body["result"]["caption"] == "Se her" and body["result"]["photo"]


def test_latency_delays_answers_not_errors(client: httpx.Client) -> None:
    with FakeBotApi(latency=0.2) as api:
        api.add_users([1])
        started = time.monotonic()
        call(client, api, "sendMessage", chat_id=1, text="x")
        assert time.monotonic() - started >= 0.2
        api.inject("sendMessage", 429, retry_after=3)
        started = time.monotonic()
        assert call(client, api, "sendMessage", chat_id=1, text="x")[0] == 429
        assert time.monotonic() - started < 0.2
