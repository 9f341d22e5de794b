"""Turning the peers' notices and replies into text: codes become labels in the reader's language, the offer's
summary is built from the request's codes, times become local dates. Pure, so every notice the services can
make is rendered in both languages by a test."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from bot.i18n import Catalogue
from matching.geo import Geography

_INTERNAL = {"keyboard"}  # travels with a notice for the handler, not into the text


def render(
    catalogue: Catalogue,
    language: str,
    key: str,
    params: Mapping[str, object],
    *,
    geography: Geography,
    zone: ZoneInfo,
) -> str:
    values = {name: value for name, value in params.items() if name not in _INTERNAL}
    if key == "peer_offer.new":
        values["summary"] = offer_summary_text(catalogue, language, params, geography)
    if isinstance(values.get("numbers"), list):
        values["numbers"] = ", ".join(f"#{number}" for number in values["numbers"])  # type: ignore[union-attr]
    if key == "peer_apply.to_coordinators":
        values["kind"] = catalogue.text(language, f"match.peer_kind.{values['kind']}")
    return catalogue.text(language, key, **values)


def offer_summary_text(catalogue: Catalogue, language: str, params: Mapping[str, object], geography: Geography) -> str:
    """What the peer reads about the person: one line per answer, labels only."""
    t = catalogue.text

    def labels(table: str, codes: object) -> str:
        assert isinstance(codes, Sequence) and not isinstance(codes, str)
        return ", ".join(t(language, f"{table}.{code}") for code in codes)

    lines = [
        t(language, f"peer_offer.summary.{params['for_whom']}"),
        t(language, "peer_offer.summary.groups", groups=labels("match.group", params["groups"])),
        t(language, "peer_offer.summary.age", age=t(language, f"taxonomy.age_band.{params['age_band']}")),
    ]
    municipality = params.get("municipality")
    if params.get("online") or municipality is None:
        lines.append(t(language, "peer_offer.summary.online"))
    else:
        assert isinstance(municipality, int)
        lines.append(t(language, "peer_offer.summary.place", place=geography.municipality(municipality).name))
    lines += [
        t(language, "peer_offer.summary.forms", forms=labels("match.form", params["forms"])),
        t(language, "peer_offer.summary.languages", languages=labels("match.language", params["languages"])),
        t(language, "peer_offer.summary.modes", modes=labels("taxonomy.contact_mode", params["modes"])),
    ]
    return "\n".join(f"• {line}" for line in lines)
