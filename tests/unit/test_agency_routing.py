"""Routing by category x kecamatan over Banyuwangi's seeded directory: the types a category needs, the
posts covering the kecamatan, the regency-level fallback, the operator's own choice; duty hours; and what
the dispatch worker's notification calls its addressee."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from core.agencies import (
    DirectorySnapshot,
    built_in_snapshot,
    posts_by_agency,
    route,
    suggestion,
    types_for,
)
from core.agency_directory import DirectoryService
from core.directory_models import DutyHours
from core.directory_seed import SEEDS
from core.errors import InvalidRequest
from core.models import Category, Channel, Incident, Status
from core.notification import addressee, agency_record, agency_text
from core.regency import REGENCIES
from infra.definitions import FUNCTIONS_DIR
from tests.fakes import InMemoryAgencyStore, ReversibleSealer
from tests.support import Clock

BANYUWANGI = REGENCIES["banyuwangi"]
# A Wednesday, 10:00 WIB (03:00 UTC) and 20:00 WIB
WEDNESDAY_MORNING = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
WEDNESDAY_EVENING = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)


@pytest.fixture
def directory(clock: Clock) -> DirectoryService:
    service = DirectoryService(InMemoryAgencyStore(), BANYUWANGI, ReversibleSealer(), clock)
    service.seed(SEEDS["banyuwangi"])
    return service


@pytest.fixture
def snapshot(directory: DirectoryService) -> DirectorySnapshot:
    return directory.snapshot()


def test_a_fire_in_genteng_goes_to_the_genteng_damkar_post_and_no_other(snapshot: DirectorySnapshot) -> None:
    routing = route(snapshot, Category.FIRE, "Genteng")

    assert routing.agencies == ("DAMKAR",)
    assert routing.posts == ("damkar-genteng",)


@pytest.mark.parametrize(
    ("category", "district", "agencies", "posts"),
    [
        (Category.CRIME, "Rogojampi", ("POLICE",), ("polsek-rogojampi",)),
        (Category.FIRE, "Muncar", ("DAMKAR",), ("damkar-muncar",)),
        # no PSC 119 post covers a kecamatan: the regency-level one
        (Category.MEDICAL, "Genteng", ("PSC119",), ("psc119-banyuwangi",)),
        (Category.TRAFFIC_ACCIDENT, "Srono", ("POLICE", "PSC119"), ("polsek-srono", "psc119-banyuwangi")),
        # no kecamatan known: each type's regency-level posts
        (Category.FIRE, None, ("DAMKAR",), ("damkar-banyuwangi",)),
        (Category.CRIME, None, ("POLICE",), ("polresta-banyuwangi",)),
        (Category.OTHER, "Genteng", (), ()),
    ],
)
def test_the_category_names_the_types_and_the_kecamatan_the_posts(
    snapshot: DirectorySnapshot,
    category: Category,
    district: str | None,
    agencies: tuple[str, ...],
    posts: tuple[str, ...],
) -> None:
    routing = route(snapshot, category, district)

    assert (routing.agencies, routing.posts) == (agencies, posts)


def test_a_deactivated_post_gives_way_to_the_regency_level_one(directory: DirectoryService) -> None:
    directory.deactivate_post("damkar-genteng", 1, "pos direnovasi", "admin1")

    routing = route(directory.snapshot(), Category.FIRE, "Genteng")

    assert routing.posts == ("damkar-banyuwangi",)


def test_the_operators_types_and_posts_win_and_posts_bring_their_types(snapshot: DirectorySnapshot) -> None:
    chosen_types = route(snapshot, Category.FIRE, "Genteng", agencies=["DAMKAR", "SATPOL_PP"])
    chosen_posts = route(
        snapshot, Category.FIRE, "Genteng", posts=["damkar-genteng", "polsek-sempu", "damkar-genteng"]
    )
    none_at_all = route(snapshot, Category.FIRE, "Genteng", agencies=["DAMKAR"], posts=[])

    assert chosen_types.agencies == ("DAMKAR", "SATPOL_PP")
    assert chosen_types.posts == ("damkar-genteng", "satpolpp-banyuwangi")
    assert chosen_posts.agencies == ("DAMKAR", "POLICE")  # the types of the posts
    assert chosen_posts.posts == ("damkar-genteng", "polsek-sempu")
    assert (none_at_all.agencies, none_at_all.posts) == (("DAMKAR",), ())


@pytest.mark.parametrize(
    ("agencies", "posts", "field", "problem"),
    [
        (["SAR"], None, "agencies", "SAR is not an agency type of the directory"),
        (None, ["polsek-gotham"], "posts", "polsek-gotham is not a post of the agency directory"),
    ],
)
def test_unknown_types_and_posts_are_refused(
    snapshot: DirectorySnapshot, agencies: list[str] | None, posts: list[str] | None, field: str, problem: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        route(snapshot, Category.FIRE, "Genteng", agencies=agencies, posts=posts)

    assert (refused.value.field, refused.value.problem) == (field, problem)


def test_deactivated_types_and_posts_are_refused(directory: DirectoryService) -> None:
    directory.deactivate_post("polsek-sempu", 1, "digabung", "admin1")
    directory.deactivate_type("PLN", 1, "bukan mitra", "admin1")
    snapshot = directory.snapshot()

    with pytest.raises(InvalidRequest, match="polsek-sempu is deactivated"):
        route(snapshot, Category.CRIME, "Sempu", posts=["polsek-sempu"])
    with pytest.raises(InvalidRequest, match="PLN is deactivated"):
        route(snapshot, Category.OTHER, "Sempu", agencies=["PLN"])
    assert "PLN" not in types_for(snapshot, Category.OTHER)


def test_the_built_in_types_route_without_posts() -> None:
    routing = route(built_in_snapshot(), Category.TRAFFIC_ACCIDENT, "Genteng")

    assert (routing.agencies, routing.posts) == (("POLICE", "PSC119"), ())


def test_the_suggestion_names_posts_says_when_it_fell_back_and_who_is_on_duty(
    snapshot: DirectorySnapshot,
) -> None:
    found = suggestion(
        snapshot, ["DAMKAR", "PSC119", "DISHUB", "NOPE"], "Genteng", BANYUWANGI, WEDNESDAY_EVENING
    )

    damkar, psc, dishub = found.agencies  # an unknown type is left out
    assert (damkar.code, damkar.fallback, [p.name for p in damkar.posts]) == (
        "DAMKAR",
        False,
        ["Pos Damkar Genteng"],
    )
    assert (psc.fallback, [p.id for p in psc.posts]) == (True, ["psc119-banyuwangi"])
    assert damkar.posts[0].placeholder
    assert damkar.posts[0].sms == ["+620001120051"]
    assert damkar.posts[0].on_duty
    assert not dishub.posts[0].on_duty  # office hours, 20:00 WIB
    morning = suggestion(snapshot, ["DISHUB"], "Genteng", BANYUWANGI, WEDNESDAY_MORNING)
    assert morning.agencies[0].posts[0].on_duty
    assert found.district == "Genteng"
    assert not found.directory_unavailable


@pytest.mark.parametrize(
    ("local", "on_duty"),
    [
        ("2026-11-30T21:59", False),  # Monday
        ("2026-11-30T22:00", True),
        ("2026-12-01T05:59", True),  # Tuesday early: still Monday's night
        ("2026-12-01T06:00", False),
        ("2026-12-06T23:00", False),  # Sunday night: no window starts on Sunday
        ("2026-12-07T02:00", False),  # Monday early: Sunday had none
    ],
)
def test_a_window_past_midnight_runs_into_the_next_day(local: str, on_duty: bool) -> None:
    duty = DutyHours.model_validate(
        {
            "always": False,
            "windows": [
                {"days": ["MON", "TUE", "WED", "THU", "FRI", "SAT"], "start": "22:00", "end": "06:00"}
            ],
        }
    )
    at = datetime.fromisoformat(f"{local}+07:00")

    assert duty.on_duty(at, BANYUWANGI) is on_duty


def incident(**changes: object) -> Incident:
    fields: dict[str, object] = {
        "id": "01KB0Z3Q7M2X8N4P6R9T1V5W3Y",
        "status": Status.VERIFIED,
        "channel": Channel.VOICE,
        "category": Category.TRAFFIC_ACCIDENT,
        "agencies": ["POLICE", "PSC119"],
        "posts": ["polsek-srono", "psc119-banyuwangi", "polsek-retired"],
        "created_by": "system:intake",
        "received_at": WEDNESDAY_MORNING,
        "updated_at": WEDNESDAY_MORNING,
        "version": 3,
    }
    return Incident.model_validate({**fields, **changes})


def test_the_notification_names_the_type_and_its_posts_and_the_record_carries_them(
    snapshot: DirectorySnapshot,
) -> None:
    verified = incident()

    police = addressee(snapshot, verified, "POLICE")

    assert posts_by_agency(snapshot, verified) == {
        "POLICE": ["polsek-srono"],
        "PSC119": ["psc119-banyuwangi"],
    }
    assert police.name == "Kepolisian (Polresta/Polsek)"
    assert police.posts == (("polsek-srono", "Polsek Srono"),)
    assert "untuk Kepolisian (Polresta/Polsek): Polsek Srono" in agency_text(
        verified, "POLICE", BANYUWANGI, police
    )
    assert agency_record(verified, "POLICE", police)["posts"] == [
        {"id": "polsek-srono", "name": "Polsek Srono"}
    ]
    assert "posts" not in agency_record(verified, "POLICE")
    # a type the directory does not know: its code, as before
    assert addressee(snapshot, verified.model_copy(update={"agencies": ["KODIM"]}), "KODIM").name == "KODIM"


def test_the_112_path_does_not_load_the_directorys_models() -> None:
    """intake-connect registers calls: routing's models are imported when a verification needs them."""
    probe = "import sys, intake.connect; print(sorted(m for m in sys.modules if m.startswith('core.')))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=FUNCTIONS_DIR, capture_output=True, text=True, check=True
    ).stdout

    assert "core.incidents" in loaded
    assert "core.directory_models" not in loaded
    assert "core.agencies" not in loaded
    # nor what only operators' changes, searches and conversations need (the notices to the posts, the
    # search's models, the replies to citizens)
    for module in ("core.notices", "core.search", "core.conversations", "core.replies"):
        assert module not in loaded, module
