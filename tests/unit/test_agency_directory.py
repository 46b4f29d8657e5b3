"""The agency directory's rules: what an admin may store, the history of every change, versions and races,
the secret that is never shown, deactivation instead of deletion, the seed, and the short-lived copy."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from core.agencies import DirectorySnapshot
from core.agency_directory import CachedDirectory, DirectoryService
from core.directory_models import (
    ChangeAction,
    DutyHours,
    PostCreate,
    PostUpdate,
    TypeCreate,
    TypeUpdate,
    post_key,
    type_key,
)
from core.directory_seed import SEEDS, seed_for
from core.errors import DirectoryConflict, EntryNotFound, InvalidRequest
from core.models import Category
from core.regency import REGENCIES
from tests.fakes import InMemoryAgencyStore, ReversibleSealer
from tests.support import Clock

BANYUWANGI = REGENCIES["banyuwangi"]
ADMIN = "admin1"
SECRET = "k" * 40


@pytest.fixture
def store() -> InMemoryAgencyStore:
    return InMemoryAgencyStore()


@pytest.fixture
def directory(store: InMemoryAgencyStore, clock: Clock) -> DirectoryService:
    service = DirectoryService(store, BANYUWANGI, ReversibleSealer(), clock)
    service.create_type(
        "DAMKAR",
        TypeCreate(name_id="Damkar", name_en="Fire", categories=[Category.FIRE], reason="mulai"),
        ADMIN,
    )
    return service


def post_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "agency": "DAMKAR",
        "name": "Pos Damkar Genteng",
        "districts": ["genteng", "Sempu"],
        "contacts": {"sms": ["0812 3456 7890"], "emails": ["piket@Damkar.Example.go.id"]},
        "reason": "pos baru",
    }
    return {**body, **changes}


def create(directory: DirectoryService, post_id: str = "damkar-genteng", **changes: Any) -> Any:
    return directory.create_post(post_id, PostCreate.model_validate(post_body(**changes)), ADMIN)


def update(directory: DirectoryService, post_id: str, version: int, **changes: Any) -> Any:
    body = post_body(**changes)
    body.pop("agency")
    return directory.update_post(post_id, PostUpdate.model_validate({**body, "version": version}), ADMIN)


# -- what may be stored ----------------------------------------------------------------------------------


def test_a_post_is_stored_as_the_regency_and_e164_spell_it(directory: DirectoryService) -> None:
    created = create(directory)

    assert created.districts == ["Genteng", "Sempu"]
    assert created.contacts.sms == ["+6281234567890"]
    assert created.contacts.emails == ["piket@damkar.example.go.id"]
    assert (created.version, created.updated_by, created.active, created.placeholder) == (
        1,
        ADMIN,
        True,
        False,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"districts": ["Gotham"]}, "districts.0"),
        ({"districts": []}, "districts"),
        ({"contacts": {}}, "contacts"),
        ({"contacts": {"https": {"url": "https://cad.example.go.id/in"}}}, "contacts.https.secret"),
        ({"agency": "PLN"}, "agency"),
    ],
)
def test_a_post_that_breaks_a_rule_is_refused_naming_the_field(
    directory: DirectoryService, store: InMemoryAgencyStore, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        create(directory, **changes)

    assert refused.value.field == field
    assert store.posts == {}


@pytest.mark.parametrize(
    "contacts",
    [
        {"sms": ["12345"]},
        {"sms": ["+6281234567890", "081234567890"]},  # the same number twice
        {"emails": ["not an address"]},
        {"https": {"url": "http://cad.example.go.id/in", "secret": SECRET}},
        {"https": {"url": "https://cad.example.go.id/in", "secret": "short"}},
        {"sms": ["+62812345678"] * 6},
        {"fax": ["+62333424242"]},
    ],
)
def test_contacts_are_checked_as_a_person_types_them(contacts: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PostCreate.model_validate(post_body(contacts=contacts))


@pytest.mark.parametrize(
    "duty",
    [
        {"always": True, "windows": [{"days": ["MON"], "start": "07:00", "end": "15:00"}]},
        {"always": False},
        {"always": False, "windows": [{"days": ["MON", "MON"], "start": "07:00", "end": "15:00"}]},
        {"always": False, "windows": [{"days": ["MON"], "start": "07:00", "end": "07:00"}]},
        {"always": False, "windows": [{"days": ["MON"], "start": "24:00", "end": "07:00"}]},
        {"always": False, "windows": [{"days": ["MON"], "start": "7:00", "end": "15:00"}]},
        {"always": False, "windows": [{"days": [], "start": "07:00", "end": "15:00"}]},
    ],
)
def test_duty_hours_are_always_or_real_windows(duty: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        DutyHours.model_validate(duty)


def test_a_placeholder_says_so_by_its_form(directory: DirectoryService) -> None:
    assert create(directory, "a", contacts={"sms": ["+62000 112 0001"]}).placeholder
    assert create(directory, "b", contacts={"emails": ["x@example.invalid"]}).placeholder
    assert create(directory, "c", escalation={"name": "Kapolsek", "sms": ["+620001190001"]}).placeholder
    assert not create(directory, "d").placeholder


# -- the secret -----------------------------------------------------------------------------------------


def test_the_https_secret_is_sealed_never_shown_kept_and_rotated(directory: DirectoryService) -> None:
    https = {"url": "https://cad.example.go.id/in", "secret": SECRET}
    created = create(directory, contacts={"https": https})

    assert created.sealed_secret
    assert SECRET not in created.sealed_secret
    assert ReversibleSealer().unseal("damkar-genteng", created.sealed_secret) == SECRET
    assert SECRET not in created.model_dump_json()
    assert "sealed" not in created.model_dump_json()
    kept = update(
        directory, "damkar-genteng", 1, name="Pos Genteng", contacts={"https": {"url": https["url"]}}
    )
    assert kept.sealed_secret == created.sealed_secret
    rotated = update(directory, "damkar-genteng", 2, contacts={"https": {**https, "secret": "n" * 40}})
    assert ReversibleSealer().unseal("damkar-genteng", rotated.sealed_secret) == "n" * 40
    detail = directory.post_detail("damkar-genteng")
    assert [c.secret_changed for c in detail.history] == [True, False, True]
    assert SECRET not in detail.model_dump_json()
    assert "sealed" not in detail.model_dump_json()
    dropped = update(directory, "damkar-genteng", 3, contacts={"sms": ["+6281234567890"]})
    assert (dropped.contacts.https, dropped.sealed_secret) == (None, None)


# -- versions, history, deactivation -------------------------------------------------------------------


def test_every_change_leaves_who_when_before_after_and_why(directory: DirectoryService, clock: Clock) -> None:
    create(directory)
    clock.advance(minutes=5)
    update(directory, "damkar-genteng", 1, contacts={"sms": ["+6281111111111"]}, reason="nomor piket baru")

    latest, first = directory.post_detail("damkar-genteng").history
    assert (latest.version, latest.actor, latest.at, latest.reason) == (
        2,
        ADMIN,
        clock.now,
        "nomor piket baru",
    )
    assert latest.action is ChangeAction.UPDATE
    assert latest.before is not None
    assert latest.before["contacts"]["sms"] == ["+6281234567890"]
    assert latest.after["contacts"]["sms"] == ["+6281111111111"]
    assert (first.action, first.before, first.reason) == (ChangeAction.CREATE, None, "pos baru")


def test_a_change_from_a_stale_version_is_a_conflict_that_names_the_version(
    directory: DirectoryService,
) -> None:
    create(directory)
    update(directory, "damkar-genteng", 1, name="Pos A")

    with pytest.raises(DirectoryConflict, match="at version 2, not 1"):
        update(directory, "damkar-genteng", 1, name="Pos B")
    with pytest.raises(DirectoryConflict, match="exists already"):
        create(directory)
    with pytest.raises(EntryNotFound):
        update(directory, "nowhere", 1)


def test_a_save_without_changes_writes_nothing(
    directory: DirectoryService, store: InMemoryAgencyStore
) -> None:
    create(directory)
    writes = store.calls["put_post"]

    again = update(directory, "damkar-genteng", 1)

    assert again.version == 1
    assert store.calls["put_post"] == writes
    assert len(directory.post_detail("damkar-genteng").history) == 1


def test_deactivating_keeps_the_entry_and_its_history_and_a_put_brings_it_back(
    directory: DirectoryService,
) -> None:
    create(directory)

    gone = directory.deactivate_post("damkar-genteng", 1, "pos ditutup", ADMIN)
    still = update(directory, "damkar-genteng", 2, name="Pos Damkar Genteng (tutup)", reason="nama")
    back = update(directory, "damkar-genteng", 3, active=True, reason="dibuka lagi")

    assert (gone.active, gone.version) == (False, 2)
    assert (still.active, still.version) == (False, 3)  # a change that does not say so keeps it off
    assert (back.active, back.version) == (True, 4)
    assert [c.action for c in directory.post_detail("damkar-genteng").history] == [
        ChangeAction.UPDATE,
        ChangeAction.UPDATE,
        ChangeAction.DEACTIVATE,
        ChangeAction.CREATE,
    ]
    agency = directory.deactivate_type("DAMKAR", 1, "tidak dipakai", ADMIN)
    assert not agency.active
    assert directory.type_detail("DAMKAR").history[0].action is ChangeAction.DEACTIVATE
    with pytest.raises(InvalidRequest, match="deactivated"):
        create(directory, "damkar-muncar")  # no new post under a deactivated type


def test_a_type_changes_by_version_too(directory: DirectoryService) -> None:
    request = TypeUpdate(
        name_id="Damkar",
        name_en="Fire brigade",
        categories=[Category.FIRE, Category.RESCUE],
        version=1,
        reason="juga penyelamatan",
    )

    updated = directory.update_type("DAMKAR", request, ADMIN)

    assert (updated.version, updated.categories) == (2, [Category.FIRE, Category.RESCUE])
    with pytest.raises(DirectoryConflict):
        directory.update_type("DAMKAR", request, ADMIN)
    with pytest.raises(EntryNotFound, match="agency type PLN not found"):
        directory.type_detail("PLN")


def test_the_directory_lists_types_with_their_posts_and_filters_by_kecamatan(
    directory: DirectoryService,
) -> None:
    create(directory)
    create(directory, "damkar-hq", name="Markas Damkar", districts=[], regency_level=True)
    create(directory, "damkar-muncar", name="Pos Damkar Muncar", districts=["Muncar"])

    listing = directory.directory()

    assert [t.code for t in listing.types] == ["DAMKAR"]
    assert [p.name for p in listing.types[0].posts] == [
        "Markas Damkar",
        "Pos Damkar Genteng",
        "Pos Damkar Muncar",
    ]
    assert listing.districts == list(BANYUWANGI.districts)
    assert [p.id for p in directory.posts("DAMKAR", "sempu")] == ["damkar-hq", "damkar-genteng"]
    with pytest.raises(InvalidRequest) as refused:
        directory.posts("DAMKAR", "Gotham")
    assert (refused.value.source, refused.value.field) == ("query", "district")


# -- the seed -------------------------------------------------------------------------------------------


def test_the_seed_creates_what_is_missing_once_and_never_overwrites(clock: Clock) -> None:
    store = InMemoryAgencyStore()
    directory = DirectoryService(store, BANYUWANGI, ReversibleSealer(), clock)
    seed = SEEDS["banyuwangi"]

    created = directory.seed(seed)
    assert len(created) == len(seed.types) + len(seed.posts)
    update(directory, "polsek-genteng", 1, agency="POLICE", name="Polsek Genteng", districts=["Genteng"],
           contacts={"sms": ["+6281298765432"]}, reason="nomor asli")  # fmt: skip
    directory.deactivate_post("dinsos-banyuwangi", 1, "bukan 112", ADMIN)

    assert directory.seed(seed) == []
    polsek = store.posts["polsek-genteng"]
    assert (polsek.contacts.sms, polsek.version) == (["+6281298765432"], 2)
    assert not store.posts["dinsos-banyuwangi"].active
    first = directory.post_detail("psc119-banyuwangi").history[-1]
    assert (first.action, first.actor) == (ChangeAction.SEED, "system:seed")


def test_banyuwangis_seed_covers_every_kecamatan_and_every_contact_is_a_placeholder() -> None:
    seed = seed_for("banyuwangi")
    posts = dict(seed.posts)
    districts = set(BANYUWANGI.districts)

    assert {t for t, _ in seed.types} >= {
        "DAMKAR",
        "POLICE",
        "PSC119",
        "BPBD",
        "BASARNAS",
        "SATPOL_PP",
        "DISHUB",
        "PLN",
    }
    for agency in ("POLICE", "DAMKAR"):
        covering = [d for p in posts.values() if p.agency == agency for d in p.districts]
        assert sorted(covering) == sorted(districts), agency  # each kecamatan exactly once
    assert "damkar-genteng" in posts
    assert "Genteng" in posts["damkar-genteng"].districts
    for request in posts.values():
        assert all(n.startswith("+62000") for n in request.contacts.sms)
        assert all(e.endswith("@example.invalid") for e in request.contacts.emails)
        assert request.escalation is not None
    assert seed_for("elsewhere").posts == ()


# -- the copy that verification and dispatch read -----------------------------------------------------------


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


def test_the_copy_is_read_again_once_it_is_older_than_its_bound(
    directory: DirectoryService, store: InMemoryAgencyStore, ticks: Ticks
) -> None:
    cached = CachedDirectory(directory.snapshot, ttl=10, monotonic=ticks)
    create(directory)
    assert cached.snapshot().post("damkar-genteng") is not None
    update(directory, "damkar-genteng", 1, contacts={"sms": ["+6281111111111"]})

    ticks.now = 9.9
    stale = cached.snapshot().post("damkar-genteng")
    ticks.now = 10.0
    fresh = cached.snapshot().post("damkar-genteng")

    assert stale is not None
    assert fresh is not None
    assert stale.contacts.sms == ["+6281234567890"]  # within the bound, the copy
    assert fresh.contacts.sms == ["+6281111111111"]  # at the bound, the change
    cached.invalidate()
    loads = store.calls["load"]
    cached.snapshot()
    assert store.calls["load"] == loads + 1


def test_an_unreadable_directory_falls_back_to_the_last_copy_then_the_built_in_types(
    directory: DirectoryService, store: InMemoryAgencyStore, ticks: Ticks
) -> None:
    create(directory)
    cached = CachedDirectory(directory.snapshot, ttl=10, monotonic=ticks)
    assert cached.snapshot().post("damkar-genteng") is not None
    store.failing = True
    ticks.now = 60

    assert cached.snapshot().post("damkar-genteng") is not None
    empty = CachedDirectory(directory.snapshot, ttl=10, monotonic=ticks).snapshot()
    assert empty.built_in
    assert {t.code for t in empty.types} == {"DAMKAR", "POLICE", "PSC119", "BPBD", "BASARNAS"}
    assert isinstance(empty, DirectorySnapshot)


def test_the_keys_name_the_entry() -> None:
    assert (type_key("DAMKAR"), post_key("polsek-genteng")) == ("TYPE#DAMKAR", "POST#polsek-genteng")
