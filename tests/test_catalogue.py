"""The initiatives catalogue: the shipped file is complete and valid, and a broken file is reported row by row."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from matching.catalogue import (
    COLUMNS,
    Audience,
    CatalogueError,
    Initiative,
    RowProblem,
    Status,
    load_initiatives,
    parse_area,
    parse_initiatives,
    serves_age,
)
from matching.geo import Area, default_geography
from matching.taxonomy import AgeBand, SupportForm, TargetGroup

# The initiatives named in DOMAIN.md ("Initiatives named in the seeds"); the catalogue must carry every one.
DOMAIN_NAMES = {
    "Peer-støtte i Region Hovedstaden",
    "Ligestillet støtte – en vej til recovery",
    "Peers som brobyggere",
    "Peer-netværket Danmark",
    "Bro til hverdagslivet",
    "Medarbejder med brugererfaring (MB)",
    "Peer to Peer Odense – et fælles skridt",
    "Overgangs- og peerstøtte til udsatte grønlændere",
    "Peer-to-peer fællesskaber for udsatte borgere",
    "At mestre livet med et synstab",
    "Sjældne-navigatorer",
    "LÆR AT TACKLE",
    "MindSpring",
    "WRAP",
}

HEADER = ",".join(COLUMNS)


def _row(**cells: str) -> str:
    """A valid CSV row with some cells replaced, so each test shows only what it breaks."""
    values = {
        "key": "test-initiative",
        "name": "Testindsats",
        "organiser": "Testforeningen",
        "description_da": "En indsats til tests.",
        "description_en": "An initiative for tests.",
        "target_groups": "mental_health",
        "min_age": "",
        "max_age": "",
        "support_forms": "one_to_one",
        "area": "national",
        "audience": "seekers",
        "contact": "Spørg i din kommune.",
        "contact_en": "Ask your municipality.",
        "active": "yes",
        "relatives_of": "",
        "start_year": "2015",
        "end_year": "",
        "status": "running",
        "last_checked": "2026-11-01",
        "notes": "",
    }
    values.update(cells)
    return ",".join(values[column] for column in COLUMNS)


def _initiative(min_age: int | None, max_age: int | None) -> Initiative:
    low, high = ("" if age is None else str(age) for age in (min_age, max_age))
    return parse_initiatives("\n".join([HEADER, _row(min_age=low, max_age=high)]))[0]


@pytest.fixture(scope="module")
def shipped() -> list[Initiative]:
    return load_initiatives()


# The shipped file


def test_shipped_file_has_every_initiative_of_the_domain(shipped: list[Initiative]) -> None:
    names = [initiative.name for initiative in shipped]
    assert set(names) == DOMAIN_NAMES
    assert len(names) == len(DOMAIN_NAMES)


def test_shipped_areas_resolve(shipped: list[Initiative]) -> None:
    geography = default_geography()
    for initiative in shipped:
        assert not initiative.area.is_empty, initiative.key
        geography.check_area(initiative.area)


def test_shipped_rows_are_usable(shipped: list[Initiative]) -> None:
    for initiative in shipped:
        assert initiative.description_en and initiative.contact_en, f"{initiative.key} lacks English"
        assert initiative.target_groups and initiative.support_forms, initiative.key
        assert SupportForm.DONT_KNOW not in initiative.support_forms, initiative.key
        if TargetGroup.CHILDREN_YOUTH in initiative.target_groups:
            assert serves_age(initiative, AgeBand.UNDER_18), initiative.key


def test_shipped_contacts_invent_no_phone_email_or_url_path(shipped: list[Initiative]) -> None:
    """Contacts are a known domain or whom to ask: a made-up number or link would send people nowhere."""
    for initiative in shipped:
        for text in (initiative.contact("da"), initiative.contact("en")):
            assert "@" not in text and "http" not in text and "www" not in text, text
            assert not re.search(r"\d{2}\s?\d{2}\s?\d{2}\s?\d{2}", text), text
            assert not re.search(r"\.dk/", text), text


def test_peers_only_programmes_are_not_offered_to_seekers(shipped: list[Initiative]) -> None:
    by_key = {initiative.key: initiative for initiative in shipped}
    for key in ("peer-netvaerket-danmark", "medarbejder-med-brugererfaring"):
        assert by_key[key].audience is Audience.PEERS
        assert not by_key[key].offered_to_seekers
    assert by_key["sjaeldne-navigatorer"].offered_to_seekers


def test_local_initiatives_sit_where_the_seeds_say(shipped: list[Initiative]) -> None:
    by_key = {initiative.key: initiative for initiative in shipped}
    assert by_key["peer-to-peer-odense"].area == Area(municipalities=frozenset({461}))
    assert by_key["mindspring"].area == Area(municipalities=frozenset({573, 849, 400}))  # Varde, Jammerbugt, Bornholm
    assert by_key["peer-stoette-region-hovedstaden"].area == Area(regions=frozenset({"hovedstaden"}))


def test_languages_fall_back_to_danish(shipped: list[Initiative]) -> None:
    navigators = next(initiative for initiative in shipped if initiative.key == "sjaeldne-navigatorer")
    assert navigators.description("en").startswith("An individual")
    assert navigators.description("da") == navigators.description_da
    assert navigators.contact("en") != navigators.contact("da")
    untranslated = parse_initiatives("\n".join([HEADER, _row(description_en="", contact_en="")]))[0]
    assert untranslated.description("en") == "En indsats til tests."
    assert untranslated.contact("en") == "Spørg i din kommune."


def test_load_reads_a_path_with_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "initiatives.csv"
    path.write_text("\n".join([HEADER, _row()]) + "\n", encoding="utf-8-sig")
    assert [initiative.key for initiative in load_initiatives(path)] == ["test-initiative"]


# An invalid file


def test_every_bad_row_is_reported_with_line_and_reason() -> None:
    text = "\n".join(
        [
            HEADER,  # line 1
            _row(key="good"),  # line 2
            _row(key="bad-group", target_groups="mental_health;xyz"),  # line 3
            _row(key="bad-municipality", area="municipalities:461;999"),  # line 4
            _row(key="bad-ages", min_age="30", max_age="20"),  # line 5
            _row(key="no-name", name=""),  # line 6
            "",  # line 7, blank lines are skipped
            _row(key="bad-region", area="regions:atlantis"),  # line 8
            _row(key="bad-form", support_forms="dont_know"),  # line 9
            _row(key="bad-audience", audience="everyone", active="maybe"),  # line 10
            "only,three,cells",  # line 11
        ]
    )
    with pytest.raises(CatalogueError) as caught:
        parse_initiatives(text)
    problems = caught.value.problems
    assert RowProblem(3, "unknown target group 'xyz'") in problems
    assert RowProblem(4, "unknown municipality code 999") in problems
    assert RowProblem(5, "min_age is greater than max_age") in problems
    assert RowProblem(6, "missing name") in problems
    assert RowProblem(8, "unknown region code 'atlantis'") in problems
    assert any(p.line == 9 and "dont_know" in p.reason for p in problems)
    assert any(p.line == 10 and "audience" in p.reason for p in problems)
    assert any(p.line == 10 and "active" in p.reason for p in problems)
    assert RowProblem(11, f"expected {len(COLUMNS)} cells, found 3") in problems
    assert {p.line for p in problems} == {3, 4, 5, 6, 8, 9, 10, 11}, "the good row is not blamed"
    assert "line 4: unknown municipality code 999" in str(caught.value)


def test_duplicate_keys_are_rejected() -> None:
    text = "\n".join([HEADER, _row(key="same"), _row(key="other"), _row(key="same", name="Another")])
    with pytest.raises(CatalogueError) as caught:
        parse_initiatives(text)
    assert caught.value.problems == [RowProblem(4, "duplicate key 'same' (first used on line 2)")]


def test_a_multi_line_cell_keeps_line_numbers_right() -> None:
    text = "\n".join([HEADER, _row(description_da='"Første linje\nanden linje"'), _row(key="x", area="mars")])
    with pytest.raises(CatalogueError) as caught:
        parse_initiatives(text)
    assert [p.line for p in caught.value.problems] == [4]


def test_missing_columns_are_reported_on_line_1() -> None:
    header = ",".join(column for column in COLUMNS if column != "audience")
    with pytest.raises(CatalogueError) as caught:
        parse_initiatives(header + "\n")
    assert caught.value.problems == [RowProblem(1, "missing column 'audience'")]
    with pytest.raises(CatalogueError):
        parse_initiatives("")


def test_children_youth_must_admit_minors() -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_initiatives("\n".join([HEADER, _row(target_groups="children_youth", min_age="18")]))
    assert [p.line for p in caught.value.problems] == [2]


def test_area_forms() -> None:
    assert parse_area("national") == Area(national=True)
    assert parse_area("online") == Area(online=True)
    assert parse_area("regions:syddanmark;nordjylland") == Area(regions=frozenset({"syddanmark", "nordjylland"}))
    assert parse_area("municipalities:101; 461") == Area(municipalities=frozenset({101, 461}))
    for bad in ("", "everywhere", "regions:", "municipalities:46", "municipalities:abc"):
        with pytest.raises(ValueError):
            parse_area(bad)


# Ages


@pytest.mark.parametrize(
    ("min_age", "max_age", "served"),
    [
        (None, None, set(AgeBand)),
        (18, None, set(AgeBand) - {AgeBand.UNDER_18}),
        (None, 24, {AgeBand.UNDER_18, AgeBand.A18_24}),
        (15, 25, {AgeBand.UNDER_18, AgeBand.A18_24, AgeBand.A25_39}),  # overlap, not containment
        (17, 17, {AgeBand.UNDER_18}),
        (65, None, {AgeBand.A65_PLUS}),
        (100, None, {AgeBand.A65_PLUS}),  # the open top band still overlaps
        (40, 64, {AgeBand.A40_64}),
        (39, 40, {AgeBand.A25_39, AgeBand.A40_64}),  # limits are inclusive
    ],
)
def test_serves_age_is_overlap(min_age: int | None, max_age: int | None, served: set[AgeBand]) -> None:
    initiative = _initiative(min_age, max_age)
    assert {band for band in AgeBand if serves_age(initiative, band)} == served
    assert {band for band in AgeBand if initiative.serves_age(band)} == served


# Period, status, last checked, relatives and notes


def test_period_status_and_notes_are_read() -> None:
    row = _row(start_year="2014", end_year="2018", status="ended", last_checked="2019-08-14", notes="Kilde: x")
    initiative = parse_initiatives("\n".join([HEADER, row]))[0]
    assert (initiative.start_year, initiative.end_year) == (2014, 2018)
    assert initiative.status is Status.ENDED and initiative.ended
    assert initiative.last_checked == date(2019, 8, 14)
    assert initiative.notes == "Kilde: x"
    assert "Kilde" not in initiative.description("da") + initiative.description("en") + initiative.contact("da")


def test_an_unknown_status_may_never_have_been_checked() -> None:
    initiative = parse_initiatives("\n".join([HEADER, _row(status="unknown", last_checked="")]))[0]
    assert initiative.status is Status.UNKNOWN and initiative.last_checked is None


def test_bad_periods_and_statuses_are_reported_with_their_lines_and_nothing_is_loaded() -> None:
    text = "\n".join(
        [
            HEADER,  # line 1
            _row(key="good"),  # line 2
            _row(key="no-status", status=""),  # line 3
            _row(key="odd-status", status="paused"),  # line 4
            _row(key="backwards", start_year="2018", end_year="2014", status="ended", last_checked="2019-01-01"),  # 5
            _row(key="bad-year", start_year="18"),  # line 6
            _row(key="bad-date", last_checked="14.08.2019"),  # line 7
            _row(key="running-over", end_year="2018", status="running", last_checked="2020-01-01"),  # line 8
            _row(key="ended-no-end", status="ended", last_checked="2020-01-01"),  # line 9
            _row(key="unchecked", status="running", last_checked=""),  # line 10
            _row(key="ended-early", end_year="2020", status="ended", last_checked="2019-08-14"),  # line 11
            _row(key="future-check", last_checked="2030-01-01"),  # line 12
        ]
    )
    with pytest.raises(CatalogueError) as caught:
        parse_initiatives(text, today=date(2026, 12, 1))
    problems = caught.value.problems
    assert {p.line for p in problems} == set(range(3, 13)), "the good row is not blamed"
    assert any(p.line == 4 and "status must be running, ended or unknown" in p.reason for p in problems)
    assert RowProblem(5, "start_year is after end_year") in problems
    assert RowProblem(6, "start_year is not a year like 2018: '18'") in problems
    assert any(p.line == 7 and "last_checked is not a date" in p.reason for p in problems)
    assert any(p.line == 8 and "running" in p.reason and "2018" in p.reason for p in problems)
    assert RowProblem(9, "status ended needs end_year (the last year it ran)") in problems
    assert any(p.line == 10 and "needs last_checked" in p.reason for p in problems)
    assert any(p.line == 11 and "had not come" in p.reason for p in problems)
    assert any(p.line == 12 and "not a date that has been" in p.reason for p in problems)


def test_relatives_qualify_a_situation_and_are_no_target_group_of_their_own() -> None:
    both = parse_initiatives("\n".join([HEADER, _row(relatives_of="mental_health")]))[0]
    assert both.target_groups == {TargetGroup.MENTAL_HEALTH} and both.relatives_of == {TargetGroup.MENTAL_HEALTH}
    only = parse_initiatives("\n".join([HEADER, _row(target_groups="", relatives_of="rare_diagnosis")]))[0]
    assert only.target_groups == frozenset() and only.relatives_of == {TargetGroup.RARE_DIAGNOSIS}
    text = "\n".join(
        [
            HEADER,
            _row(key="old-style", target_groups="mental_health;relatives"),  # line 2
            _row(key="nobody", target_groups="", relatives_of=""),  # line 3
            _row(key="typo", relatives_of="mental"),  # line 4
        ]
    )
    with pytest.raises(CatalogueError) as caught:
        parse_initiatives(text)
    problems = caught.value.problems
    assert any(p.line == 2 and "not a target group of its own" in p.reason for p in problems)
    assert any(p.line == 3 and "missing target groups" in p.reason for p in problems)
    assert RowProblem(4, "unknown relatives_of group 'mental'") in problems


# The shipped file is true to the seeds


def test_shipped_periods_and_statuses_follow_the_seeds(shipped: list[Initiative]) -> None:
    by_key = {initiative.key: initiative for initiative in shipped}
    trials = ("peer-stoette-region-hovedstaden", "ligestillet-stoette", "peers-som-brobyggere")
    for key in trials:
        assert by_key[key].status is Status.ENDED and by_key[key].end_year == 2018, key
    assert (by_key["peer-stoette-region-hovedstaden"].start_year, by_key["ligestillet-stoette"].start_year) == (
        2015,
        2014,
    )
    assert by_key["overgangs-og-peerstoette-groenlaendere"].status is Status.ENDED
    assert by_key["overgangs-og-peerstoette-groenlaendere"].end_year == 2020
    assert by_key["bro-til-hverdagslivet"].status is Status.UNKNOWN
    assert by_key["ligestillet-stoette"].relatives_of == {TargetGroup.MENTAL_HEALTH}
    assert by_key["sjaeldne-navigatorer"].relatives_of == {TargetGroup.RARE_DIAGNOSIS}
    for initiative in shipped:
        assert TargetGroup.RELATIVES not in initiative.target_groups | initiative.relatives_of
        assert initiative.last_checked is not None or initiative.status is Status.UNKNOWN


@pytest.mark.parametrize(
    "phrase",
    ["kilden", "kataloget", "the source", "the catalogue", "bevilget", "funded", "afsluttet", "ended in"],
)
def test_shipped_texts_carry_no_editorial_notes_or_periods(shipped: list[Initiative], phrase: str) -> None:
    """Notes about sources belong in the notes column; periods are shown from the period columns."""
    for initiative in shipped:
        for language in ("da", "en"):
            shown = " ".join([initiative.name, initiative.description(language), initiative.contact(language)])
            assert phrase not in shown.lower(), (initiative.key, language)
    assert all(len(initiative.notes) > 20 for initiative in shipped), "every row says where its facts come from"
