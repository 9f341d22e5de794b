"""Helpers for the end-to-end tests of honest replies, faults and privacy: walks and file checks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import Store
from matching.geo import Area, default_geography
from matching.model import PeerKind, PeerProfile, PeerStatus
from matching.taxonomy import ContactMode, Gender, Language, SupportForm, TargetGroup
from tests.e2e.test_intake import Person

KOEGE = 259


def walk_to_free_text(person: Person, *, group: str = "mental_health", age: str = "25_39", town: str = "Køge") -> None:
    """From /start to the last question, the free text."""
    person.say("/start", "Giver du samtykke")
    person.tap("c:yes", "Hvem søger du støtte til?")
    person.tap("i:whom:pick:self", "Hvad handler det om?")
    person.tap(f"i:grp:tog:{group}", "✅")
    person.tap("i:grp:done", "Hvor gammel er du?")
    person.tap(f"i:age:pick:{age}", "Hvor bor du?")
    person.say(town, "Hvilken slags støtte")
    person.tap("i:form:tog:one_to_one", "✅ Én-til-én med en peer")
    person.tap("i:form:done", "Hvilke sprog")
    person.tap("i:lang:done", "Har du et ønske om")
    person.tap("i:gen:pick:none", "Hvordan vil du helst")
    person.tap("i:cont:tog:chat", "✅ Chat gennem Makker")
    person.tap("i:cont:done", "Til sidst")


def save_peer(database: Path, name: str = "Mette") -> None:
    """An approved peer in Køge for mental-health difficulties, written before the bot starts."""
    profile = PeerProfile(
        peer_id=0,
        user_id=8801,
        status=PeerStatus.APPROVED,
        kind=PeerKind.VOLUNTEER,
        target_groups=frozenset({TargetGroup.MENTAL_HEALTH}),
        support_forms=frozenset({SupportForm.ONE_TO_ONE}),
        languages=frozenset({Language.DA}),
        gender=Gender.WOMAN,
        contact_modes=frozenset({ContactMode.CHAT}),
        area=Area(municipalities=frozenset({KOEGE})),
        capacity=2,
        active_matches=0,
    )

    async def save() -> None:
        store = await Store.open(database, default_geography())
        try:
            await store.peers.save(profile, name)
        finally:
            await store.close()

    asyncio.run(save())


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The file cannot be written, also by root (who ignores permission bits): chattr +i then."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a file read-only here (chattr +i failed)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def wait_while_progressing(measure: object, target: int, what: str, stall: float = 20.0) -> None:
    """Until measure() reaches target. A loaded machine makes progress slow, never zero: this fails only when
    nothing moved for `stall` seconds, so the wait holds on a busy machine and still catches a hang."""
    last, moved = measure(), time.monotonic()  # type: ignore[operator]
    while last < target:
        time.sleep(0.05)
        now = measure()  # type: ignore[operator]
        if now != last:
            last, moved = now, time.monotonic()
        elif time.monotonic() - moved > stall:
            raise AssertionError(f"no progress for {stall:.0f} s waiting for {what}: {last} of {target}")
