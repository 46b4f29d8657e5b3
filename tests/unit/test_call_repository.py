"""The repository's part of the calls and the callback desk, one contract for the in-memory fake and for
DynamoDB (on moto): the call's record under its contact, its copy on the incident, the contact's incident,
and the sparse desk index."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws

from core import lifecycle
from core.contacts import contact_dedupe_key
from core.errors import CallRecordConflict, InvalidRequest
from core.ids import new_ulid
from core.models import CallbackOutcome, CallRecord, Channel, Incident, Status
from core.ports import IncidentRepository
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.tables import INCIDENTS
from tests.fakes import InMemoryIncidentRepository
from tests.support import create_tables

T0 = datetime(2026, 11, 29, 3, 40, 13, 123000, tzinfo=UTC)
CONTACT = "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"


@pytest.fixture(params=["memory", "dynamodb"])
def repo(request: pytest.FixtureRequest) -> Iterator[IncidentRepository]:
    if request.param == "memory":
        yield InMemoryIncidentRepository()
        return
    with mock_aws():
        yield DynamoIncidentRepository(create_tables()[INCIDENTS.env_var], dynamodb_client())


def record(revision: int = 1, **fields: object) -> CallRecord:
    return CallRecord.model_validate(
        {"contact_id": CONTACT, "updated_at": T0, "revision": revision, "queued_at": T0, **fields}
    )


def incident(seconds: int = 0) -> Incident:
    at = T0 + timedelta(seconds=seconds)
    return Incident(
        id=new_ulid(int(at.timestamp() * 1000)),
        status=Status.RECEIVED,
        channel=Channel.VOICE,
        caller="+6281234567890",
        contact_id=CONTACT,
        created_by="system:intake",
        received_at=at,
        updated_at=at,
        version=1,
    )


def test_a_calls_record_is_kept_under_its_contact(repo: IncidentRepository) -> None:
    assert repo.call_record(CONTACT) is None
    first = record(events={"QUEUED": T0})
    repo.save_call_record(first, None)
    assert repo.call_record(CONTACT) == first
    second = record(2, answered_at=T0 + timedelta(seconds=9), answered_by="operator1")
    repo.save_call_record(second, 1)
    assert repo.call_record(CONTACT) == second


def test_a_record_written_on_a_stale_read_is_refused(repo: IncidentRepository) -> None:
    repo.save_call_record(record(), None)
    with pytest.raises(CallRecordConflict):
        repo.save_call_record(record(), None)  # another event created it meanwhile
    repo.save_call_record(record(2), 1)
    with pytest.raises(CallRecordConflict):
        repo.save_call_record(record(2), 1)  # another event moved it on meanwhile


def test_the_contacts_incident_is_the_one_its_dedupe_item_names(repo: IncidentRepository) -> None:
    assert repo.incident_for_contact(CONTACT) is None
    registered = incident()
    repo.create(registered, contact_dedupe_key(CONTACT))
    assert repo.incident_for_contact(CONTACT) == registered.id
    assert repo.incident_for_contact(CONTACT.upper().lower()) == registered.id


def test_the_copy_on_the_incident_keeps_the_latest_revision_in_any_order(repo: IncidentRepository) -> None:
    registered = incident()
    repo.create(registered, contact_dedupe_key(CONTACT))
    later = record(3, answered_at=T0 + timedelta(seconds=9))
    repo.project_call(registered.id, later)
    repo.project_call(registered.id, record(2))  # a late copy of an older revision
    repo.project_call(registered.id, later)  # a repeat
    call = repo.get_detail(registered.id).call
    assert call is not None
    assert call.answered_at == T0 + timedelta(seconds=9)
    assert call.queue_wait_seconds == 9.0


def test_the_detail_of_an_incident_without_a_call_has_none(repo: IncidentRepository) -> None:
    registered = incident()
    repo.create(registered)
    assert repo.get_detail(registered.id).call is None


def test_the_desk_lists_only_incidents_awaiting_a_callback_oldest_first(repo: IncidentRepository) -> None:
    abandoned, answered, later = incident(), incident(1), incident(2)
    for item in (abandoned, answered, later):
        repo.create(item)
    for item in (later, abandoned):  # flagged out of arrival order
        repo.commit(lifecycle.abandon(repo.get(item.id), "system:connect", 20, T0))
    assert [i.id for i in repo.list_callbacks(10).items] == [abandoned.id, later.id]
    # reached: off the desk, though still open (in review)
    current = repo.get(abandoned.id)
    repo.commit(lifecycle.record_callback(current, "operator1", CallbackOutcome.REACHED, T0))
    assert [i.id for i in repo.list_callbacks(10).items] == [later.id]


def test_the_desk_pages(repo: IncidentRepository) -> None:
    made = []
    for n in range(5):
        item = incident(n)
        repo.create(item)
        repo.commit(lifecycle.abandon(item, "system:connect", None, T0))
        made.append(item.id)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = repo.list_callbacks(2, cursor)
        assert len(page.items) <= 2
        seen += [i.id for i in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == made


def test_a_status_cursor_is_no_desk_cursor(repo: IncidentRepository) -> None:
    for n in range(3):
        repo.create(incident(n))
    cursor = repo.list_by_status(Status.RECEIVED, 1).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidRequest):
        repo.list_callbacks(1, cursor)
