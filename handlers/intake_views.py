"""How each intake question looks: its text and its buttons, in the person's language.

Buttons are bot.buttons.IntakeButton (`i:<step>:<action>[:<value>]`); they carry the step so that a
button from an earlier question is recognised as stale.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import IntakeButton, PeerEntryButton, pack
from bot.i18n import Catalogue
from bot.intake import FREE_TEXT_MAX, MULTI_CHOICE, ORDER, SINGLE_CHOICE, Answers, Draft, Step, unchosen_topics
from handlers.keyboards import SerialisedKeyboard
from matching.geo import Geography, Municipality
from matching.taxonomy import ForWhom

_LABEL_KEYS = {
    Step.FOR_WHOM: "taxonomy.for_whom",
    Step.TARGET_GROUPS: "taxonomy.target_group",
    Step.AGE: "taxonomy.age_band",
    Step.SUPPORT_FORMS: "taxonomy.support_form",
    Step.LANGUAGES: "taxonomy.language",
    Step.GENDER: "taxonomy.gender_preference",
    Step.CONTACT: "taxonomy.contact_mode",
}


def _relative_topics(draft: Draft) -> bool:
    """A relative is asked about the situation of the person they are a relative of."""
    return draft.step is Step.TARGET_GROUPS and draft.answers.for_whom == ForWhom.RELATIVE.value


def callback(step: Step, action: str, value: str | int | None = None) -> str:
    return pack(IntakeButton(step.value, action, None if value is None else str(value)))


def rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


class IntakeViews:
    """Renders questions; knows the catalogue and the geography, decides nothing."""

    def __init__(self, catalogue: Catalogue, geography: Geography) -> None:
        self.catalogue = catalogue
        self.geography = geography
        # A question looks the same for everyone with the same step, language and ticks, and keyboards are
        # immutable: render each once. Bounded, as ticks combine (a few thousand at most in practice).
        self._rendered = functools.lru_cache(maxsize=4096)(self._render)
        self._summary_keyboard = functools.cache(self._render_summary_keyboard)  # the same for every summary

    def _t(self, language: str, key: str, **params: object) -> str:
        return self.catalogue.text(language, key, **params)

    def label(self, language: str, step: Step, code: str) -> str:
        return self._t(language, f"{_LABEL_KEYS[step]}.{code}")

    def _back(self, language: str, step: Step) -> InlineKeyboardButton:
        return InlineKeyboardButton(self._t(language, "intake.button.back"), callback_data=callback(step, "back"))

    def question(self, draft: Draft, language: str) -> tuple[str, InlineKeyboardMarkup]:
        """The current question of a draft, as it is asked the first time or asked again."""
        step = draft.step
        if step is Step.SUMMARY:
            return self.summary(draft.answers, language)
        chosen = draft.answers.selected(step) if step in MULTI_CHOICE else ()
        return self._rendered(step, language, chosen, _relative_topics(draft))

    def multi_choice(self, draft: Draft, language: str) -> tuple[str, InlineKeyboardMarkup]:
        return self._rendered(draft.step, language, draft.answers.selected(draft.step), _relative_topics(draft))

    def _render(
        self, step: Step, language: str, chosen: tuple[str, ...], relative: bool = False
    ) -> tuple[str, InlineKeyboardMarkup]:
        if step in MULTI_CHOICE:
            text_key = "intake.relative_question.grp" if relative else f"intake.question.{step.value}"
            return self._multi_choice(step, language, chosen, text_key)
        if step in SINGLE_CHOICE:
            buttons = [
                InlineKeyboardButton(self.label(language, step, code), callback_data=callback(step, "pick", code))
                for code in SINGLE_CHOICE[step]
            ]
            keyboard = rows(buttons, 1 if step is Step.FOR_WHOM else 2)
            if step is Step.FOR_WHOM:  # the third answer: to support others, which starts a peer application
                label = self._t(language, "peer_apply_flow.intake_choice")
                keyboard.append([InlineKeyboardButton(label, callback_data=pack(PeerEntryButton("begin")))])
        elif step is Step.MUNICIPALITY:
            keyboard = [
                [
                    InlineKeyboardButton(
                        self._t(language, "intake.button.choose_region"), callback_data=callback(step, "regions")
                    )
                ],
                [
                    InlineKeyboardButton(
                        self._t(language, "intake.button.online"), callback_data=callback(step, "online")
                    )
                ],
            ]
        else:  # Step.FREE_TEXT
            keyboard = [
                [InlineKeyboardButton(self._t(language, "intake.button.skip"), callback_data=callback(step, "skip"))]
            ]
        keyboard.append([self._back(language, step)])
        return self._t(language, f"intake.question.{step.value}", max=FREE_TEXT_MAX), SerialisedKeyboard(keyboard)

    def _multi_choice(
        self, step: Step, language: str, chosen: tuple[str, ...], text_key: str
    ) -> tuple[str, InlineKeyboardMarkup]:
        buttons = []
        for code in MULTI_CHOICE[step]:
            label = self.label(language, step, code)
            if code in chosen:
                label = self._t(language, "intake.button.selected", label=label)
            buttons.append(InlineKeyboardButton(label, callback_data=callback(step, "tog", code)))
        keyboard = rows(buttons, 2 if step is not Step.SUPPORT_FORMS else 1)
        keyboard.append(
            [
                self._back(language, step),
                InlineKeyboardButton(self._t(language, "intake.button.done"), callback_data=callback(step, "done")),
            ]
        )
        return self._t(language, text_key), SerialisedKeyboard(keyboard)

    def municipality_choices(
        self, municipalities: Iterable[Municipality], language: str, text_key: str, **params: object
    ) -> tuple[str, InlineKeyboardMarkup]:
        """Municipalities as buttons: search results, or every municipality of a region."""
        buttons = [
            InlineKeyboardButton(m.name, callback_data=callback(Step.MUNICIPALITY, "pick", m.code))
            for m in municipalities
        ]
        keyboard = rows(buttons, 3)
        keyboard.append(
            [
                InlineKeyboardButton(
                    self._t(language, "intake.button.back"), callback_data=callback(Step.MUNICIPALITY, "ask")
                ),
                InlineKeyboardButton(
                    self._t(language, "intake.button.online"), callback_data=callback(Step.MUNICIPALITY, "online")
                ),
            ]
        )
        return self._t(language, text_key, **params), InlineKeyboardMarkup(keyboard)

    def region_choices(self, language: str, today: date) -> tuple[str, InlineKeyboardMarkup]:
        buttons = [
            InlineKeyboardButton(
                self.region_name(region.code, language),
                callback_data=callback(Step.MUNICIPALITY, "region", region.code),
            )
            for region in self.geography.regions(today)
        ]
        keyboard = rows(buttons, 1)
        keyboard.append(
            [
                InlineKeyboardButton(
                    self._t(language, "intake.button.back"), callback_data=callback(Step.MUNICIPALITY, "ask")
                )
            ]
        )
        return self._t(language, "intake.question.regions"), InlineKeyboardMarkup(keyboard)

    def region_name(self, code: str, language: str) -> str:
        region = self.geography.region(code)
        return region.name_en if language == "en" else region.name_da

    def place(self, answers: Answers, language: str) -> str:
        if answers.municipality_code is None:
            return self._t(language, "intake.summary.online_only")
        return self.geography.municipality(answers.municipality_code).name

    def answer_text(self, answers: Answers, step: Step, language: str) -> str:
        """One answer as the person reads it in the summary and in /mydata."""
        if step is Step.MUNICIPALITY:
            return self.place(answers, language)
        if step is Step.FREE_TEXT:
            return answers.free_text or self._t(language, "intake.summary.no_text")
        if step in MULTI_CHOICE:
            return ", ".join(self.label(language, step, code) for code in answers.selected(step))
        value = getattr(
            answers, {Step.FOR_WHOM: "for_whom", Step.AGE: "age_band", Step.GENDER: "gender_preference"}[step]
        )
        return self.label(language, step, value) if value else "–"

    def answers_lines(self, answers: Answers, language: str) -> list[str]:
        return [
            self._t(
                language,
                "intake.summary.line",
                label=self._t(language, f"intake.step.{step.value}"),
                value=self.answer_text(answers, step, language),
            )
            for step in ORDER
            if step is not Step.SUMMARY
        ]

    def summary(self, answers: Answers, language: str) -> tuple[str, InlineKeyboardMarkup]:
        parts = [self._t(language, "intake.summary.title"), "\n".join(self.answers_lines(answers, language))]
        unchosen = unchosen_topics(answers)
        if unchosen:
            topics = ", ".join(self.label(language, Step.TARGET_GROUPS, code) for code in unchosen)
            step = self._t(language, f"intake.step.{Step.TARGET_GROUPS.value}")
            parts.append(self._t(language, "intake.own_words.unchosen", topics=topics, step=step))
        parts.append(self._t(language, "intake.summary.prompt"))
        return "\n\n".join(parts), self._summary_keyboard(language)

    def _render_summary_keyboard(self, language: str) -> InlineKeyboardMarkup:
        edit_buttons = [
            InlineKeyboardButton(
                self._t(language, "intake.button.edit", label=self._t(language, f"intake.step.{step.value}")),
                callback_data=callback(Step.SUMMARY, "edit", step.value),
            )
            for step in ORDER
            if step is not Step.SUMMARY
        ]
        keyboard = rows(edit_buttons, 2)
        keyboard.append(
            [
                InlineKeyboardButton(
                    self._t(language, "intake.button.confirm"), callback_data=callback(Step.SUMMARY, "confirm")
                )
            ]
        )
        keyboard.append(
            [
                self._back(language, Step.SUMMARY),
                InlineKeyboardButton(
                    self._t(language, "intake.button.cancel"), callback_data=callback(Step.SUMMARY, "cancel")
                ),
            ]
        )
        return SerialisedKeyboard(keyboard)
