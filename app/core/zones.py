"""The time zones a person chooses from: one per place, grouped by region, without the old
aliases the zone database keeps for compatibility ("US/Eastern", "Asia/Calcutta", "GB",
"Etc/GMT+3"). The places are those of ``zone.tab`` (every country's zones, by their current
names), shipped with the ``tzdata`` package; UTC is added."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l

# A region's label, in the order the list shows them.
REGIONS = {
    "Africa": _l("Africa"),
    "America": _l("America"),
    "Antarctica": _l("Antarctica"),
    "Arctic": _l("Arctic"),
    "Asia": _l("Asia"),
    "Atlantic": _l("Atlantic Ocean"),
    "Australia": _l("Australia"),
    "Europe": _l("Europe"),
    "Indian": _l("Indian Ocean"),
    "Pacific": _l("Pacific Ocean"),
}


def _zone_tab() -> str:
    try:
        return resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # the system's database instead
        with open("/usr/share/zoneinfo/zone.tab", encoding="utf-8") as fh:
            return fh.read()


@lru_cache(maxsize=1)
def place_zones() -> tuple[str, ...]:
    """The zones of places (zone.tab's third column) that ``zoneinfo`` knows, sorted."""
    known = available_timezones()
    names = {
        line.split("\t")[2].strip()
        for line in _zone_tab().splitlines()
        if line and not line.startswith("#") and line.count("\t") >= 2
    }
    return tuple(sorted(names & known))


def city_label(name: str) -> str:
    """ "America/Argentina/Buenos_Aires" → "Argentina/Buenos Aires" (the region is the group)."""
    return name.partition("/")[2].replace("_", " ") or name


def zones_by_region() -> list[tuple[str, list[str]]]:
    """(region key, its zones) in the order of ``REGIONS``; regions without a zone left out."""
    grouped: dict[str, list[str]] = {key: [] for key in REGIONS}
    for name in place_zones():
        region = name.partition("/")[0]
        if region in grouped:
            grouped[region].append(name)
    return [(key, names) for key, names in grouped.items() if names]
