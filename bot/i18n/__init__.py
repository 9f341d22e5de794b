"""Makker's message catalogues: every text a person sees, in Danish (default) and English.

The catalogues are TOML files beside this module; nested tables give dotted keys
(`[start] welcome = ...` is `start.welcome`). Parameters use `{name}` placeholders.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.text_safety import without_bidi_controls

LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"
_CATALOGUE_DIR = Path(__file__).resolve().parent


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = str(value)
    return flat


def load_catalogue(language: str, directory: Path = _CATALOGUE_DIR) -> dict[str, str]:
    with (directory / f"{language}.toml").open("rb") as file:
        return _flatten(tomllib.load(file))


def _formatted_plain(texts: Mapping[str, str]) -> dict[str, str]:
    """Each text that formats without parameters, formatted (a `{{` in it becomes `{`)."""
    plain: dict[str, str] = {}
    for key, template in texts.items():
        try:
            plain[key] = template.format()
        except (KeyError, IndexError, ValueError):  # placeholders (or a broken template): formatted when asked
            continue
    return plain


class Catalogue:
    """Looks texts up by key and language; a missing English text falls back to Danish."""

    def __init__(self, default_language: str = DEFAULT_LANGUAGE) -> None:
        self.default_language = default_language
        self._texts = {language: load_catalogue(language) for language in LANGUAGES}
        # Texts without placeholders, as `text` returns them: most look-ups need no formatting at all.
        self._plain = {language: _formatted_plain(texts) for language, texts in self._texts.items()}

    def text(self, language: str | None, key: str, /, **params: Any) -> str:
        if not params:
            plain = self._plain.get(language or self.default_language, self._plain[DEFAULT_LANGUAGE]).get(key)
            if plain is not None:
                return plain
        texts = self._texts.get(language or self.default_language, self._texts[DEFAULT_LANGUAGE])
        template = texts.get(key)
        if template is None:
            template = self._texts[DEFAULT_LANGUAGE][key]
        # Whatever a person typed (a name, an answer) is shown without bidi controls: see bot/text_safety.py.
        shown = {name: without_bidi_controls(v) if isinstance(v, str) else v for name, v in params.items()}
        return template.format(**shown)

    def keys(self, language: str) -> set[str]:
        return set(self._texts[language])

    def pick_language(self, chosen: str | None, client_language: str | None) -> str:
        """The person's own choice wins; else an English Telegram client gets English; else the default."""
        if chosen in LANGUAGES:
            return chosen
        if client_language and client_language.lower().startswith("en"):
            return "en"
        return self.default_language
