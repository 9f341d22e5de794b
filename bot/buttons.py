"""Every kind of inline button Makker sends, and its callback data: one registry, typed fields.

A kind of button is a frozen dataclass registered with `@button("prefix")`; its fields say what the data
carries, each annotated with a field type from this module:

    @button("m")
    @dataclass(frozen=True)
    class SuggestionButton:
        suggestion: Annotated[int, Number(1, MAX_ID)]

`pack(SuggestionButton(17))` gives "m:17", and checks Telegram's 64-byte limit when the keyboard is built, so a
button that would be refused never reaches a person. `parse(data)` gives the typed button back, or None for
anything `pack` could not have produced: an unknown prefix, a wrong number of fields, a value out of its range
or outside its fixed set, digits other than ASCII ("²".isdigit() is True, int() rejects it), leading zeros, a
number too long to be one. A parsed button always packs to exactly the data it came from.

Handlers get the typed button (see handlers/buttons.py); nobody splits callback data by hand.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from bot.i18n import LANGUAGES
from bot.intake import Step
from bot.peer_application import Step as PeerStep

MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
SEPARATOR = ":"
MAX_ID = 2**63 - 1  # SQLite's largest INTEGER: an id beyond it cannot exist


class FieldType:
    """How one field is written into callback data and read back."""

    def dump(self, value: Any) -> str:
        raise NotImplementedError

    def load(self, text: str) -> Any:
        """The value, or raise ValueError for anything dump could not have written."""
        raise NotImplementedError


@dataclass(frozen=True)
class Number(FieldType):
    """A whole number within [low, high], in ASCII digits without leading zeros."""

    low: int
    high: int

    def dump(self, value: Any) -> str:
        if not isinstance(value, int) or isinstance(value, bool) or not self.low <= value <= self.high:
            raise ValueError(f"{value!r} is not a number in [{self.low}, {self.high}]")
        return str(value)

    def load(self, text: str) -> int:
        # Length first: int() of a long string costs time, and a longer one cannot be in range.
        if not (0 < len(text) <= len(str(self.high)) and text.isascii() and text.isdigit()):
            raise ValueError("not ASCII digits of a number in range")
        if len(text) > 1 and text[0] == "0":
            raise ValueError("leading zero")
        value = int(text)
        if not self.low <= value <= self.high:
            raise ValueError("out of range")
        return value


@dataclass(frozen=True)
class Choice(FieldType):
    """One of a fixed set of short codes."""

    values: frozenset[str]

    def __init__(self, values: Iterable[str]) -> None:
        object.__setattr__(self, "values", frozenset(values))
        for value in self.values:
            _check_code(value)

    def dump(self, value: Any) -> str:
        text = str(value.value if hasattr(value, "value") else value)
        if text not in self.values:
            raise ValueError(f"{value!r} is not one of {sorted(self.values)}")
        return text

    def load(self, text: str) -> str:
        if text not in self.values:
            raise ValueError("not one of the fixed values")
        return text


_CODE = re.compile(r"[a-z0-9_]{1,32}")


@dataclass(frozen=True)
class Code(FieldType):
    """A code from Makker's own tables (taxonomy, municipality, region): ASCII a-z, 0-9 and _, at most 32.

    For codes whose full set is only known at run time; the handler still checks the code against its table.
    """

    def dump(self, value: Any) -> str:
        return _check_code(str(value))

    def load(self, text: str) -> str:
        return _check_code(text)


def _check_code(text: str) -> str:
    if not (text.isascii() and _CODE.fullmatch(text)):
        raise ValueError(f"{text!r} is not a code of a-z, 0-9 and _")
    return text


@dataclass(frozen=True)
class _Field:
    name: str
    type: FieldType
    optional: bool  # only the last field may be optional; None leaves it out of the data


@dataclass(frozen=True)
class ButtonKind:
    prefix: str
    cls: type
    fields: tuple[_Field, ...]


B = TypeVar("B")
_KINDS: dict[str, ButtonKind] = {}  # by prefix
_BY_CLASS: dict[type, ButtonKind] = {}


def button(prefix: str) -> Callable[[type[B]], type[B]]:
    """Register a frozen dataclass as a kind of button with this prefix (ASCII, no separator)."""

    def register(cls: type[B]) -> type[B]:
        _check_code(prefix)
        if prefix in _KINDS:
            raise ValueError(f"prefix {prefix!r} is taken by {_KINDS[prefix].cls.__name__}")
        if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            raise TypeError(f"{cls.__name__} must be a frozen dataclass")
        hints = typing.get_type_hints(cls, include_extras=True)
        fields = []
        for index, field in enumerate(dataclasses.fields(cls)):
            metadata = [m for m in getattr(hints[field.name], "__metadata__", ()) if isinstance(m, FieldType)]
            if len(metadata) != 1:
                raise TypeError(f"{cls.__name__}.{field.name} needs one field type: Annotated[..., Number(...)]")
            optional = field.default is None
            if optional and index != len(dataclasses.fields(cls)) - 1:
                raise TypeError(f"{cls.__name__}.{field.name}: only the last field may be optional")
            fields.append(_Field(field.name, metadata[0], optional))
        kind = ButtonKind(prefix, cls, tuple(fields))
        _KINDS[prefix] = kind
        _BY_CLASS[cls] = kind
        pack.cache_clear()
        parse.cache_clear()
        return cls

    return register


def kinds() -> list[ButtonKind]:
    """Every registered kind of button, for registering their handlers and for tests."""
    return list(_KINDS.values())


# Buttons are immutable and the same data comes again and again (every person's intake has the same buttons), so
# both directions are remembered; bounded, so forged data cannot grow memory.
@functools.lru_cache(maxsize=8192)
def pack(value: object) -> str:
    """The callback data of a button; raises ValueError for a value out of its field's range or over 64 bytes."""
    kind = _BY_CLASS.get(type(value))
    if kind is None:
        raise TypeError(f"{type(value).__name__} is not a registered kind of button")
    parts = [kind.prefix]
    for field in kind.fields:
        raw = getattr(value, field.name)
        if raw is None and field.optional:
            continue
        parts.append(field.type.dump(raw))
    data = SEPARATOR.join(parts)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data of {kind.cls.__name__} is {len(data.encode())} bytes, Telegram takes 64")
    return data


@functools.lru_cache(maxsize=8192)
def parse(data: str | None) -> object | None:
    """The button that packed to exactly this data, or None: forged, stale after a change of format, malformed."""
    if not data or len(data) > MAX_CALLBACK_BYTES:
        return None
    prefix, *parts = data.split(SEPARATOR)
    kind = _KINDS.get(prefix)
    if kind is None:
        return None
    required = sum(not field.optional for field in kind.fields)
    if not required <= len(parts) <= len(kind.fields):
        return None
    values: dict[str, Any] = {}
    try:
        for field, part in zip(kind.fields, parts, strict=False):
            values[field.name] = field.type.load(part)
        made = kind.cls(**values)
    except (ValueError, TypeError):
        return None
    return made


# --- Makker's buttons ---------------------------------------------------------------------------------------------
# Formats kept from before the registry ("c:yes", "i:grp:tog:mental_health", "m:17", "p:del:yes", "lang:da",
# "crisis"), so that buttons on messages sent before an upgrade still work.

ANSWERS = ("yes", "no")


@button("crisis")
@dataclass(frozen=True)
class CrisisButton:
    """ "Help now": the crisis numbers, at any moment."""


@button("lang")
@dataclass(frozen=True)
class LanguageButton:
    language: Annotated[str, Choice(LANGUAGES)]


@button("c")
@dataclass(frozen=True)
class ConsentButton:
    """Yes or no to storing what the person tells. "No" erases, so it carries the consent it was shown for:
    0 when the person had none, the consent's id when shown again by "back" from the first question, and
    nothing on buttons sent before this field existed."""

    answer: Annotated[str, Choice(ANSWERS)]
    shown_for: Annotated[int | None, Number(0, MAX_ID)] = None


@button("r")
@dataclass(frozen=True)
class ResumeButton:
    """/start with a draft (continue, restart) or an open request (new, keep). "Restart" wipes the draft's answers,
    so it carries the step the draft was at when offered; without it (an older message) it is refused."""

    choice: Annotated[str, Choice(("continue", "restart", "new", "keep"))]
    step: Annotated[str | None, Choice(step.value for step in Step)] = None


INTAKE_ACTIONS = (
    "back",
    "tog",
    "done",
    "pick",
    "online",
    "regions",
    "region",
    "ask",
    "skip",
    "edit",
    "confirm",
    "cancel",
)


@button("i")
@dataclass(frozen=True)
class IntakeButton:
    """An answer in the intake; the step lets a button of an earlier question be recognised as stale."""

    step: Annotated[str, Choice(step.value for step in Step)]
    action: Annotated[str, Choice(INTAKE_ACTIONS)]
    value: Annotated[str | None, Code()] = None


@button("m")
@dataclass(frozen=True)
class SuggestionButton:
    suggestion: Annotated[int, Number(1, MAX_ID)]


@button("p")
@dataclass(frozen=True)
class PrivacyButton:
    """The answer to /delete's question."""

    action: Annotated[str, Choice(("del",))]
    answer: Annotated[str, Choice(ANSWERS)]


OFFER_ACTIONS = ("acc", "dec")
# The reasons of bot/offers.py DeclineReason, and "none" for a decline without one (tests/test_offer_handlers.py
# checks that the two lists agree).
DECLINE_REASONS = ("no_time", "not_a_fit", "knows_person", "other", "none")


@button("o")
@dataclass(frozen=True)
class OfferButton:
    """A peer's answer to an offer: accept, or decline. "dec" without a reason shows the reasons; with one it
    declines. The service decides whether the offer is still open and the presser's to answer."""

    offer: Annotated[int, Number(1, MAX_ID)]
    action: Annotated[str, Choice(OFFER_ACTIONS)]
    reason: Annotated[str | None, Choice(DECLINE_REASONS)] = None


# --- Becoming a peer (handlers/peer_apply.py) and the coordinators' review (handlers/peer_review.py) -------------

PEER_ENTRY_CHOICES = ("begin", "yes", "no", "continue", "seek")


@button("pe")
@dataclass(frozen=True)
class PeerEntryButton:
    """The way into an application: "begin" (the intake's third answer), the consent's "yes" and "no", and
    /start's "continue" the application or "seek" support instead. None of them erases anything."""

    choice: Annotated[str, Choice(PEER_ENTRY_CHOICES)]


PEER_APPLY_ACTIONS = (
    "back",
    "tog",
    "done",
    "pick",
    "skip",
    "reg",
    "mun",
    "online",
    "regions",
    "region",
    "ask",
    "edit",
    "submit",
    "cancel",
)


@button("pa")
@dataclass(frozen=True)
class PeerApplyButton:
    """An answer in the peer application; the step lets a button of an earlier question be recognised as stale."""

    step: Annotated[str, Choice(step.value for step in PeerStep)]
    action: Annotated[str, Choice(PEER_APPLY_ACTIONS)]
    value: Annotated[str | None, Code()] = None


REVIEW_ACTIONS = ("list", "open", "ok", "no", "nor")


@button("ar")
@dataclass(frozen=True)
class ReviewButton:
    """A coordinator's look at an application: open it, approve ("ok"), reject with a typed reason ("no") or
    without one ("nor"), or back to the list. The service decides whether the presser is a coordinator and
    whether the application is still pending."""

    application: Annotated[int, Number(0, MAX_ID)]
    action: Annotated[str, Choice(REVIEW_ACTIONS)]


# A peer's own profile (handlers/peer_profile.py). The steps are the application's (bot/peer_application.py).
PROFILE_ACTIONS = ("menu", "edit", "pause", "resume", "forpeers", "show")
PROFILE_STEPS = tuple(step.value for step in PeerStep if step is not PeerStep.SUMMARY)


@button("pf")
@dataclass(frozen=True)
class ProfileButton:
    """/profil's buttons: the list of answers to edit, editing one of them (`step`), pausing, resuming, the
    initiatives for peers, and the profile again. The service checks that the presser is a peer."""

    action: Annotated[str, Choice(PROFILE_ACTIONS)]
    step: Annotated[str | None, Choice(PROFILE_STEPS)] = None


PROFILE_EDIT_ACTIONS = ("tog", "pick", "done", "skip", "cancel", "region", "online", "muni")


@button("pd")
@dataclass(frozen=True)
class ProfileEditButton:
    """An answer while editing one profile answer; the step lets a button of another edit be recognised as stale."""

    step: Annotated[str, Choice(PROFILE_STEPS)]
    action: Annotated[str, Choice(PROFILE_EDIT_ACTIONS)]
    value: Annotated[str | None, Code()] = None


CONTACT_FORMS = ("u", "l")  # an @username, or a tg://user link to the profile


@button("k")
@dataclass(frozen=True)
class ContactButton:
    """Yes or no to exchanging Telegram contacts in a match. "yes" without a form asks which form to give; with
    one it says yes. The service decides whether the match is still open and the presser's."""

    match: Annotated[int, Number(1, MAX_ID)]
    answer: Annotated[str, Choice(ANSWERS)]
    form: Annotated[str | None, Choice(CONTACT_FORMS)] = None


@button("rp")
@dataclass(frozen=True)
class ReportButton:
    """The reporter would rather not write what happened: the block stands, nothing goes to the coordinators."""

    match: Annotated[int, Number(1, MAX_ID)]
    action: Annotated[str, Choice(("skip",))]


@button("su")
@dataclass(frozen=True)
class SuspendButton:
    """A coordinator suspends whoever a report is about, from the report itself."""

    report: Annotated[int, Number(1, MAX_ID)]
