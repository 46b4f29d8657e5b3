"""What a new deployment's agency directory starts with: the agency types, and for Banyuwangi the posts a
112 centre there forwards to, every contact a placeholder (docs/agencies.md).

Seeded by the local stack at start and, on AWS, by `python tools/seed_directory.py --stage …`; both create
only what is missing and never change an entry that exists (DirectoryService.seed). The posts are what
plausibly exists (a Polsek in every kecamatan, Damkar posts by area, regency-level PSC 119, BPBD, Pos SAR
and offices), not a verified list: their names, coverage, duty hours and contacts are for the regency's
admin to confirm or correct in the panel. Placeholder contacts say so by their form (+62000…, .invalid),
so nothing is ever sent there and the panel marks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.agencies import AGENCIES, ROUTES
from core.directory_models import (
    ContactsInput,
    DutyHours,
    DutyWindow,
    EscalationInput,
    PostCreate,
    TypeCreate,
    Weekday,
)
from core.models import Agency
from core.regency import REGENCIES

SEED_REASON = "seed: starting data, contacts are placeholders to replace"
SEED_NOTE = (
    "Data awal (seed): nama, cakupan, jam tugas dan kontak belum diverifikasi; ganti dengan data resmi."
)


@dataclass(frozen=True)
class Seed:
    types: tuple[tuple[str, TypeCreate], ...]
    posts: tuple[tuple[str, PostCreate], ...]


def _type(code: str, name_id: str, name_en: str) -> tuple[str, TypeCreate]:
    categories = [category for category, codes in ROUTES.items() if code in codes]
    return code, TypeCreate(name_id=name_id, name_en=name_en, categories=categories, reason=SEED_REASON)


# The built-in five, then the other bodies Indonesian 112 centres forward to (none suggested by default:
# the operator adds them).
TYPES: tuple[tuple[str, TypeCreate], ...] = (
    *(_type(info.code, info.name_id, info.name_en) for info in AGENCIES.values()),
    _type("SATPOL_PP", "Satuan Polisi Pamong Praja (Satpol PP)", "Public order agency (Satpol PP)"),
    _type("DISHUB", "Dinas Perhubungan (Dishub)", "Transport agency (Dishub)"),
    _type("PLN", "PLN (listrik)", "Electricity utility (PLN)"),
    _type("DINSOS", "Dinas Sosial (Dinsos)", "Social services (Dinsos)"),
)

OFFICE_HOURS = DutyHours(
    always=False,
    windows=[
        DutyWindow(
            days=[Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI], start="07:30", end="15:30"
        )
    ],
)


def _post(
    number: int,
    post_id: str,
    agency: str,
    name: str,
    districts: tuple[str, ...] = (),
    *,
    regency_level: bool = False,
    escalation: str,
    duty: DutyHours | None = None,
) -> tuple[str, PostCreate]:
    return post_id, PostCreate(
        agency=agency,
        name=name,
        districts=list(districts),
        regency_level=regency_level,
        contacts=ContactsInput(sms=[f"+62000112{number:04d}"], emails=[f"{post_id}@example.invalid"]),
        escalation=EscalationInput(
            name=escalation, sms=[f"+62000119{number:04d}"], emails=[f"{post_id}-eskalasi@example.invalid"]
        ),
        duty=duty or DutyHours(),
        note=SEED_NOTE,
        reason=SEED_REASON,
    )


def _banyuwangi() -> Seed:
    districts = REGENCIES["banyuwangi"].districts
    damkar = {
        # Damkar posts by area: every kecamatan covered by one, the headquarters also regency-level.
        ("damkar-banyuwangi", "Markas Damkar Banyuwangi", True): (
            "Banyuwangi",
            "Giri",
            "Glagah",
            "Kalipuro",
            "Kabat",
            "Licin",
        ),
        ("damkar-genteng", "Pos Damkar Genteng", False): (
            "Genteng",
            "Sempu",
            "Gambiran",
            "Tegalsari",
            "Glenmore",
            "Kalibaru",
        ),
        ("damkar-rogojampi", "Pos Damkar Rogojampi", False): (
            "Rogojampi",
            "Blimbingsari",
            "Singojuruh",
            "Songgon",
            "Srono",
        ),
        ("damkar-muncar", "Pos Damkar Muncar", False): ("Muncar", "Cluring", "Purwoharjo", "Tegaldlimo"),
        ("damkar-pesanggaran", "Pos Damkar Pesanggaran", False): ("Pesanggaran", "Siliragung", "Bangorejo"),
        ("damkar-wongsorejo", "Pos Damkar Wongsorejo", False): ("Wongsorejo",),
    }
    posts = [
        _post(
            1,
            "polresta-banyuwangi",
            Agency.POLICE,
            "Polresta Banyuwangi",
            regency_level=True,
            escalation="Perwira piket Polresta",
        ),
        *(
            _post(
                10 + n,
                f"polsek-{district.lower()}",
                Agency.POLICE,
                f"Polsek {district}",
                (district,),
                escalation=f"Kapolsek {district}",
            )
            for n, district in enumerate(districts)
        ),
        *(
            _post(
                50 + n,
                post_id,
                Agency.DAMKAR,
                name,
                covered,
                regency_level=headquarters,
                escalation=f"Komandan regu {name}",
            )
            for n, ((post_id, name, headquarters), covered) in enumerate(damkar.items())
        ),
        _post(
            60,
            "psc119-banyuwangi",
            Agency.PSC119,
            "PSC 119 Banyuwangi",
            regency_level=True,
            escalation="Koordinator PSC 119",
        ),
        _post(
            61,
            "bpbd-banyuwangi",
            Agency.BPBD,
            "BPBD Kabupaten Banyuwangi (Pusdalops)",
            regency_level=True,
            escalation="Kepala Pelaksana BPBD",
        ),
        _post(
            62,
            "pos-sar-banyuwangi",
            Agency.BASARNAS,
            "Pos SAR Banyuwangi (Basarnas)",
            regency_level=True,
            escalation="Koordinator Pos SAR",
        ),
        _post(
            63,
            "satpolpp-banyuwangi",
            "SATPOL_PP",
            "Satpol PP Kabupaten Banyuwangi",
            regency_level=True,
            escalation="Kepala Satpol PP",
        ),
        _post(
            64,
            "dishub-banyuwangi",
            "DISHUB",
            "Dinas Perhubungan Banyuwangi",
            regency_level=True,
            escalation="Kepala Dishub",
            duty=OFFICE_HOURS,
        ),
        _post(
            65, "pln-banyuwangi", "PLN", "PLN UP3 Banyuwangi", regency_level=True, escalation="Manajer UP3"
        ),
        _post(
            66,
            "dinsos-banyuwangi",
            "DINSOS",
            "Dinas Sosial Banyuwangi",
            regency_level=True,
            escalation="Kepala Dinsos",
            duty=OFFICE_HOURS,
        ),
    ]
    return Seed(TYPES, tuple(posts))


SEEDS: Mapping[str, Seed] = {"banyuwangi": _banyuwangi()}


def seed_for(regency: str) -> Seed:
    """The regency's seed; a regency without posts of its own starts with the types alone."""
    return SEEDS.get(regency, Seed(TYPES, ()))
