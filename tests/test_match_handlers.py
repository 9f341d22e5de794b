"""Suggestions after the intake, choosing one, and the waiting list, through PTB offline."""

from __future__ import annotations

from datetime import date

from bot import jobs
from bot.context import MakkerContext
from bot.intake import Step
from matching.geo import Area
from matching.model import PeerKind, PeerProfile, PeerStatus
from matching.taxonomy import ContactMode, Gender, Language, SupportForm, TargetGroup
from tests.conftest import BotHarness
from tests.test_intake_handlers import walk_to

USER = 501
KOEGE = 259


def peer(user_id: int, **changes: object) -> PeerProfile:
    values: dict[str, object] = dict(
        peer_id=0,
        user_id=user_id,
        status=PeerStatus.APPROVED,
        kind=PeerKind.VOLUNTEER,
        target_groups=frozenset({TargetGroup.MENTAL_HEALTH}),
        support_forms=frozenset({SupportForm.ONE_TO_ONE}),
        languages=frozenset({Language.DA, Language.EN}),
        gender=Gender.WOMAN,
        contact_modes=frozenset({ContactMode.CHAT}),
        area=Area(municipalities=frozenset({KOEGE})),
        capacity=2,
        active_matches=0,
    )
    values.update(changes)
    return PeerProfile(**values)  # type: ignore[arg-type]


async def confirm_intake(h: BotHarness) -> str:
    await walk_to(h, Step.SUMMARY, user=USER)
    await h.press(USER, "i:sum:confirm")
    return h.api.last_text(USER)


def buttons(h: BotHarness) -> list[tuple[str, str]]:
    return [(b["text"], b["callback_data"]) for row in h.api.last_keyboard(USER) for b in row]


async def test_suggestions_follow_the_confirmed_request_with_reasons(harness: BotHarness) -> None:
    await harness.services.store.peers.save(peer(9001), "Mette")
    text = await confirm_intake(harness)
    assert text.startswith("Her er mine forslag til dig")
    assert "1. Mette – frivillig peer" in text
    assert "Har selv erfaring med psykiske vanskeligheder" in text and "I din kommune" in text
    assert "Peers som brobyggere" in text, "the regional initiative of Region Sjælland is suggested"
    labels = [label for label, _ in buttons(harness)]
    assert labels[0] == "1. Vælg Mette"
    request = await harness.services.store.intake.open_request(USER)
    assert request is not None and not request.waiting


async def test_choosing_an_initiative_shows_how_to_get_in_touch_and_records_it(harness: BotHarness) -> None:
    await confirm_intake(harness)
    data = next(data for label, data in buttons(harness) if "Peers som brobyggere" in label)
    await harness.press(USER, data)
    shown = harness.api.last_text(USER)
    # An ended trial is shown as what it is, with where to ask today.
    assert shown.startswith("Peers som brobyggere\n\nProjektet kørte 2014–2018. Det er ikke et tilbud")
    assert "Hvor du kan spørge om peer-støtte i dag: Spørg i Region Sjælland" in shown
    assert "Sådan kommer du i kontakt" not in shown
    suggestion = await harness.services.store.suggestions.get(int(data.removeprefix("m:")), USER)
    assert suggestion is not None and suggestion.chosen
    await harness.say(USER, "/forslag")
    assert any("✅ Peers som brobyggere" in label for label, _ in buttons(harness))


async def test_choosing_a_peer_asks_the_peer(harness: BotHarness) -> None:
    await harness.services.store.peers.save(peer(9001), "Mette")
    await confirm_intake(harness)
    await harness.press(USER, buttons(harness)[0][1])
    assert harness.api.last_text(USER).startswith("Tak. Jeg har spurgt Mette")
    chosen = await harness.services.store.db.read(
        lambda c: c.execute(
            "SELECT COUNT(*) FROM suggestions WHERE user_id = ? AND chosen_at IS NOT NULL", (USER,)
        ).fetchone()[0]
    )
    assert chosen == 1


async def test_a_forged_or_foreign_suggestion_reveals_nothing(harness: BotHarness) -> None:
    await confirm_intake(harness)
    other = 502
    await walk_to(harness, Step.SUMMARY, user=other)
    await harness.press(other, "i:sum:confirm")
    theirs = [c for c in harness.api.calls if c.params.get("chat_id") == other and c.params.get("reply_markup")][-1]
    their_id = theirs.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    before = len(harness.api.texts_to(USER))
    for forged, answer in (
        (their_id, "ikke længere aktuelt"),
        ("m:999999", "ikke længere aktuelt"),
        ("m:abc", "ikke længere aktiv"),
    ):
        await harness.press(USER, forged)
        alert = [c for c in harness.api.calls if c.method == "answerCallbackQuery"][-1]
        assert answer in alert.params["text"] and alert.params["show_alert"] is True
    assert len(harness.api.texts_to(USER)) == before


async def test_without_a_peer_the_request_waits_and_is_matched_again(harness: BotHarness) -> None:
    text = await confirm_intake(harness)
    assert "venteliste" in text
    request = await harness.services.store.intake.open_request(USER)
    assert request is not None and request.waiting
    matchmaker = harness.services.matchmaker
    assert await matchmaker.rematch_waiting(date(2026, 11, 23)) == []
    await harness.services.store.peers.save(peer(9002), "Jonas")
    found = await matchmaker.rematch_waiting(date(2026, 11, 23))
    assert [request.user_id for request, _ in found] == [USER]
    request = await harness.services.store.intake.open_request(USER)
    assert request is not None and not request.waiting
    await harness.say(USER, "/forslag")
    assert "Jonas" in harness.api.last_text(USER)


async def test_a_peer_who_paused_or_is_full_is_not_suggested(harness: BotHarness) -> None:
    peers = harness.services.store.peers
    paused = await peers.save(peer(9003), "Paused")
    await peers.set_status(paused, PeerStatus.PAUSED)
    full = await peers.save(peer(9004), "Full")
    await peers.set_active_matches(full, 2)
    text = await confirm_intake(harness)
    assert "Paused" not in text and "Full" not in text


async def test_suggestions_command_without_a_request(harness: BotHarness) -> None:
    assert "ingen åben anmodning" in await harness.say(USER, "/forslag")


async def test_the_rematch_job_tells_the_person_through_the_outbox(harness: BotHarness) -> None:
    await confirm_intake(harness)
    context = MakkerContext(harness.application)
    await jobs.rematch_waiting(context)
    assert await harness.services.store.outbox.status_counts() == {}
    await harness.services.store.peers.save(peer(9005), "Sara")
    await jobs.rematch_waiting(context)
    await jobs.rematch_waiting(context)  # a second run the same day queues nothing more
    rows = await harness.services.store.db.fetch_all("SELECT chat_id, text_key FROM outbox")
    assert [(row["chat_id"], row["text_key"]) for row in rows] == [(USER, "match.rematch_found")]


def test_every_reason_renders_in_both_languages(harness: BotHarness) -> None:
    """Each reason matching can give, with each code its parameter can hold, has a text in da and en."""
    from bot.store.suggestions import StoredReason
    from handlers.match import reason_text
    from matching.scoring import REASON_KEYS
    from matching.taxonomy import AgeBand, GenderPreference

    codes = {
        "group": list(TargetGroup),
        "form": list(SupportForm),
        "language": list(Language),
        "gender": [GenderPreference.WOMAN, GenderPreference.MAN],
        "mode": list(ContactMode),
        "age_band": list(AgeBand),
    }
    for key, params in REASON_KEYS.items():
        variants = [{}] if not params else [{params[0]: str(code)} for code in codes[params[0]]]
        for values in variants:
            for language in ("da", "en"):
                text = reason_text(harness.services, StoredReason(key, values), language)
                assert text and "{" not in text and "_" not in text, (key, values, text)


async def test_suggestions_say_what_the_catalogue_knows_about_whether_they_run(harness: BotHarness) -> None:
    text = await confirm_intake(harness)
    ended = text.index("Peers som brobyggere")
    assert "Projektet kørte 2014–2018." in text[ended:], "an ended trial is named with its years"
    assert "Var i gang, da vi sidst tjekkede (14.08.2019)." in text, "a running one only as of its last check"
    for editorial in ("kilden", "kataloget", "bevilget", "Kilde"):
        assert editorial not in text
    data = next(data for label, data in buttons(harness) if "WRAP" in label)
    await harness.press(USER, data)
    shown = harness.api.last_text(USER)
    assert "Var i gang, da vi sidst tjekkede (14.08.2019)." in shown and "Sådan kommer du i kontakt" in shown
