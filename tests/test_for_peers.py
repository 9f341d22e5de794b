"""Initiatives for peers: only running ones, only where the peer works, local before national."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from matching.catalogue import Audience, load_initiatives
from matching.for_peers import initiatives_for_peer
from matching.geo import Area, default_geography

ON = date(2026, 12, 1)
KOEGE, ODENSE, AARHUS = 259, 461, 751


def test_peers_see_the_national_network_and_education_never_seekers_initiatives() -> None:
    catalogue = load_initiatives()
    found = initiatives_for_peer(Area(municipalities=frozenset({KOEGE})), catalogue, default_geography(), ON)
    assert {i.key for i in found} == {"peer-netvaerket-danmark", "medarbejder-med-brugererfaring"}
    online = initiatives_for_peer(Area(online=True), catalogue, default_geography(), ON)
    assert {i.key for i in online} == {i.key for i in found}


def test_local_ones_come_first_and_others_areas_and_ended_ones_are_left_out() -> None:
    base = next(i for i in load_initiatives() if i.key == "peer-netvaerket-danmark")
    local = replace(base, key="odense", name="Netværk Fyn", area=Area(municipalities=frozenset({ODENSE})))
    regional = replace(base, key="syd", name="Supervision Syd", area=Area(regions=frozenset({"syddanmark"})))
    far = replace(base, key="far", name="Aarhus", area=Area(municipalities=frozenset({AARHUS})))
    ended = replace(base, key="ended", name="Afsluttet", active=False)
    seekers = replace(base, key="seekers", name="For borgere", audience=Audience.SEEKERS)
    catalogue = [base, far, ended, seekers, regional, local]
    geography = default_geography()
    found = initiatives_for_peer(Area(municipalities=frozenset({ODENSE})), catalogue, geography, ON)
    assert [i.key for i in found] == ["odense", "syd", "peer-netvaerket-danmark"]
    by_region = initiatives_for_peer(Area(regions=frozenset({"syddanmark"})), catalogue, geography, ON)
    assert [i.key for i in by_region] == ["odense", "syd", "peer-netvaerket-danmark"]
    assert [i.key for i in initiatives_for_peer(Area(online=True), catalogue, geography, ON)] == [
        "peer-netvaerket-danmark"
    ]
