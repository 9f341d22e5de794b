"""How each question of the peer application looks, and how an application reads in its summary and to a
coordinator: text and buttons in the reader's language.

Buttons are bot.buttons.PeerApplyButton (`pa:<step>:<action>[:<value>]`); they carry the step so that a button
of an earlier question is recognised as stale, as the intake's do (handlers/intake_views.py, whose helpers and
button texts this reuses).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import PeerApplyButton, pack
from bot.i18n import Catalogue
from bot.peer_application import (
    ALIAS_MAX,
    MAX_CAPACITY,
    MULTI_CHOICE,
    ORDER,
    SINGLE_CHOICE,
    Answers,
    Draft,
    Step,
    statements_for,
)
from handlers.intake_views import rows
from matching.geo import Geography, Municipality

# The catalogue table of each multi- or single-choice question's labels.
_LABEL_KEYS = {
    Step.KIND: "peer_apply.kind",
    Step.EXPERIENCE: "taxonomy.target_group",
    Step.RELATIVE_OF: "taxonomy.target_group",
    Step.AGE: "taxonomy.age_band",
    Step.GENDER: "peer_apply.gender",
    Step.LANGUAGES: "taxonomy.language",
    Step.SUPPORT_FORMS: "taxonomy.support_form",
    Step.CONTACT: "taxonomy.contact_mode",
}
_SINGLE_FIELD = {Step.KIND: "kind", Step.AGE: "age_band", Step.GENDER: "gender"}
CAPACITY_CHOICES = tuple(range(1, min(MAX_CAPACITY, 6) + 1))
EDITABLE = tuple(step for step in ORDER if step is not Step.SUMMARY)


def callback(step: Step, action: str, value: str | int | None = None) -> str:
    return pack(PeerApplyButton(step.value, action, None if value is None else str(value)))


class PeerApplyViews:
    """Renders the application's questions and summaries; knows the catalogue and the geography, decides nothing."""

    def __init__(self, catalogue: Catalogue, geography: Geography) -> None:
        self.catalogue = catalogue
        self.geography = geography

    def _t(self, language: str, key: str, **params: object) -> str:
        return self.catalogue.text(language, key, **params)

    def _button(
        self, language: str, key: str, step: Step, action: str, value: str | int | None = None
    ) -> InlineKeyboardButton:
        return InlineKeyboardButton(self._t(language, key), callback_data=callback(step, action, value))

    def _ticked(self, language: str, label: str, chosen: bool) -> str:
        return self._t(language, "intake.button.selected", label=label) if chosen else label

    def label(self, language: str, step: Step, code: str) -> str:
        return self._t(language, f"{_LABEL_KEYS[step]}.{code}")

    def _nav(self, language: str, step: Step, *, done: bool) -> list[InlineKeyboardButton]:
        row = [self._button(language, "intake.button.back", step, "back")]
        if done:
            row.append(self._button(language, "intake.button.done", step, "done"))
        return row

    # Questions ----------------------------------------------------------------------------------------------------

    def question(self, draft: Draft, language: str, today: date) -> tuple[str, InlineKeyboardMarkup | None]:
        """The current question of a draft, as it is asked the first time or asked again."""
        step, answers = draft.step, draft.answers
        text = self._t(language, f"peer_apply.question.{step.value}")
        keyboard: list[list[InlineKeyboardButton]]
        if step is Step.SUMMARY:
            return self.summary(answers, language)
        if step is Step.ALIAS:
            return text + "\n\n" + self._t(language, "peer_apply_flow.alias_hint", max=ALIAS_MAX), None
        if step is Step.ORGANISATION:
            keyboard = [
                [self._button(language, "intake.button.skip", step, "skip")],
                self._nav(language, step, done=False),
            ]
        elif step in SINGLE_CHOICE:
            chosen = getattr(answers, _SINGLE_FIELD[step])
            buttons = [
                InlineKeyboardButton(
                    self._ticked(language, self.label(language, step, code), code == chosen),
                    callback_data=callback(step, "pick", code),
                )
                for code in SINGLE_CHOICE[step]
            ]
            keyboard = [*rows(buttons, 2), self._nav(language, step, done=False)]
        elif step in MULTI_CHOICE:
            chosen_codes = answers.selected(step)
            buttons = [
                InlineKeyboardButton(
                    self._ticked(language, self.label(language, step, code), code in chosen_codes),
                    callback_data=callback(step, "tog", code),
                )
                for code in MULTI_CHOICE[step]
            ]
            keyboard = [*rows(buttons, 1 if step is Step.SUPPORT_FORMS else 2), self._nav(language, step, done=True)]
        elif step is Step.AREA:
            return self.area(answers, language, today)
        elif step is Step.CAPACITY:
            buttons = [
                InlineKeyboardButton(
                    self._ticked(language, str(number), number == answers.capacity),
                    callback_data=callback(step, "pick", number),
                )
                for number in CAPACITY_CHOICES
            ]
            keyboard = [*rows(buttons, 3), self._nav(language, step, done=False)]
        else:  # Step.ELIGIBILITY
            return self.eligibility(answers, language)
        return text, InlineKeyboardMarkup(keyboard)

    def area(self, answers: Answers, language: str, today: date) -> tuple[str, InlineKeyboardMarkup]:
        """Whole regions and online as ticks; single municipalities by region or typed."""
        step = Step.AREA
        keyboard = [
            [
                InlineKeyboardButton(
                    self._ticked(language, self.region_name(region.code, language), region.code in answers.regions),
                    callback_data=callback(step, "reg", region.code),
                )
            ]
            for region in self.geography.regions(today)
        ]
        keyboard.append(
            [
                InlineKeyboardButton(
                    self._ticked(language, self._t(language, "peer_apply_flow.online"), answers.online),
                    callback_data=callback(step, "online"),
                )
            ]
        )
        keyboard.append([self._button(language, "peer_apply_flow.municipalities", step, "regions")])
        keyboard.append(self._nav(language, step, done=True))
        text = "\n\n".join(
            [
                self._t(language, "peer_apply.question.area"),
                self._t(language, "peer_apply_flow.area_typed"),
                self._t(language, "peer_apply_flow.area_chosen", chosen=self.area_text(answers, language)),
            ]
        )
        return text, InlineKeyboardMarkup(keyboard)

    def region_choices(self, language: str, today: date) -> tuple[str, InlineKeyboardMarkup]:
        keyboard = [
            [
                InlineKeyboardButton(
                    self.region_name(region.code, language), callback_data=callback(Step.AREA, "region", region.code)
                )
            ]
            for region in self.geography.regions(today)
        ]
        keyboard.append([self._button(language, "intake.button.back", Step.AREA, "ask")])
        return self._t(language, "intake.question.regions"), InlineKeyboardMarkup(keyboard)

    def municipality_choices(
        self, municipalities: Sequence[Municipality], answers: Answers, language: str, text: str
    ) -> tuple[str, InlineKeyboardMarkup]:
        """Municipalities as ticks: those of a region, or what a typed name found."""
        buttons = [
            InlineKeyboardButton(
                self._ticked(language, m.name, m.code in answers.municipalities),
                callback_data=callback(Step.AREA, "mun", m.code),
            )
            for m in municipalities
        ]
        keyboard = [*rows(buttons, 3), [self._button(language, "intake.button.back", Step.AREA, "ask")]]
        chosen = self._t(language, "peer_apply_flow.area_chosen", chosen=self.area_text(answers, language))
        return f"{text}\n\n{chosen}", InlineKeyboardMarkup(keyboard)

    def eligibility(self, answers: Answers, language: str) -> tuple[str, InlineKeyboardMarkup]:
        """The statements in full in the text, numbered; the buttons tick them by number."""
        step = Step.ELIGIBILITY
        lines = []
        buttons = []
        for number, statement in enumerate(statements_for(answers), start=1):
            chosen = statement.value in answers.statements
            mark = "✅" if chosen else "☐"
            lines.append(f"{mark} {number}. {self._t(language, f'peer_apply.statement.{statement.value}')}")
            buttons.append(
                InlineKeyboardButton(
                    self._ticked(language, str(number), chosen), callback_data=callback(step, "tog", statement.value)
                )
            )
        text = self._t(language, "peer_apply.question.elig") + "\n\n" + "\n".join(lines)
        return text, InlineKeyboardMarkup([*rows(buttons, 3), self._nav(language, step, done=True)])

    # Answers as text ----------------------------------------------------------------------------------------------

    def region_name(self, code: str, language: str) -> str:
        region = self.geography.region(code)
        return region.name_en if language == "en" else region.name_da

    def area_text(self, answers: Answers, language: str) -> str:
        parts = [self.geography.municipality(code).name for code in answers.municipalities]
        parts += [self.region_name(code, language) for code in answers.regions]
        if answers.online:
            parts.append(self._t(language, "peer_apply_flow.online"))
        return ", ".join(parts) if parts else self._t(language, "peer_apply_flow.nothing_chosen")

    def answer_text(self, answers: Answers, step: Step, language: str) -> str:
        none = self._t(language, "peer_apply_flow.nothing_chosen")
        if step is Step.ALIAS:
            return answers.alias or none
        if step is Step.ORGANISATION:
            return answers.organisation or self._t(language, "peer_apply_flow.no_organisation")
        if step is Step.AREA:
            return self.area_text(answers, language)
        if step is Step.CAPACITY:
            return str(answers.capacity)
        if step is Step.ELIGIBILITY:
            made = len([s for s in statements_for(answers) if s.value in answers.statements])
            return self._t(language, "peer_apply_flow.statements_made", made=made, of=len(statements_for(answers)))
        if step in MULTI_CHOICE:
            return ", ".join(self.label(language, step, code) for code in answers.selected(step)) or none
        value = getattr(answers, _SINGLE_FIELD[step])
        return self.label(language, step, value) if value else none

    def answers_lines(self, answers: Answers, language: str) -> str:
        return "\n".join(
            self._t(
                language,
                "intake.summary.line",
                label=self._t(language, f"peer_apply.step.{step.value}"),
                value=self.answer_text(answers, step, language),
            )
            for step in EDITABLE
        )

    def summary(self, answers: Answers, language: str) -> tuple[str, InlineKeyboardMarkup]:
        text = "\n\n".join(
            [
                self._t(language, "peer_apply.question.sum"),
                self.answers_lines(answers, language),
                self._t(language, "peer_apply_flow.summary_prompt"),
            ]
        )
        edit_buttons = [
            InlineKeyboardButton(
                self._t(language, "intake.button.edit", label=self._t(language, f"peer_apply.step.{step.value}")),
                callback_data=callback(Step.SUMMARY, "edit", step.value),
            )
            for step in EDITABLE
        ]
        keyboard = rows(edit_buttons, 2)
        keyboard.append([self._button(language, "peer_apply_flow.submit", Step.SUMMARY, "submit")])
        keyboard.append(
            [
                self._button(language, "intake.button.back", Step.SUMMARY, "back"),
                self._button(language, "peer_apply_flow.cancel", Step.SUMMARY, "cancel"),
            ]
        )
        return text, InlineKeyboardMarkup(keyboard)
