"""Which agencies handle which category: the starter routing table of a regional 112 centre.

The operator sees the suggested agencies when verifying and may change them; the table only proposes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.models import Agency, Category


@dataclass(frozen=True)
class AgencyInfo:
    code: str
    name_id: str  # Bahasa Indonesia first
    name_en: str


AGENCIES: Mapping[str, AgencyInfo] = {
    Agency.DAMKAR: AgencyInfo(Agency.DAMKAR, "Pemadam Kebakaran (Damkar)", "Fire brigade"),
    Agency.POLICE: AgencyInfo(Agency.POLICE, "Kepolisian (Polresta/Polsek)", "Police"),
    Agency.PSC119: AgencyInfo(Agency.PSC119, "Ambulans PSC 119 (Dinas Kesehatan)", "Ambulance / PSC 119"),
    Agency.BPBD: AgencyInfo(Agency.BPBD, "Badan Penanggulangan Bencana Daerah", "Disaster management agency"),
    Agency.BASARNAS: AgencyInfo(Agency.BASARNAS, "Basarnas (Pencarian dan Pertolongan)", "Search and rescue"),
}

ROUTES: Mapping[Category, tuple[str, ...]] = {
    Category.FIRE: (Agency.DAMKAR,),
    Category.CRIME: (Agency.POLICE,),
    Category.MEDICAL: (Agency.PSC119,),
    Category.TRAFFIC_ACCIDENT: (Agency.POLICE, Agency.PSC119),
    Category.DISASTER: (Agency.BPBD,),
    Category.RESCUE: (Agency.BASARNAS,),
    Category.OTHER: (),  # the operator names the agency
}


def agencies_for(category: Category, chosen: tuple[str, ...] | list[str] | None = None) -> tuple[str, ...]:
    """The operator's choice when given (deduplicated, order kept), else the table's suggestion."""
    if chosen:
        return tuple(dict.fromkeys(chosen))
    return ROUTES[category]
