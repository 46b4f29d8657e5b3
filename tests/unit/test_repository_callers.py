"""One contract, two repositories, for what is kept under a caller's number: the history (with the record
and a kept position, in one Query), the intake's read of the record and the kept position by key, the
record of supervisors' decisions with its audit trail, the supervisors' list of current standings, and
the retention job's reads and masks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError
from moto import mock_aws

from core import lifecycle
from core.errors import CallerStandingChanged
from core.ids import new_ulid
from core.major_incidents import ActiveMajorIncidents
from core.models import (
    AmlFix,
    AmlTransport,
    Channel,
    Incident,
    IncidentReport,
    Rejection,
    RejectionReason,
    Status,
)
from core.ports import IncidentRepository
from core.repository import DynamoIncidentRepository, dynamodb_client, lookup_config
from core.standing import (
    CallerAuditEntry,
    CallerLookup,
    CallerRecord,
    PastCall,
    Standing,
    StandingChange,
)
from core.tables import INCIDENTS
from tests.fakes import InMemoryIncidentRepository
from tests.support import create_tables

T0 = datetime(2026, 11, 29, 3, 40, 13, 123000, tzinfo=UTC)
CALLER = "+6281234567890"
OTHER = "+6281299998888"


@pytest.fixture(params=["memory", "dynamodb"])
def repo(request: pytest.FixtureRequest) -> Iterator[IncidentRepository]:
    if request.param == "memory":
        yield InMemoryIncidentRepository()
        return
    with mock_aws():
        table = create_tables()[INCIDENTS.env_var]
        yield DynamoIncidentRepository(table, dynamodb_client())


def incident(at: datetime, caller: str | None = CALLER, **updates: Any) -> Incident:
    data: dict[str, Any] = {
        "id": new_ulid(int(at.timestamp() * 1000)),
        "status": Status.RECEIVED,
        "channel": Channel.VOICE,
        "caller": caller,
        "created_by": "system:intake",
        "received_at": at,
        "updated_at": at,
        "version": 1,
    }
    return Incident.model_validate({**data, **updates})


def fix(at: datetime) -> AmlFix:
    return AmlFix(
        lat=-8.36, lon=114.15, received_at=at, transport=AmlTransport.SMS, number=CALLER, imei="35" * 7
    )


def record(**updates: Any) -> CallerRecord:
    return CallerRecord.model_validate(
        {"caller": CALLER, "updated_at": T0, "updated_by": "supervisor", **updates}
    )


# -- the history and the intake's read -----------------------------------------------------------------------


def test_the_lookup_returns_the_numbers_history_newest_first_within_its_window(
    repo: IncidentRepository,
) -> None:
    old = incident(T0 - timedelta(days=40))
    stored = [incident(T0 - timedelta(hours=h)) for h in (5, 1, 3)]
    for item in [old, *stored, incident(T0, caller=OTHER), incident(T0, caller=None)]:
        repo.create(item)

    found = repo.caller_lookup(CALLER, T0 - timedelta(days=30), 10, T0)

    assert [i.id for i in found.history] == sorted((i.id for i in stored), reverse=True)
    assert (found.record, found.position) == (None, None)


def test_the_lookup_is_bounded_by_its_limit(repo: IncidentRepository) -> None:
    for minutes in range(6):
        repo.create(incident(T0 - timedelta(minutes=minutes)))
    found = repo.caller_lookup(CALLER, T0 - timedelta(days=1), 4, T0)
    assert len(found.history) == 4
    assert found.history[0].received_at == T0


def test_the_lookup_brings_the_record_and_a_kept_position_beside_the_history(
    repo: IncidentRepository,
) -> None:
    for hours in range(25):  # more than the limit: the record and the position still come
        repo.create(incident(T0 - timedelta(hours=hours)))
    repo.save_caller_record(record(imposed=Standing.WARNED, imposed_at=T0), 0, None)
    repo.keep_position(CALLER, fix(T0), int(T0.timestamp()) + 1800)
    repo.keep_position("IMEI#" + "35" * 7, fix(T0), int(T0.timestamp()) + 1800)

    found = repo.caller_lookup(CALLER, T0 - timedelta(days=30), 20, T0)

    assert len(found.history) == 20
    assert found.record is not None
    assert found.record.imposed is Standing.WARNED
    assert found.position == fix(T0)
    # an expired position (TTL deletion lags) is not one
    later = repo.caller_lookup(CALLER, T0 - timedelta(days=30), 20, T0 + timedelta(minutes=31))
    assert later.position is None


def test_the_intakes_snapshot_reads_the_record_with_its_calls_and_the_kept_position_by_key(
    repo: IncidentRepository,
) -> None:
    pranked = rejected(T0 - timedelta(hours=1))
    repo.create(pranked)  # the history itself is not read: only what the record kept of it
    stored = repo.save_caller_record(
        record(imposed=Standing.DEMOTED, imposed_at=T0, reason="mengancam", calls=[PastCall.of(pranked)]),
        0,
        None,
    )
    repo.keep_position(CALLER, fix(T0), int(T0.timestamp()) + 1800)

    found = repo.caller_snapshot(CALLER, T0)

    assert found.history == []
    assert found.calls == [PastCall.of(pranked)]
    assert found.record == stored
    assert found.position == fix(T0)
    later = repo.caller_snapshot(CALLER, T0 + timedelta(minutes=31))
    assert later.position is None  # expired, though TTL has not deleted it yet
    assert repo.caller_snapshot(OTHER, T0) == CallerLookup([], None, None, majors=ActiveMajorIncidents())


def test_the_caller_index_for_aml_still_sees_incidents_only(repo: IncidentRepository) -> None:
    first = incident(T0)
    repo.create(first)
    repo.save_caller_record(record(), 0, None)
    repo.keep_position(CALLER, fix(T0), int(T0.timestamp()) + 1800)
    assert [i.id for i in repo.recent_by_caller(CALLER, 5)] == [first.id]


def test_the_intakes_read_gives_up_after_one_short_attempt() -> None:
    config: Any = lookup_config(300)
    assert (config.connect_timeout, config.read_timeout) == (0.3, 0.3)
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    with mock_aws():
        table = create_tables()[INCIDENTS.env_var]
        slow = dynamodb_client(config)

        def timed_out(**_: Any) -> None:
            raise ReadTimeoutError(endpoint_url="https://dynamodb.ap-southeast-1.amazonaws.com")

        slow.meta.events.register("before-call.dynamodb.BatchGetItem", timed_out)
        repository = DynamoIncidentRepository(table, dynamodb_client(), lookup_client=slow)
        repository.caller_lookup(CALLER, T0 - timedelta(days=30), 20, T0)  # the ordinary client answers
        with pytest.raises(ReadTimeoutError):
            repository.caller_snapshot(CALLER, T0)


# -- the record and its audit trail ----------------------------------------------------------------------


def test_a_record_is_stored_once_then_changed_at_its_version(repo: IncidentRepository) -> None:
    saved = repo.save_caller_record(record(), 0, None)
    assert saved.version == 1
    with pytest.raises(CallerStandingChanged):
        repo.save_caller_record(record(), 0, None)
    again = repo.save_caller_record(saved.model_copy(update={"reason": "dikenal"}), 1, None)
    assert again.version == 2
    with pytest.raises(CallerStandingChanged):
        repo.save_caller_record(saved, 1, None)
    assert repo.caller_record(CALLER) == again
    assert repo.caller_record(OTHER) is None


def test_a_persons_change_is_stored_with_its_audit_entry(repo: IncidentRepository) -> None:
    entries = []
    saved = None
    for n, change in enumerate((StandingChange.IMPOSE, StandingChange.LIFT)):
        entry = CallerAuditEntry(
            caller=CALLER,
            at=T0 + timedelta(minutes=n),
            actor="supervisor",
            change=change,
            from_standing=Standing.NORMAL if n == 0 else Standing.DEMOTED,
            to_standing=Standing.DEMOTED if n == 0 else Standing.NORMAL,
            reason=f"alasan {n}",
        )
        entries.append(entry)
        saved = repo.save_caller_record(record(), saved.version if saved else 0, None, entry, 2_000_000_000)

    assert repo.caller_timeline(CALLER, 10) == list(reversed(entries))
    assert repo.caller_timeline(CALLER, 1) == [entries[-1]]
    assert repo.caller_timeline(OTHER, 10) == []


# -- the supervisors' list -----------------------------------------------------------------------------------


def test_the_list_holds_current_standings_soonest_to_end_first_a_page_at_a_time(
    repo: IncidentRepository,
) -> None:
    numbers = [f"+628123400000{n}" for n in range(5)]
    for n, number in enumerate(numbers):
        repo.save_caller_record(
            CallerRecord(
                caller=number, warned_until=T0 + timedelta(hours=5 - n), updated_at=T0, updated_by="operator1"
            ),
            0,
            None,
        )
    repo.save_caller_record(record(warned_until=T0 - timedelta(hours=1)), 0, None)  # ended
    repo.save_caller_record(
        CallerRecord(caller=OTHER, imposed=Standing.DEMOTED, imposed_at=T0, updated_at=T0, updated_by="sv"),
        0,
        None,
    )  # until lifted: last

    first = repo.list_standings(T0, 3)
    assert [r.caller for r in first.items] == list(reversed(numbers))[:3]
    assert first.next_cursor is not None
    rest = repo.list_standings(T0, 3, first.next_cursor)
    assert [r.caller for r in rest.items] == [numbers[1], numbers[0], OTHER]
    assert rest.next_cursor is None or repo.list_standings(T0, 3, rest.next_cursor).items == []
    assert [r.caller for r in repo.list_standings(T0 + timedelta(hours=10), 10).items] == [OTHER]


def test_a_lifted_number_leaves_the_list(repo: IncidentRepository) -> None:
    saved = repo.save_caller_record(record(imposed=Standing.WARNED, imposed_at=T0), 0, None)
    assert [r.caller for r in repo.list_standings(T0, 10).items] == [CALLER]
    repo.save_caller_record(saved.model_copy(update={"imposed": None, "imposed_at": None}), 1, None)
    assert repo.list_standings(T0, 10).items == []


# -- retention -----------------------------------------------------------------------------------------------


def rejected(at: datetime) -> Incident:
    base = incident(at)
    claimed = lifecycle.claim(base, "operator1", at).incident
    return lifecycle.reject(claimed, "operator1", Rejection(reason=RejectionReason.PRANK), at).incident


def test_incidents_between_two_ids_oldest_first(repo: IncidentRepository) -> None:
    stored = [rejected(T0 + timedelta(minutes=m)) for m in range(5)]
    for item in stored:
        repo.create(item)
    ids = [i.id for i in stored]
    found = repo.incidents_between(Status.REJECTED, ids[0], ids[4], 10)
    assert [i.id for i in found] == ids[1:4]
    assert [i.id for i in repo.incidents_between(Status.REJECTED, ids[0], ids[4], 2)] == ids[1:3]
    assert repo.incidents_between(Status.CLOSED, ids[0], ids[4], 10) == []


def test_a_masked_incident_keeps_no_number_and_leaves_the_callers_history(repo: IncidentRepository) -> None:
    item = rejected(T0).model_copy(update={"aml": fix(T0)})
    repo.create(item)

    assert repo.mask_caller(item, "+62812******90")

    masked = repo.get(item.id)
    assert masked.caller is None
    assert masked.caller_masked == "+62812******90"
    assert masked.aml is not None
    assert (masked.aml.number, masked.aml.imei) == ("+62812******90", None)
    assert repo.caller_lookup(CALLER, T0 - timedelta(days=1), 10, T0).history == []
    assert repo.recent_by_caller(CALLER, 5) == []
    stale = item.model_copy(update={"version": item.version - 1})
    assert not repo.mask_caller(stale, "+62812******90")  # read before it changed: left alone


def test_masking_replaces_the_reports_and_keeps_a_number_it_was_not_given(repo: IncidentRepository) -> None:
    item = rejected(T0).model_copy(update={"aml": fix(T0)})
    repo.create(item)
    report = IncidentReport(
        received_at=T0, channel=Channel.VOICE, caller="+62812******91", added_at=T0, added_by="operator1"
    )

    assert repo.mask_caller(item, None, [report])

    masked = repo.get(item.id)
    assert masked.reports == [report]
    assert (masked.caller, masked.caller_masked) == (None, None)
    assert masked.aml is not None
    assert (masked.aml.number, masked.aml.imei) == (fix(T0).number, None)


def test_retention_marks(repo: IncidentRepository) -> None:
    assert repo.retention_mark("STATUS#CLOSED") is None
    repo.set_retention_mark("STATUS#CLOSED", "01ABC")
    assert repo.retention_mark("STATUS#CLOSED") == "01ABC"
