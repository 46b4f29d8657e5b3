"""One contract, two agency stores: the in-memory fake the service and API tests use, and DynamoDB (on
moto); and the KMS sealer of the HTTPS secrets, on moto."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from core.agency_store import DynamoAgencyStore
from core.directory_models import (
    AgencyType,
    ChangeAction,
    Contacts,
    DirectoryChange,
    HttpsEndpoint,
    Post,
    post_key,
    type_key,
)
from core.errors import DirectoryConflict
from core.models import Category
from core.ports import AgencyStore
from core.sealing import KmsSealer
from tests.fakes import InMemoryAgencyStore
from tests.support import create_tables

T0 = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[AgencyStore]:
    if request.param == "memory":
        yield InMemoryAgencyStore()
        return
    with mock_aws():
        names = create_tables()
        yield DynamoAgencyStore(names["DIRECTORY_TABLE_NAME"], boto3.client("dynamodb"))


def agency_type(code: str = "DAMKAR", version: int = 1, **changes: object) -> AgencyType:
    fields: dict[str, object] = {
        "code": code,
        "name_id": "Pemadam Kebakaran",
        "name_en": "Fire brigade",
        "categories": [Category.FIRE],
        "version": version,
        "updated_at": T0,
        "updated_by": "admin1",
    }
    return AgencyType.model_validate({**fields, **changes})


def post(post_id: str = "damkar-genteng", version: int = 1, **changes: object) -> Post:
    fields: dict[str, object] = {
        "id": post_id,
        "agency": "DAMKAR",
        "name": "Pos Damkar Genteng",
        "districts": ["Genteng", "Sempu"],
        "contacts": Contacts(sms=["+6281234567890"]),
        "version": version,
        "updated_at": T0,
        "updated_by": "admin1",
    }
    return Post.model_validate({**fields, **changes})


def change(entry: str, version: int, action: ChangeAction = ChangeAction.CREATE) -> DirectoryChange:
    return DirectoryChange(
        entry=entry,
        version=version,
        at=T0,
        actor="admin1",
        action=action,
        reason="test",
        after={"v": version},
    )


def test_an_entry_is_stored_with_its_change_and_read_back_as_it_was(store: AgencyStore) -> None:
    sealed = post(
        contacts=Contacts(https=HttpsEndpoint(url="https://cad.example.go.id/in")), sealed_secret="s3"
    )
    store.put_type(agency_type(), None, change(type_key("DAMKAR"), 1))
    store.put_post(sealed, None, change(post_key("damkar-genteng"), 1))

    assert store.get_type("DAMKAR") == agency_type()
    assert store.get_post("damkar-genteng") == sealed
    found = store.get_post("damkar-genteng")
    assert found is not None
    assert found.sealed_secret == "s3"  # stored, though no dump carries it
    assert store.get_type("POLICE") is None
    assert store.get_post("nowhere") is None
    types, posts = store.load()
    assert (types, posts) == ([agency_type()], [sealed])
    assert [c.version for c in store.history(post_key("damkar-genteng"), 10)] == [1]


def test_a_second_creation_of_one_entry_is_a_conflict(store: AgencyStore) -> None:
    store.put_type(agency_type(), None, change(type_key("DAMKAR"), 1))

    with pytest.raises(DirectoryConflict, match="exists already"):
        store.put_type(agency_type(name_id="Lain"), None, change(type_key("DAMKAR"), 1))

    assert store.get_type("DAMKAR") == agency_type()
    assert len(store.history(type_key("DAMKAR"), 10)) == 1


def test_a_change_from_a_stale_version_loses_and_leaves_no_history(store: AgencyStore) -> None:
    store.put_post(post(), None, change(post_key("damkar-genteng"), 1))
    store.put_post(post(version=2, name="Pos Damkar Genteng Baru"), 1, change(post_key("damkar-genteng"), 2))

    with pytest.raises(DirectoryConflict, match="changed by someone else"):
        store.put_post(post(version=2, name="Lost"), 1, change(post_key("damkar-genteng"), 2))
    with pytest.raises(DirectoryConflict):
        store.put_post(post("nowhere", version=2), 1, change(post_key("nowhere"), 2))

    found = store.get_post("damkar-genteng")
    assert found is not None
    assert found.name == "Pos Damkar Genteng Baru"
    assert [c.version for c in store.history(post_key("damkar-genteng"), 10)] == [2, 1]  # newest first
    assert [c.version for c in store.history(post_key("damkar-genteng"), 1)] == [2]


def test_the_posts_of_a_type_and_those_covering_a_kecamatan(store: AgencyStore) -> None:
    store.put_post(post(), None, change(post_key("damkar-genteng"), 1))
    store.put_post(
        post("damkar-hq", name="HQ", districts=[], regency_level=True), None, change("POST#damkar-hq", 1)
    )
    store.put_post(post("damkar-muncar", districts=["Muncar"]), None, change("POST#damkar-muncar", 1))
    store.put_post(
        post("polsek-sempu", agency="POLICE", districts=["Sempu"]), None, change("POST#polsek-sempu", 1)
    )

    assert sorted(p.id for p in store.posts_of_type("DAMKAR")) == [
        "damkar-genteng",
        "damkar-hq",
        "damkar-muncar",
    ]
    assert sorted(p.id for p in store.posts_of_type("DAMKAR", "Sempu")) == ["damkar-genteng", "damkar-hq"]
    assert [p.id for p in store.posts_of_type("POLICE", "Genteng")] == []


# -- the sealer ---------------------------------------------------------------------------------------------


@pytest.fixture
def kms() -> Iterator[KmsSealer]:
    with mock_aws():
        client = boto3.client("kms")
        key = client.create_key(Description="test data key")["KeyMetadata"]["Arn"]
        yield KmsSealer(key, client)


def test_a_sealed_secret_opens_for_its_post_only(kms: KmsSealer) -> None:
    secret = "s" * 40

    sealed = kms.seal("damkar-genteng", secret)

    assert secret not in sealed
    assert secret.encode() not in base64.b64decode(sealed)
    assert kms.unseal("damkar-genteng", sealed) == secret
    with pytest.raises(ClientError):
        kms.unseal("damkar-muncar", sealed)  # the encryption context names the post


def test_a_history_entry_comes_back_as_it_was_written_numbers_included(store: AgencyStore) -> None:
    written = change(post_key("damkar-genteng"), 1).model_copy(
        update={"before": {"version": 1, "districts": ["Genteng"]}, "after": {"version": 2, "active": False}}
    )
    store.put_post(post(), None, written)

    (read,) = store.history(post_key("damkar-genteng"), 10)

    assert read == written
    assert type(read.after["version"]) is int  # not DynamoDB's Decimal, which JSON would quote
