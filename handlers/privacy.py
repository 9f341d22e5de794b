"""/mydata and /delete: a person sees everything stored about them, and can erase it all."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot.buttons import PrivacyButton, pack
from bot.clock import local_date_text, utc_now
from bot.context import MakkerContext
from bot.intake import Answers, Step
from bot.services import Services
from handlers.buttons import Press

logger = logging.getLogger(__name__)

# A confirmation of /delete is good for this long: a forgotten "yes" from long ago asks again.
DELETE_CONFIRMATION_MAX_AGE = timedelta(minutes=30)
MAX_MESSAGE = 4000


async def my_data(update: Update, context: MakkerContext) -> None:
    svc, user = context.services, update.effective_user
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


async def delete_command(update: Update, context: MakkerContext) -> None:
    user = update.effective_user
    assert user is not None
    await _ask_to_delete(update.effective_chat.id, context, await context.services.language_for(user))  # type: ignore[union-attr]


async def _ask_to_delete(chat_id: int, context: MakkerContext, language: str) -> None:
    svc = context.services
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    svc.catalogue.text(language, "privacy.delete_yes"), callback_data=pack(PrivacyButton("del", "yes"))
                )
            ],
            [
                InlineKeyboardButton(
                    svc.catalogue.text(language, "privacy.delete_no"), callback_data=pack(PrivacyButton("del", "no"))
                )
            ],
        ]
    )
    await context.bot.send_message(
        chat_id, svc.catalogue.text(language, "privacy.delete_confirm"), reply_markup=keyboard
    )


async def ask_again_before_erasing(press: Press, context: MakkerContext, language: str) -> None:
    """A button that would erase, pressed on an old message: nothing is erased; /delete's question comes anew."""
    await press.answer()
    logger.info("erase_asked_again user_id=%d", press.user.id)
    await _ask_to_delete(press.chat_id, context, language)


async def delete_answer(press: Press, context: MakkerContext, button: PrivacyButton) -> None:
    svc, user = context.services, press.user
    language = await svc.language_for(user)  # before erasing: the answer comes in the language they used
    message = press.message
    if button.answer == "yes" and utc_now() - message.date > DELETE_CONFIRMATION_MAX_AGE:
        await ask_again_before_erasing(press, context, language)
        return
    await press.answer()
    if button.answer == "yes":
        erased = await svc.erase_person(user.id)
        logger.info("data_erased user_id=%d rows=%d", user.id, erased)
        text = svc.catalogue.text(language, "privacy.deleted")
    else:
        text = svc.catalogue.text(language, "privacy.kept")
    await press.query.edit_message_text(text)
