"""The regency a deployment serves: name, time zone and districts (kecamatan).

Banyuwangi is the first deployment; another regency adds its entry here and sets REGENCY.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

# Indonesia's three zones keep no daylight saving time, so a fixed offset is exact and needs no time-zone
# database (the minimal image of recent Lambda Python runtimes ships none).
INDONESIAN_ZONES: Mapping[str, tuple[str, int]] = {
    "Asia/Jakarta": ("WIB", 7),
    "Asia/Pontianak": ("WIB", 7),
    "Asia/Makassar": ("WITA", 8),
    "Asia/Jayapura": ("WIT", 9),
}


@dataclass(frozen=True)
class Regency:
    code: str
    name: str
    timezone: str
    districts: tuple[str, ...]
    center: tuple[float, float] = (0.0, 0.0)  # where the panel's map opens (lat, lon)

    def local_time(self, moment: datetime) -> tuple[datetime, str]:
        """`moment` in the regency's time and the zone's label (WIB, WITA, WIT)."""
        if self.timezone in INDONESIAN_ZONES:
            label, hours = INDONESIAN_ZONES[self.timezone]
            return moment.astimezone(timezone(timedelta(hours=hours), label)), label
        local = moment.astimezone(ZoneInfo(self.timezone))
        return local, local.tzname() or self.timezone

    def canonical_district(self, name: str) -> str | None:
        """The district's spelling in our list, matched case- and space-insensitively."""
        key = _fold(name)
        return next((d for d in self.districts if _fold(d) == key), None)


def _fold(text: str) -> str:
    return "".join(text.split()).casefold()


REGENCIES: Mapping[str, Regency] = {
    "banyuwangi": Regency(
        code="banyuwangi",
        name="Kabupaten Banyuwangi",
        timezone="Asia/Jakarta",
        center=(-8.2192, 114.3691),  # Banyuwangi town
        districts=(
            "Bangorejo",
            "Banyuwangi",
            "Blimbingsari",
            "Cluring",
            "Gambiran",
            "Genteng",
            "Giri",
            "Glagah",
            "Glenmore",
            "Kabat",
            "Kalibaru",
            "Kalipuro",
            "Licin",
            "Muncar",
            "Pesanggaran",
            "Purwoharjo",
            "Rogojampi",
            "Sempu",
            "Siliragung",
            "Singojuruh",
            "Songgon",
            "Srono",
            "Tegaldlimo",
            "Tegalsari",
            "Wongsorejo",
        ),
    ),
}
