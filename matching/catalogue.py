"""The catalogue of peer-support initiatives that a coordinator keeps in data/initiatives.csv.

The file is edited by hand in a spreadsheet, so every row is checked and every problem is reported at once with its
line number: a coordinator fixes the whole file in one go, and a half-valid catalogue is never loaded. Pure Python:
no Telegram and no database, so matching and its tests can use it directly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from matching.geo import DATA_DIR, Area, Geography, default_geography
from matching.taxonomy import AgeBand, Language, SupportForm, TargetGroup

__all__ = [
    "COLUMNS",
    "INITIATIVES_FILE",
    "Audience",
    "CatalogueError",
    "Initiative",
    "RowProblem",
    "Status",
    "load_initiatives",
    "parse_area",
    "parse_initiatives",
    "serves_age",
]

INITIATIVES_FILE = DATA_DIR / "initiatives.csv"

# Every column the header must have; their order is free and extra columns are ignored.
COLUMNS: tuple[str, ...] = (
    "key",
    "name",
    "organiser",
    "description_da",
    "description_en",
    "target_groups",
    "min_age",
    "max_age",
    "support_forms",
    "area",
    "audience",
    "contact",
    "contact_en",
    "active",
    "relatives_of",
    "start_year",
    "end_year",
    "status",
    "last_checked",
    "notes",
)

LIST_SEPARATOR = ";"  # inside a cell; the comma already separates the cells
MAX_AGE = 120  # anything above is a typo, not an age
FIRST_YEAR = 1990  # peer support in Denmark is younger; an earlier year is a typo
_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MUNICIPALITY_CODE = re.compile(r"\d{3}")
_TRUE = frozenset({"yes", "ja"})
_FALSE = frozenset({"no", "nej"})

E = TypeVar("E", bound=StrEnum)


class Audience(StrEnum):
    """Whom an initiative is for. Programmes for peers themselves (networks, peer education) are never offered to a
    person seeking support."""

    SEEKERS = "seekers"
    PEERS = "peers"


class Status(StrEnum):
    """What the catalogue knows about whether an initiative still runs, as of its last_checked date.

    The seeds are mostly time-limited trials: an ENDED one is still worth showing (as what it is, with where to ask
    today), but never as a running offer. UNKNOWN is the honest answer when no source says either way.
    """

    RUNNING = "running"
    UNKNOWN = "unknown"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Initiative:
    """One organised peer-support offer: whom it serves, how, where, how to get in touch, and what is known about
    whether it still runs.

    `target_groups` are the situations of the people it is for themselves; `relatives_of` the situations whose
    relatives (pårørende) it is for: a relatives' offer is specific (SIND Pårørenderådgivning is about mental illness),
    so "relative" qualifies a situation rather than being a target group of its own. `notes` are for coordinators
    (sources, assumptions) and are never shown to a person.
    """

    key: str
    name: str
    organiser: str
    description_da: str
    description_en: str  # "" when not translated; description() then falls back to Danish
    target_groups: frozenset[TargetGroup]
    min_age: int | None  # inclusive; None is no lower limit
    max_age: int | None  # inclusive; None is no upper limit
    support_forms: frozenset[SupportForm]
    area: Area
    audience: Audience
    contact_da: str
    contact_en: str  # "" when not translated
    active: bool
    relatives_of: frozenset[TargetGroup] = frozenset()
    start_year: int | None = None
    end_year: int | None = None
    status: Status = Status.UNKNOWN
    last_checked: date | None = None  # when period and status were last checked; None only for UNKNOWN, never checked
    notes: str = ""  # for coordinators only (sources, assumptions): never shown to a person

    def description(self, language: str = Language.DA) -> str:
        """The description in the person's language; Danish when there is no translation, as Danish is the source."""
        return _pick(language, self.description_da, self.description_en)

    def contact(self, language: str = Language.DA) -> str:
        """How to get in touch, in the person's language, falling back to Danish."""
        return _pick(language, self.contact_da, self.contact_en)

    @property
    def ended(self) -> bool:
        return self.status is Status.ENDED

    @property
    def offered_to_seekers(self) -> bool:
        """Whether matching may show this initiative to a person seeking support at all."""
        return self.active and self.audience is Audience.SEEKERS

    def serves_age(self, age_band: AgeBand) -> bool:
        """See serves_age()."""
        return serves_age(self, age_band)


def _pick(language: str, danish: str, english: str) -> str:
    # "en-GB" from a Telegram client counts as English too.
    if str(language).lower().partition("-")[0] == Language.EN and english:
        return english
    return danish


def serves_age(initiative: Initiative, age_band: AgeBand) -> bool:
    """Whether some age in the band is within the initiative's ages.

    People give their age as a band, so overlap is the fairest test: a 17-year-old in "under_18" is not turned away
    from an initiative for 15-24-year-olds. Limits are inclusive and None means open.
    """
    band_low, band_high = age_band.age_range
    if initiative.max_age is not None and band_low > initiative.max_age:
        return False
    return not (initiative.min_age is not None and band_high is not None and band_high < initiative.min_age)


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One thing wrong in the file; `line` is the file line where the row starts (the header is line 1)."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class CatalogueError(ValueError):
    """Every problem found in the file, in line order, so that they can all be fixed at once."""

    def __init__(self, problems: Iterable[RowProblem]) -> None:
        self.problems: list[RowProblem] = sorted(problems, key=lambda problem: problem.line)
        lines = "\n".join(str(problem) for problem in self.problems)
        super().__init__(f"the initiatives catalogue has {len(self.problems)} problem(s):\n{lines}")


def load_initiatives(
    path: Path | str | None = None, geography: Geography | None = None, today: date | None = None
) -> list[Initiative]:
    """Read and validate the catalogue, data/initiatives.csv by default. utf-8-sig, as spreadsheets often add a BOM."""
    source = INITIATIVES_FILE if path is None else Path(path)
    return parse_initiatives(source.read_text(encoding="utf-8-sig"), geography, today)


def parse_initiatives(text: str, geography: Geography | None = None, today: date | None = None) -> list[Initiative]:
    """Every initiative in the CSV text, in file order; CatalogueError listing all problems if any row is invalid.

    With `today`, a last_checked date after it is a problem (a check cannot have happened yet).
    """
    geo = default_geography() if geography is None else geography
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, None)
    if header is None:
        raise CatalogueError([RowProblem(1, "the file is empty; the first line must name the columns")])
    names = [cell.strip() for cell in header]
    header_problems = [RowProblem(1, f"missing column {column!r}") for column in COLUMNS if column not in names]
    header_problems += [RowProblem(1, f"column {name!r} appears twice") for name in _repeated(names) if name]
    if header_problems:
        raise CatalogueError(header_problems)

    problems: list[RowProblem] = []
    initiatives: list[Initiative] = []
    first_line_of_key: dict[str, int] = {}
    end_of_previous = reader.line_num
    for raw in reader:
        line, end_of_previous = end_of_previous + 1, reader.line_num
        if not any(cell.strip() for cell in raw):
            continue
        # Trailing empty cells are harmless (some spreadsheets add them); a missing or extra value is not.
        if len(raw) < len(names) or any(cell.strip() for cell in raw[len(names) :]):
            problems.append(RowProblem(line, f"expected {len(names)} cells, found {len(raw)}"))
            continue
        row = {name: cell.strip() for name, cell in zip(names, raw, strict=False)}
        initiative, reasons = _parse_row(row, geo, today)
        problems += [RowProblem(line, reason) for reason in reasons]
        key = row["key"]
        if key:
            if key in first_line_of_key:
                first = first_line_of_key[key]
                problems.append(RowProblem(line, f"duplicate key {key!r} (first used on line {first})"))
            else:
                first_line_of_key[key] = line
        if initiative is not None:
            initiatives.append(initiative)
    if problems:
        raise CatalogueError(problems)
    return initiatives


def _repeated(names: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for name in names:
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    return repeated


def _parse_row(row: dict[str, str], geo: Geography, today: date | None) -> tuple[Initiative | None, list[str]]:
    """The initiative of one row, or None and every reason the row is wrong."""
    reasons: list[str] = []
    for column, label in (
        ("key", "key"),
        ("name", "name"),
        ("organiser", "organiser"),
        ("description_da", "Danish description (description_da)"),
        ("contact", "contact"),
    ):
        if not row[column]:
            reasons.append(f"missing {label}")
    if row["key"] and not _KEY.fullmatch(row["key"]):
        reasons.append(f"key must be lower-case letters, digits and hyphens: {row['key']!r}")

    target_groups = _parse_codes(TargetGroup, row["target_groups"], "target group", reasons, required=False)
    relatives_of = _parse_codes(TargetGroup, row["relatives_of"], "relatives_of group", reasons, required=False)
    if not target_groups and not relatives_of:
        reasons.append("missing target groups (or relatives_of, for an offer only for relatives)")
    if TargetGroup.RELATIVES in target_groups or TargetGroup.RELATIVES in relatives_of:
        reasons.append(
            "'relatives' is not a target group of its own: list the situations whose relatives it serves in"
            " relatives_of (e.g. mental_health)"
        )
    support_forms = _parse_codes(SupportForm, row["support_forms"], "support form", reasons)
    if SupportForm.DONT_KNOW in support_forms:
        reasons.append("support form 'dont_know' is an answer for people who are unsure, not a form of support")
    min_age = _parse_age(row["min_age"], "min_age", reasons)
    max_age = _parse_age(row["max_age"], "max_age", reasons)
    if min_age is not None and max_age is not None and min_age > max_age:
        reasons.append("min_age is greater than max_age")
    if TargetGroup.CHILDREN_YOUTH in target_groups and min_age is not None and min_age >= AgeBand.A18_24.min_age:
        reasons.append("target group 'children_youth' needs a min_age below 18 (or none)")
    area, area_reasons = _parse_area(row["area"], geo)
    reasons += area_reasons

    audience: Audience | None = None
    if not row["audience"]:
        reasons.append("missing audience (seekers or peers)")
    else:
        try:
            audience = Audience(row["audience"].lower())
        except ValueError:
            reasons.append(f"unknown audience {row['audience']!r} (seekers or peers)")
    active: bool | None = None
    flag = row["active"].lower()
    if flag in _TRUE or flag in _FALSE:
        active = flag in _TRUE
    else:
        reasons.append(f"active must be yes or no, not {row['active']!r}")

    start_year = _parse_year(row["start_year"], "start_year", reasons)
    end_year = _parse_year(row["end_year"], "end_year", reasons)
    if start_year is not None and end_year is not None and start_year > end_year:
        reasons.append("start_year is after end_year")
    status: Status | None = None
    try:
        status = Status(row["status"].lower())
    except ValueError:
        reasons.append(f"status must be running, ended or unknown, not {row['status']!r}")
    last_checked: date | None = None
    if not row["last_checked"]:
        if status is not Status.UNKNOWN:
            reasons.append(f"status {row['status']} needs last_checked (the date it was last checked, YYYY-MM-DD)")
    else:
        try:
            last_checked = date.fromisoformat(row["last_checked"])
        except ValueError:
            reasons.append(f"last_checked is not a date (YYYY-MM-DD): {row['last_checked']!r}")
    if last_checked is not None:
        if last_checked.year < FIRST_YEAR or (today is not None and last_checked > today):
            reasons.append(f"last_checked {last_checked.isoformat()} is not a date that has been")
        if end_year is not None and status is Status.RUNNING and end_year < last_checked.year:
            reasons.append(f"status is running, but end_year {end_year} was over when it was last checked")
        if end_year is not None and status is Status.ENDED and end_year > last_checked.year:
            reasons.append(f"status is ended, but end_year {end_year} had not come when it was last checked")
        if start_year is not None and start_year > last_checked.year and status is not Status.UNKNOWN:
            reasons.append(f"start_year {start_year} is after last_checked; the status cannot be known yet")
    if status is Status.ENDED and end_year is None:
        reasons.append("status ended needs end_year (the last year it ran)")

    if reasons or area is None or audience is None or active is None or status is None:
        return None, reasons
    return (
        Initiative(
            key=row["key"],
            name=row["name"],
            organiser=row["organiser"],
            description_da=row["description_da"],
            description_en=row["description_en"],
            target_groups=frozenset(target_groups),
            min_age=min_age,
            max_age=max_age,
            support_forms=frozenset(support_forms),
            area=area,
            audience=audience,
            contact_da=row["contact"],
            contact_en=row["contact_en"],
            active=active,
            relatives_of=frozenset(relatives_of),
            start_year=start_year,
            end_year=end_year,
            status=status,
            last_checked=last_checked,
            notes=row["notes"],
        ),
        [],
    )


def _split(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(LIST_SEPARATOR) if item.strip()]


def _parse_codes(enum: type[E], cell: str, label: str, reasons: list[str], *, required: bool = True) -> list[E]:
    """The codes of a list cell; an empty required list is a problem because an initiative serving nobody cannot be
    matched."""
    items = _split(cell)
    if not items and required:
        reasons.append(f"missing {label}s")
    codes: list[E] = []
    for item in items:
        try:
            codes.append(enum(item))
        except ValueError:
            reasons.append(f"unknown {label} {item!r}")
    return codes


def _parse_age(cell: str, column: str, reasons: list[str]) -> int | None:
    if not cell:
        return None
    if not cell.isdecimal():
        reasons.append(f"{column} is not a whole number of years: {cell!r}")
        return None
    age = int(cell)
    if age > MAX_AGE:
        reasons.append(f"{column} {age} is not a plausible age")
        return None
    return age


def _parse_year(cell: str, column: str, reasons: list[str]) -> int | None:
    if not cell:
        return None
    if not (cell.isdecimal() and len(cell) == 4 and int(cell) >= FIRST_YEAR):
        reasons.append(f"{column} is not a year like 2018: {cell!r}")
        return None
    return int(cell)


def parse_area(text: str, geography: Geography | None = None) -> Area:
    """An area written as in the CSV file: national, online, regions:<code>;... or municipalities:<kommunekode>;...

    ValueError names every problem, for admin commands that take an area as text.
    """
    area, reasons = _parse_area(text.strip(), default_geography() if geography is None else geography)
    if area is None:
        raise ValueError("; ".join(reasons))
    return area


def _parse_area(cell: str, geo: Geography) -> tuple[Area | None, list[str]]:
    usage = "write national, online, regions:<code>;<code> or municipalities:<kommunekode>;<kommunekode>"
    if not cell:
        return None, [f"missing area ({usage})"]
    kind, colon, rest = cell.partition(":")
    kind = kind.strip().lower()
    if not colon and kind == "national":
        return Area(national=True), []
    if not colon and kind == "online":
        return Area(online=True), []
    if colon and kind == "regions":
        codes = [code.lower() for code in _split(rest)]
        if not codes:
            return None, ["the area lists no region codes"]
        known = {region.code for region in geo.all_regions()}
        unknown = [f"unknown region code {code!r}" for code in codes if code not in known]
        return (None, unknown) if unknown else (Area(regions=frozenset(codes)), [])
    if colon and kind == "municipalities":
        items = _split(rest)
        if not items:
            return None, ["the area lists no municipality codes"]
        reasons: list[str] = []
        numbers: set[int] = set()
        for item in items:
            if not _MUNICIPALITY_CODE.fullmatch(item):
                reasons.append(f"municipality code must have 3 digits: {item!r}")
                continue
            try:
                numbers.add(geo.municipality(int(item)).code)
            except KeyError:
                reasons.append(f"unknown municipality code {item}")
        return (None, reasons) if reasons else (Area(municipalities=frozenset(numbers)), [])
    return None, [f"unknown area {cell!r}; {usage}"]
