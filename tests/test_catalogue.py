"""The initiatives catalogue: the shipped file is complete and valid, and a broken file is reported row by row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from matching.catalogue import (
    COLUMNS,
    Audience,
    CatalogueError,
    Initiative,
    RowProblem,
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
