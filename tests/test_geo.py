"""Municipalities, regions, the 2027 merger, search and proximity."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from matching import geo
from matching.geo import DATA_DIR, Area, Geography, Proximity, danish_sort_key, normalise

BEFORE = date(2026, 12, 31)
AFTER = date(2027, 1, 1)
SPRING_2026 = date(2026, 3, 1)
SPRING_2027 = date(2027, 3, 1)

KOEBENHAVN, ROSKILDE, ODENSE, SVENDBORG, AARHUS, AALBORG, BORNHOLM = 101, 265, 461, 479, 751, 851, 400


@pytest.fixture(scope="module")
def g() -> Geography:
    return geo.default_geography()


def test_counts_per_region_before_the_merger(g: Geography) -> None:
    counts = {region.code: len(g.municipalities_in(region.code, SPRING_2026)) for region in g.regions(SPRING_2026)}
    assert counts == {"hovedstaden": 29, "sjaelland": 17, "syddanmark": 22, "midtjylland": 19, "nordjylland": 11}
    assert sum(counts.values()) == 98


def test_counts_per_region_after_the_merger(g: Geography) -> None:
    counts = {region.code: len(g.municipalities_in(region.code, SPRING_2027)) for region in g.regions(SPRING_2027)}
    assert counts == {"syddanmark": 22, "midtjylland": 19, "nordjylland": 11, "oestdanmark": 46}
    assert g.municipalities_in("hovedstaden", SPRING_2027) == []
    assert g.municipalities_in("oestdanmark", SPRING_2026) == []


def test_98_unique_municipalities(g: Geography) -> None:
    municipalities = g.all_municipalities()
    assert len(municipalities) == 98
    assert len({m.name for m in municipalities}) == 98
    assert len({m.code for m in municipalities}) == 98
    assert all(101 <= m.code <= 999 for m in municipalities)
    assert 411 not in {m.code for m in municipalities}, "Christiansø is not a municipality"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (101, "København"),
        (751, "Aarhus"),
        (461, "Odense"),
        (851, "Aalborg"),
        (400, "Bornholm"),
        (169, "Høje-Taastrup"),
        (173, "Lyngby-Taarbæk"),
        (492, "Ærø"),
        (580, "Aabenraa"),
        (430, "Faaborg-Midtfyn"),
        (153, "Brøndby"),
        (147, "Frederiksberg"),
        (825, "Læsø"),
        (741, "Samsø"),
        (563, "Fanø"),
    ],
)
def test_names(g: Geography, code: int, name: str) -> None:
    assert g.municipality(code).name == name


def test_unknown_municipality(g: Geography) -> None:
    with pytest.raises(KeyError):
        g.municipality(411)


def test_regions_on_a_date(g: Geography) -> None:
    assert [r.code for r in g.regions(BEFORE)] == [
        "hovedstaden",
        "sjaelland",
        "syddanmark",
        "midtjylland",
        "nordjylland",
    ]
    assert sorted(r.code for r in g.regions(AFTER)) == ["midtjylland", "nordjylland", "oestdanmark", "syddanmark"]
    assert g.region("oestdanmark").name_da == "Region Østdanmark"
    assert g.region("hovedstaden").name_en == "Capital Region of Denmark"


def test_the_merger_is_a_change_of_data(g: Geography) -> None:
    assert g.region_of(ROSKILDE, BEFORE).code == "sjaelland"
    assert g.region_of(ROSKILDE, AFTER).code == "oestdanmark"
    assert g.region_of(KOEBENHAVN, BEFORE).code == "hovedstaden"
    assert g.region_of(BORNHOLM, AFTER).code == "oestdanmark"
    assert g.region_of(AARHUS, BEFORE).code == "midtjylland"
    assert g.region_of(AARHUS, AFTER).code == "midtjylland"
    assert g.municipality(ROSKILDE).region_codes == {"sjaelland", "oestdanmark"}
    assert geo.region_of(ODENSE, AFTER).code == "syddanmark"


def test_sorted_by_danish_name(g: Geography) -> None:
    names = [m.name for m in g.all_municipalities()]
    assert names == sorted(names, key=danish_sort_key)
    assert names[0] == "Aabenraa"
    assert names[-1] == "Ærø"
    assert names.index("Tønder") < names.index("Tårnby"), "ø comes before å"
    assert names.index("Vordingborg") < names.index("Ærø")


def test_normalise() -> None:
    assert normalise("  Høje-Taastrup ") == "hoeje taastrup"
    assert normalise("KØGE") == "koege"
    assert normalise("Århus") == "aarhus"
    assert normalise("Lyngby -  Taarbæk") == "lyngby taarbaek"
    assert normalise("Café Ærø") == "cafe aeroe"


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Koege", "Køge"),
        ("Koge", "Køge"),
        ("køge", "Køge"),
        ("KØGE", "Køge"),
        ("hoje taastrup", "Høje-Taastrup"),
        ("Hoje Taastrup", "Høje-Taastrup"),
        ("hoeje-taastrup", "Høje-Taastrup"),
        ("højetaastrup", "Høje-Taastrup"),
        ("aarhus", "Aarhus"),
        ("århus", "Aarhus"),
        ("lyngby", "Lyngby-Taarbæk"),
        ("Kbh", "København"),
        ("Copenhagen", "København"),
        ("kobenhavn", "København"),
        ("Elsinore", "Helsingør"),
        ("taastrup", "Høje-Taastrup"),
        ("aero", "Ærø"),
    ],
)
def test_search_finds(g: Geography, query: str, first: str) -> None:
    assert g.search(query)[0].name == first


@pytest.mark.parametrize("query", ["xyz", "k", "ø", "", "  ", "-"])
def test_search_finds_nothing(g: Geography, query: str) -> None:
    assert g.search(query) == []


def test_search_ranks_exact_then_prefix_then_contains(g: Geography) -> None:
    # "Vejle" is exact; nothing else starts with it. "Vej" starts Vejen and Vejle.
    assert [m.name for m in g.search("vejle")] == ["Vejle"]
    assert [m.name for m in g.search("vej")] == ["Vejen", "Vejle"]
    # Odense is exact; names containing "odense" would follow.
    assert g.search("odense")[0].name == "Odense"
    # Names starting with the text, then a later word starting with it, then containing it.
    assert [m.name for m in g.search("ring")] == ["Ringkøbing-Skjern", "Ringsted", "Hjørring"]
    assert [m.name for m in g.search("taar")] == ["Tårnby", "Lyngby-Taarbæk"]
    assert len(g.search("e", limit=8)) == 0
    assert len(g.search("er", limit=3)) == 3
    assert geo.search("Odense")[0].code == ODENSE


def test_proximity_levels_are_ordered() -> None:
    assert (
        Proximity.SAME_MUNICIPALITY > Proximity.SAME_REGION > Proximity.NEIGHBOUR_REGION > Proximity.NATIONAL_OR_ONLINE
    )
    assert Proximity.NATIONAL_OR_ONLINE == 0 and Proximity.SAME_MUNICIPALITY == 3


def test_proximity_each_level(g: Geography) -> None:
    odense_only = Area(municipalities=frozenset({ODENSE}))
    assert g.proximity(ODENSE, odense_only, SPRING_2026) is Proximity.SAME_MUNICIPALITY
    assert g.proximity(SVENDBORG, odense_only, SPRING_2026) is Proximity.SAME_REGION
    assert g.proximity(SVENDBORG, Area(regions=frozenset({"syddanmark"})), SPRING_2026) is Proximity.SAME_REGION
    assert g.proximity(AARHUS, odense_only, SPRING_2026) is Proximity.NEIGHBOUR_REGION
    assert g.proximity(ROSKILDE, Area(regions=frozenset({"syddanmark"})), SPRING_2026) is Proximity.NEIGHBOUR_REGION
    assert g.proximity(AALBORG, Area(national=True), SPRING_2026) is Proximity.NATIONAL_OR_ONLINE
    assert g.proximity(AALBORG, Area(online=True), SPRING_2026) is Proximity.NATIONAL_OR_ONLINE
    assert g.proximity(AALBORG, odense_only, SPRING_2026) is None, "a local initiative two regions away"
    assert g.proximity(AALBORG, Area(), SPRING_2026) is None


def test_proximity_takes_the_closest_level(g: Geography) -> None:
    area = Area(national=True, regions=frozenset({"midtjylland"}), municipalities=frozenset({ODENSE}))
    assert g.proximity(ODENSE, area, SPRING_2026) is Proximity.SAME_MUNICIPALITY
    assert g.proximity(AARHUS, area, SPRING_2026) is Proximity.SAME_REGION
    assert g.proximity(AALBORG, area, SPRING_2026) is Proximity.NEIGHBOUR_REGION
    assert g.proximity(KOEBENHAVN, area, SPRING_2026) is Proximity.NATIONAL_OR_ONLINE


def test_ranking_candidates_by_proximity(g: Geography) -> None:
    areas = {
        "national": Area(national=True),
        "neighbour": Area(regions={"midtjylland"}),  # type: ignore[arg-type]  # sets are accepted and frozen
        "region": Area(regions=frozenset({"syddanmark"})),
        "local": Area(municipalities=frozenset({SVENDBORG})),
        "far": Area(regions=frozenset({"nordjylland"})),
    }
    levels = {name: g.proximity(SVENDBORG, area, SPRING_2026) for name, area in areas.items()}
    served = sorted((name for name, level in levels.items() if level is not None), key=lambda n: -levels[n])
    assert served == ["local", "region", "neighbour", "national"]
    assert levels["far"] is None
    assert isinstance(areas["neighbour"].regions, frozenset)


def test_region_areas_survive_the_merger(g: Geography) -> None:
    hovedstaden = Area(regions=frozenset({"hovedstaden"}))
    for on in (SPRING_2026, SPRING_2027):
        assert g.proximity(KOEBENHAVN, hovedstaden, on) is Proximity.SAME_REGION
        assert g.proximity(BORNHOLM, hovedstaden, on) is Proximity.SAME_REGION
        assert g.proximity(ROSKILDE, hovedstaden, on) is Proximity.NEIGHBOUR_REGION
        assert g.proximity(ODENSE, hovedstaden, on) is None
    oestdanmark = Area(regions=frozenset({"oestdanmark"}))
    for on in (SPRING_2026, SPRING_2027):
        assert g.proximity(ROSKILDE, oestdanmark, on) is Proximity.SAME_REGION
        assert g.proximity(KOEBENHAVN, oestdanmark, on) is Proximity.SAME_REGION
        assert g.proximity(ODENSE, oestdanmark, on) is Proximity.NEIGHBOUR_REGION
        assert g.proximity(AARHUS, oestdanmark, on) is None


def test_municipality_areas_follow_the_regions_of_the_day(g: Geography) -> None:
    roskilde = Area(municipalities=frozenset({ROSKILDE}))
    assert g.proximity(KOEBENHAVN, roskilde, SPRING_2026) is Proximity.NEIGHBOUR_REGION
    assert g.proximity(KOEBENHAVN, roskilde, SPRING_2027) is Proximity.SAME_REGION
    syddanmark = Area(regions=frozenset({"syddanmark"}))
    assert g.proximity(KOEBENHAVN, syddanmark, SPRING_2026) is None
    assert g.proximity(KOEBENHAVN, syddanmark, SPRING_2027) is Proximity.NEIGHBOUR_REGION


def test_proximity_rejects_unknown_codes(g: Geography) -> None:
    with pytest.raises(KeyError):
        g.proximity(411, Area(national=True), SPRING_2026)
    with pytest.raises(ValueError, match="'sjælland'"):
        g.proximity(ODENSE, Area(regions=frozenset({"sjælland"})), SPRING_2026)
    with pytest.raises(ValueError, match="999"):
        g.proximity(ODENSE, Area(municipalities=frozenset({999})), SPRING_2026)


def test_default_geography_is_loaded_once() -> None:
    assert geo.default_geography() is geo.default_geography()
    assert len(geo.all_municipalities()) == 98
    assert geo.municipality(AARHUS).name == "Aarhus"
    assert [m.code for m in geo.municipalities_in("nordjylland", SPRING_2026)][:1] == [AALBORG]
    assert len(geo.regions(SPRING_2027)) == 4
    assert geo.proximity(AARHUS, Area(online=True), SPRING_2027) is Proximity.NATIONAL_OR_ONLINE


# Broken data files


def _data_dir(tmp_path: Path, municipalities: str) -> Path:
    shutil.copy(DATA_DIR / "regions.csv", tmp_path / "regions.csv")
    (tmp_path / "municipalities.csv").write_text(municipalities, encoding="utf-8")
    return tmp_path


HEADER = "code,name,region,valid_from,valid_to\n"


def test_the_real_files_load() -> None:
    assert len(Geography.load(DATA_DIR).all_municipalities()) == 98


def test_bad_region_code_names_the_line(tmp_path: Path) -> None:
    text = HEADER + "461,Odense,syddanmark,2007-01-01,\n751,Aarhus,midtjyland,2007-01-01,\n"
    with pytest.raises(ValueError, match=r"line 3: unknown region code 'midtjyland'"):
        Geography.load(_data_dir(tmp_path, text))


def test_overlapping_rows_name_the_line(tmp_path: Path) -> None:
    text = HEADER + (
        "265,Roskilde,sjaelland,2007-01-01,2026-12-31\n"
        "461,Odense,syddanmark,2007-01-01,\n"
        "265,Roskilde,oestdanmark,2027-01-01,\n"
        "265,Roskilde,oestdanmark,2027-06-01,\n"
    )
    with pytest.raises(ValueError, match=r"line 5: municipality 265 has overlapping rows"):
        Geography.load(_data_dir(tmp_path, text))


def test_gap_names_the_line(tmp_path: Path) -> None:
    text = HEADER + "265,Roskilde,sjaelland,2007-01-01,2026-11-30\n265,Roskilde,oestdanmark,2027-01-01,\n"
    with pytest.raises(ValueError, match=r"line 3: municipality 265 has no region from 2026-12-01 to 2026-12-31"):
        Geography.load(_data_dir(tmp_path, text))


def test_missing_open_end_names_the_line(tmp_path: Path) -> None:
    text = HEADER + "265,Roskilde,sjaelland,2007-01-01,2026-12-31\n"
    with pytest.raises(ValueError, match=r"line 2: municipality 265 has no region after 2026-12-31"):
        Geography.load(_data_dir(tmp_path, text))


def test_row_outside_its_region_names_the_line(tmp_path: Path) -> None:
    text = HEADER + "461,Odense,syddanmark,2007-01-01,\n265,Roskilde,sjaelland,2007-01-01,\n"
    with pytest.raises(ValueError, match=r"line 3: .*outside the dates of region 'sjaelland'"):
        Geography.load(_data_dir(tmp_path, text))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("46,Odense,syddanmark,2007-01-01,", "3 digits"),
        ("461,Odense,syddanmark,2007-13-01,", "not an ISO date"),
        ("461,Odense,syddanmark,2007-01-01", "expected 5 columns"),
        ("461,,syddanmark,2007-01-01,", "no name"),
    ],
)
def test_malformed_rows_name_the_line(tmp_path: Path, row: str, message: str) -> None:
    text = HEADER + "751,Aarhus,midtjylland,2007-01-01,\n" + row + "\n"
    with pytest.raises(ValueError, match=rf"line 3: .*{message}"):
        Geography.load(_data_dir(tmp_path, text))


def test_wrong_header(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="line 1"):
        Geography.load(_data_dir(tmp_path, "kode,navn\n101,København\n"))
