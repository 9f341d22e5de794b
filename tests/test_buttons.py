"""The button registry: every kind round-trips, 64 bytes are checked when packing, forged data parses to None."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

from bot import buttons
from bot.buttons import (
    MAX_ID,
    Annotated,
    Choice,
    Code,
    ConsentButton,
    ContactButton,
    CrisisButton,
    IntakeButton,
    LanguageButton,
    Number,
    OfferButton,
    PeerApplyButton,
    PeerEntryButton,
    PrivacyButton,
    ProfileButton,
    ProfileEditButton,
    ReportButton,
    ResumeButton,
    ReviewButton,
    SuggestionButton,
    SuspendButton,
    button,
    pack,
    parse,
)
from bot.i18n import Catalogue
from bot.intake import ORDER, Answers, Draft
from handlers.intake_views import IntakeViews
from matching.geo import default_geography

EXAMPLES: list[object] = [
    OfferButton(1, "acc"),
    OfferButton(MAX_ID, "dec"),
    OfferButton(7, "dec", "knows_person"),
    CrisisButton(),
    LanguageButton("da"),
    LanguageButton("en"),
    ConsentButton("yes"),
    ConsentButton("no", 0),
    ConsentButton("no", MAX_ID),
    ResumeButton("continue"),
    ResumeButton("keep"),
    ResumeButton("restart", "age"),
    IntakeButton("grp", "tog", "mental_health"),
    IntakeButton("sum", "confirm"),
    IntakeButton("mun", "pick", "259"),
    SuggestionButton(1),
    SuggestionButton(MAX_ID),
    PrivacyButton("del", "yes"),
    PeerEntryButton("begin"),
    PeerEntryButton("seek"),
    PeerApplyButton("alias", "back"),
    PeerApplyButton("area", "mun", "259"),
    PeerApplyButton("elig", "tog", "recovery_year"),
    PeerApplyButton("sum", "edit", "cap"),
    ReviewButton(0, "list"),
    ReviewButton(MAX_ID, "nor"),
    ProfileButton("menu"),
    ProfileButton("edit", "exp"),
    ProfileEditButton("area", "muni", "851"),
    ProfileEditButton("cap", "pick", "10"),
    ProfileEditButton("lang", "done"),
    ContactButton(1, "yes"),
    ContactButton(MAX_ID, "yes", "u"),
    ContactButton(3, "no"),
    ContactButton(MAX_ID, "yes", "l"),
    ReportButton(MAX_ID, "skip"),
    SuspendButton(1),
    SuspendButton(MAX_ID),
]


def test_every_kind_has_an_example() -> None:
    assert {kind.cls for kind in buttons.kinds()} == {type(example) for example in EXAMPLES}


@pytest.mark.parametrize("example", EXAMPLES, ids=repr)
def test_round_trip(example: object) -> None:
    data = pack(example)
    assert len(data.encode()) <= 64
    assert parse(data) == example
    assert pack(parse(data)) == data


def test_formats_of_messages_sent_before_the_registry_still_parse() -> None:
    assert parse("c:yes") == ConsentButton("yes")
    assert parse("c:no") == ConsentButton("no", None), "an old 'no' parses, without the consent it was shown for"
    assert parse("p:del:yes") == PrivacyButton("del", "yes")
    assert parse("lang:en") == LanguageButton("en")
    assert parse("crisis") == CrisisButton()
    assert parse("m:17") == SuggestionButton(17)
    assert parse("i:grp:done") == IntakeButton("grp", "done")


@pytest.mark.parametrize(
    "forged",
    [
        None,
        "",
        "m:²",  # "²".isdigit() is True, int() rejects it
        "m:١٢",  # Arabic-Indic digits: isdigit() and int() accept them, pack never writes them
        "m:" + "1" * 23,  # beyond SQLite's integers
        "m:9223372036854775808",  # MAX_ID + 1
        "m:0",
        "m:017",  # a leading zero: pack writes 17
        "m:-5",
        "m:+5",
        "m: 5",
        "m:5:6",
        "m:",
        "m",
        "c:maybe",
        "c:no:-1",
        "c:no:²",
        "c:yes:0:0",
        "crisis:",
        "crisis:now",
        "lang:de",
        "r:continue:",
        "i:xyz:pick:self",
        "i:grp:jump",
        "i:grp:tog:Mental_Health",
        "i:grp:tog:æøå",
        "i:grp:tog:",
        "i:grp:tog:a:b",
        "i:grp:tog:" + "a" * 33,
        "p:del:yes:no",
        "p:erase:yes",
        "x:1",
        "M:17",
        "a" * 65,
    ],
)
def test_forged_data_parses_to_nothing(forged: str | None) -> None:
    assert parse(forged) is None


def test_random_data_parses_only_to_what_packs_back_exactly() -> None:
    generator = random.Random(9)
    alphabet = string.ascii_letters + string.digits + ":_-²١ æ"
    starts = ["m:", "c:", "i:grp:", "i:mun:pick:", "p:del:", "lang:", "r:", "crisis"]
    for _ in range(20_000):
        data = generator.choice(starts) + "".join(generator.choices(alphabet, k=generator.randint(0, 12)))
        parsed = parse(data)
        if parsed is not None:
            assert pack(parsed) == data


@pytest.fixture
def scratch_kinds() -> Iterator[None]:
    """Kinds declared by a test are gone after it: the application refuses kinds without a handler."""
    kinds, by_class = dict(buttons._KINDS), dict(buttons._BY_CLASS)
    try:
        yield
    finally:
        buttons._KINDS.clear()
        buttons._KINDS.update(kinds)
        buttons._BY_CLASS.clear()
        buttons._BY_CLASS.update(by_class)
        pack.cache_clear()
        parse.cache_clear()


def test_packing_checks_the_64_bytes_and_the_fields(scratch_kinds: None) -> None:
    @button("wide")
    @dataclass(frozen=True)
    class Wide:
        a: Annotated[str, Code()]
        b: Annotated[str, Code()]

    assert parse(pack(Wide("a" * 28, "b" * 29))) == Wide("a" * 28, "b" * 29)  # 63 bytes
    with pytest.raises(ValueError, match="64"):
        pack(Wide("a" * 32, "b" * 32))
    with pytest.raises(ValueError):
        pack(SuggestionButton(0))
    with pytest.raises(ValueError):
        pack(SuggestionButton(MAX_ID + 1))
    with pytest.raises(ValueError):
        pack(LanguageButton("de"))
    with pytest.raises(ValueError):
        pack(IntakeButton("grp", "tog", "Æble"))
    with pytest.raises(TypeError):
        pack(object())


def test_a_kind_is_declared_once_with_a_type_for_every_field(scratch_kinds: None) -> None:
    with pytest.raises(ValueError, match="taken"):

        @button("m")
        @dataclass(frozen=True)
        class Again:
            n: Annotated[int, Number(1, 2)]

    with pytest.raises(TypeError, match="field type"):

        @button("untyped")
        @dataclass(frozen=True)
        class Untyped:
            n: int

    with pytest.raises(TypeError, match="frozen"):

        @button("loose")
        @dataclass
        class Loose:
            n: Annotated[int, Number(1, 2)]

    with pytest.raises(TypeError, match="last field"):

        @button("gap")
        @dataclass(frozen=True)
        class Gap:
            a: Annotated[str | None, Code()] = None
            b: Annotated[str, Choice(("x",))] = "x"


def test_every_intake_keyboard_is_made_of_registered_buttons() -> None:
    geography = default_geography()
    views = IntakeViews(Catalogue("da"), geography)
    today = date(2026, 12, 1)
    keyboards = [views.question(Draft(step, Answers()), "da")[1] for step in ORDER]
    keyboards.append(views.region_choices("da", today)[1])
    keyboards.append(views.municipality_choices(geography.all_municipalities(), "da", "intake.question.mun_results")[1])
    for keyboard in keyboards:
        for row in keyboard.inline_keyboard:
            for key in row:
                assert isinstance(key.callback_data, str)
                # The first question's third answer starts a peer application instead.
                assert isinstance(parse(key.callback_data), IntakeButton) or parse(
                    key.callback_data
                ) == PeerEntryButton("begin"), key.callback_data


def test_the_application_refuses_a_kind_without_a_handler() -> None:
    from bot.app import BUTTON_HANDLERS
    from handlers.buttons import dispatcher

    dispatcher(BUTTON_HANDLERS)  # every kind Makker sends has its handler
    missing = {kind: handler for kind, handler in BUTTON_HANDLERS.items() if kind is not SuggestionButton}
    with pytest.raises(ValueError, match="SuggestionButton"):
        dispatcher(missing)
