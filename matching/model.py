"""What matching reasons about: a person's need and the peers that could meet it.

Plain frozen data, built by the store from rows and by tests from literals; no I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from matching.geo import Area
from matching.taxonomy import (
    AgeBand,
    ContactMode,
    ForWhom,
    Gender,
    GenderPreference,
    Language,
    SupportForm,
    TargetGroup,
)


class PeerStatus(StrEnum):
    """Only APPROVED peers are ever suggested; the others stay in the database for coordinators."""

    PENDING = "pending"
    APPROVED = "approved"
    PAUSED = "paused"
    REJECTED = "rejected"


class PeerKind(StrEnum):
    PAID = "paid"
    VOLUNTEER = "volunteer"


@dataclass(frozen=True, slots=True)
class Need:
    """A support request as matching sees it. `person_id` is the Telegram user id of the person.

    `excluded_peers` are peer ids this person has declined or blocked, or been declined by:
    they are never suggested to this person again.
    """

    person_id: int
    request_id: int
    for_whom: ForWhom
    target_groups: frozenset[TargetGroup]
    age_band: AgeBand
    municipality_code: int | None
    online_only: bool
    support_forms: frozenset[SupportForm]
    languages: frozenset[Language]
    gender_preference: GenderPreference
    contact_modes: frozenset[ContactMode]
    excluded_peers: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class PeerProfile:
    """An approved (or not) peer: whom, where, how and how many they can support.

    `target_groups` are the groups the peer has lived experience of and supports; `relative_of` the groups
    whose situation they know as a relative (pårørende) and whose relatives they support; `area` is where
    they can meet people (online when they support by chat or phone from anywhere).
    """

    peer_id: int
    user_id: int
    status: PeerStatus
    kind: PeerKind
    target_groups: frozenset[TargetGroup]
    support_forms: frozenset[SupportForm]
    languages: frozenset[Language]
    gender: Gender
    contact_modes: frozenset[ContactMode]
    area: Area
    capacity: int
    active_matches: int
    min_age: int = 18
    max_age: int | None = None
    relative_of: frozenset[TargetGroup] = frozenset()

    @property
    def has_room(self) -> bool:
        return self.active_matches < self.capacity
