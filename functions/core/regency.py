"""The regency a deployment serves: name, time zone and districts (kecamatan).

Banyuwangi is the first deployment; another regency adds its entry here and sets REGENCY.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Regency:
    code: str
    name: str
    timezone: str
    districts: tuple[str, ...]

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
