"""/mydata and /delete: a person sees everything stored about them, and can erase it all."""

from __future__ import annotations

import json
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import ContextTypes

from bot.clock import local_date_text
from bot.intake import Answers, Step
from bot.services import Services, services

logger = logging.getLogger(__name__)

DELETE_PREFIX = "p:del:"
MAX_MESSAGE = 4000


async def my_data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, user = services(context), update.effective_user
    assert user is not None
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    language = await svc.language_for(user)
    exported = await svc.store.privacy.export(user.id)
    logger.info("data_exported user_id=%d", user.id)
    if not any(exported.values()):
        await context.bot.send_message(chat_id, svc.catalogue.text(language, "privacy.nothing"))
        return
    for chunk in _chunks(readable_export(svc, exported, language)):
        await context.bot.send_message(chat_id, chunk)
    document = json.dumps(exported, ensure_ascii=False, indent=2).encode("utf-8")
    await context.bot.send_document(
        chat_id,
        InputFile(document, filename=f"makker-{user.id}.json"),
        caption=svc.catalogue.text(language, "privacy.file_caption"),
    )


def readable_export(svc: Services, exported: dict[str, list[dict[str, object]]], language: str) -> str:
    t, zone, views = svc.catalogue.text, svc.settings.zone, svc.intake_views
    lines = [t(language, "privacy.intro"), ""]
    for user_row in exported["users"]:
        if user_row["language"]:
            lines.append(
                t(language, "privacy.language", language=t(language, f"taxonomy.language.{user_row['language']}"))
            )
        if user_row.get("client_language"):
            lines.append(t(language, "privacy_client.language", code=user_row["client_language"]))
    for consent in exported["consents"]:
        lines.append(
            t(
                language,
                "privacy.consent",
                date=local_date_text(str(consent["given_at"]), zone),
                version=consent["text_version"],
            )
        )
    for draft in exported["intake_drafts"]:
        lines.append(
            t(
                language,
                "privacy.draft",
                step=t(language, f"intake.step.{draft['step']}")
                if draft["step"] != Step.SUMMARY.value
                else t(language, "intake.summary.title"),
            )
        )
        lines.extend(views.answers_lines(Answers.from_json(json.loads(str(draft["answers"]))), language))
    for request in exported["support_requests"]:
        lines.append("")
        lines.append(
            t(
                language,
                "privacy.request",
                id=request["id"],
                date=local_date_text(str(request["created_at"]), zone),
                status=t(language, f"privacy.status.{request['status']}"),
            )
        )
        answers = Answers.from_json(
            {key: json.loads(value) if key in _JSON_COLUMNS else value for key, value in request.items()}
        )
        lines.extend(views.answers_lines(answers, language))
    if exported["outbox"]:
        lines.append(t(language, "privacy.outbox", count=len(exported["outbox"])))
    return "\n".join(lines)


_JSON_COLUMNS = {"target_groups", "support_forms", "languages", "contact_modes"}


def _chunks(text: str) -> list[str]:
    """Telegram takes at most 4096 characters a message: split at line ends, and inside a too-long line."""
    lines = [part for line in text.split("\n") for part in _pieces(line)]
    chunks: list[str] = []
    for line in lines:
        if chunks and len(chunks[-1]) + 1 + len(line) <= MAX_MESSAGE:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return chunks


def _pieces(line: str) -> list[str]:
    return [line[i : i + MAX_MESSAGE] for i in range(0, len(line), MAX_MESSAGE)] or [""]


async def delete_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, user = services(context), update.effective_user
    assert user is not None
    language = await svc.language_for(user)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    svc.catalogue.text(language, "privacy.delete_yes"), callback_data=f"{DELETE_PREFIX}yes"
                )
            ],
            [
                InlineKeyboardButton(
                    svc.catalogue.text(language, "privacy.delete_no"), callback_data=f"{DELETE_PREFIX}no"
                )
            ],
        ]
    )
    await context.bot.send_message(
        update.effective_chat.id,  # type: ignore[union-attr]
        svc.catalogue.text(language, "privacy.delete_confirm"),
        reply_markup=keyboard,
    )


async def delete_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, svc = update.callback_query, services(context)
    assert query is not None and query.data is not None
    user = query.from_user
    language = await svc.language_for(user)  # before erasing: the answer comes in the language they used
    await query.answer()
    if query.data == f"{DELETE_PREFIX}yes":
        erased = await svc.erase_person(user.id)
        logger.info("data_erased user_id=%d rows=%d", user.id, erased)
        text = svc.catalogue.text(language, "privacy.deleted")
    else:
        text = svc.catalogue.text(language, "privacy.kept")
    await query.edit_message_text(text)
