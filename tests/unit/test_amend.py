"""After verification (docs/api.md): an update changes the incident in place and tells its posts once,
dispatching the posts added and withdrawing the posts taken off; a cancellation closes it and tells them;
a supervisor reopens a wrong rejection or closing; a note after dispatch reaches the posts too."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # no stubs among the dependencies
import pytest

from core import lifecycle
from core.agencies import DirectorySnapshot
from core.agency_directory import DirectoryService
from core.directory_models import HttpsEndpoint
from core.directory_seed import SEEDS
from core.dispatch_record import notice_schema
from core.dispatching import Dispatcher
from core.errors import IllegalTransition, InvalidRequest
from core.incidents import SYSTEM_INTAKE, IncidentService, Report, VerifyCommand
from core.intervals import Outcome, outcome
from core.models import (
    Action,
    Category,
    Channel,
    DispatchStatus,
    Incident,
    Location,
    Priority,
    Rejection,
    RejectionReason,
    Status,
)
from core.notices import Notice, NoticeKind
from core.regency import REGENCIES
from dispatch.worker import lambda_handler
from tests.fakes import (
    InMemoryAgencyStore,
    InMemoryIncidentRepository,
    RecordingDeliveryQueue,
    RecordingDispatchQueue,
    RecordingNotifier,
    ReversibleSealer,
)
from tests.support import Clock, FakeLambdaContext, load_event
from tests.unit.test_agency_delivery import FakeChannels, FakeOnce, delivery, give_contacts, store  # noqa: F401

BANYUWANGI = REGENCIES["banyuwangi"]
NOTICE_SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "notice-v1.json"
CALLER = "+6281234567890"
T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
OPERATOR, SUPERVISOR = "operator1", "supervisor1"
FIRE = VerifyCommand(
    category=Category.FIRE,
    priority=Priority.P2,
    location=Location(district="Genteng", address="Pasar Genteng"),
    summary="Kios terbakar",
)


@pytest.fixture
def snapshot(clock: Clock) -> DirectorySnapshot:
    directory = DirectoryService(InMemoryAgencyStore(), BANYUWANGI, ReversibleSealer(), clock)
    directory.seed(SEEDS["banyuwangi"])
    return directory.snapshot()


@pytest.fixture
def service(
    repo: InMemoryIncidentRepository, queue: RecordingDispatchQueue, clock: Clock, snapshot: DirectorySnapshot
) -> IncidentService:
    return IncidentService(repo, BANYUWANGI, queue, clock, agencies=lambda: snapshot)


@pytest.fixture
def deliveries() -> RecordingDeliveryQueue:
    return RecordingDeliveryQueue()


@pytest.fixture
def dispatcher(
    repo: InMemoryIncidentRepository,
    clock: Clock,
    snapshot: DirectorySnapshot,
    deliveries: RecordingDeliveryQueue,
) -> Dispatcher:
    return Dispatcher(repo, RecordingNotifier(), clock, agencies=lambda: snapshot, deliveries=deliveries)


def verified(service: IncidentService, command: VerifyCommand = FIRE) -> Incident:
    incident, _ = service.register(Report(channel=Channel.VOICE, actor=SYSTEM_INTAKE, caller=CALLER))
    service.claim(incident.id, OPERATOR)
    return service.verify(incident.id, OPERATOR, command)


def dispatched(service: IncidentService, dispatcher: Dispatcher, clock: Clock) -> Incident:
    incident = verified(service)
    dispatcher.dispatch(incident.id)
    clock.advance(seconds=60)
    return service.detail(incident.id)


def test_an_update_after_dispatch_tells_each_post_once_and_dispatches_the_agency_added(
    service: IncidentService,
    dispatcher: Dispatcher,
    queue: RecordingDispatchQueue,
    deliveries: RecordingDeliveryQueue,
    repo: InMemoryIncidentRepository,
    clock: Clock,
) -> None:
    incident = dispatched(service, dispatcher, clock)
    assert incident.posts == ["damkar-genteng"]
    deliveries.requests.clear()

    updated = service.update(
        incident.id,
        "operator2",
        VerifyCommand(**{**FIRE.__dict__, "priority": Priority.P1, "agencies": ("DAMKAR", "POLICE")}),
    )

    assert (updated.status, updated.priority, updated.agencies) == (
        Status.DISPATCHED,
        Priority.P1,
        ["DAMKAR", "POLICE"],
    )
    entry = repo.timelines[incident.id][-1]
    assert entry.action is Action.UPDATE
    assert entry.actor == "operator2"
    assert (entry.details["priority.from"], entry.details["priority.to"]) == ("P2", "P1")
    assert entry.details["changed"] == "priority,agencies"
    assert entry.details["added"] == "POLICE"
    detail = service.detail(incident.id)
    police = next(d for d in detail.dispatches if d.agency == "POLICE")
    assert (police.status, police.posts, police.message_id) == (
        DispatchStatus.NOTIFIED, ["polsek-genteng"], f"update-v{updated.version}",
    )  # fmt: skip
    [(incident_id, notice)] = queue.notices
    assert notice.kind is NoticeKind.UPDATE
    assert notice.version == updated.version
    assert (notice.told, notice.dispatched, notice.withdrawn) == (
        {"damkar-genteng": "DAMKAR"}, {"polsek-genteng": "POLICE"}, {},
    )  # fmt: skip

    # the worker's redelivery of the notice queues the same keys: agency-delivery sends each once
    for _ in range(2):
        dispatcher.forward(incident_id, notice)
    keys = {(r.post_id, r.change) for r in deliveries.requests}
    assert keys == {
        ("damkar-genteng", f"update-v{updated.version}"),
        ("polsek-genteng", f"dispatch-v{updated.version}"),
    }


def test_the_same_update_sent_again_changes_nothing(
    service: IncidentService, dispatcher: Dispatcher, queue: RecordingDispatchQueue, clock: Clock
) -> None:
    incident = dispatched(service, dispatcher, clock)
    change = VerifyCommand(**{**FIRE.__dict__, "summary": "Kios dan rumah terbakar"})
    first = service.update(incident.id, OPERATOR, change)
    again = service.update(incident.id, OPERATOR, change)
    assert again.version == first.version
    assert len(queue.notices) == 1


def test_an_agency_taken_off_is_withdrawn_and_no_longer_awaited(
    service: IncidentService, dispatcher: Dispatcher, queue: RecordingDispatchQueue, clock: Clock
) -> None:
    incident = verified(service, VerifyCommand(**{**FIRE.__dict__, "agencies": ("DAMKAR", "POLICE")}))
    dispatcher.dispatch(incident.id)
    service.acknowledge(incident.id, "DAMKAR", OPERATOR)

    updated = service.update(
        incident.id, OPERATOR, VerifyCommand(**{**FIRE.__dict__, "agencies": ("DAMKAR",)})
    )

    # the one agency left has confirmed: the incident is acknowledged
    assert updated.status is Status.ACKNOWLEDGED
    police = next(d for d in service.detail(incident.id).dispatches if d.agency == "POLICE")
    assert police.withdrawn_at is not None
    assert not police.pending
    assert queue.notices[-1][1].withdrawn == {"polsek-genteng": "POLICE"}
    with pytest.raises((IllegalTransition, InvalidRequest)):  # nothing to acknowledge, nor to confirm
        service.acknowledge(incident.id, "POLICE", OPERATOR)

    # taken back: a fresh dispatch, to be confirmed again
    back = service.update(
        incident.id, OPERATOR, VerifyCommand(**{**FIRE.__dict__, "agencies": ("DAMKAR", "POLICE")})
    )
    assert back.status is Status.DISPATCHED
    assert back.ack_due_at is not None
    police = next(d for d in service.detail(incident.id).dispatches if d.agency == "POLICE")
    assert (police.status, police.withdrawn_at) == (DispatchStatus.NOTIFIED, None)


def test_an_update_before_dispatch_tells_nobody_and_the_dispatch_reads_it(
    service: IncidentService, dispatcher: Dispatcher, queue: RecordingDispatchQueue
) -> None:
    incident = verified(service)
    service.update(
        incident.id, OPERATOR, VerifyCommand(**{**FIRE.__dict__, "agencies": ("DAMKAR", "POLICE")})
    )
    assert queue.notices == []
    dispatcher.dispatch(incident.id)
    assert {d.agency for d in service.detail(incident.id).dispatches} == {"DAMKAR", "POLICE"}


def test_nothing_to_change_is_refused_by_the_lifecycle() -> None:
    incident = Incident(
        id="01KB0Z1A2B3C4D5E6F7G8H9J0K",
        status=Status.VERIFIED,
        channel=Channel.VOICE,
        category=Category.FIRE,
        priority=Priority.P2,
        location=FIRE.location,
        summary=FIRE.summary,
        agencies=["DAMKAR"],
        created_by="x",
        received_at=T0,
        updated_at=T0,
        version=3,
    )
    same = lifecycle.Amendment(Category.FIRE, Priority.P2, FIRE.location, FIRE.summary, ("DAMKAR",))
    with pytest.raises(InvalidRequest):
        lifecycle.update(incident, [], OPERATOR, same, T0)


def test_a_cancelled_incident_is_closed_and_its_posts_told(
    service: IncidentService,
    dispatcher: Dispatcher,
    queue: RecordingDispatchQueue,
    repo: InMemoryIncidentRepository,
    clock: Clock,
) -> None:
    incident = dispatched(service, dispatcher, clock)

    cancelled = service.cancel(incident.id, OPERATOR, "Ternyata pembakaran sampah")
    again = service.cancel(incident.id, OPERATOR, "Ternyata pembakaran sampah")  # a lost answer's retry

    assert cancelled.status is Status.CLOSED
    assert cancelled.cancellation is not None
    assert again.version == cancelled.version
    assert repo.timelines[incident.id][-1].action is Action.CANCEL
    [(_, notice)] = queue.notices
    assert (notice.kind, notice.told, notice.text) == (
        NoticeKind.CANCELLED, {"damkar-genteng": "DAMKAR"}, "Ternyata pembakaran sampah",
    )  # fmt: skip
    assert outcome(cancelled.model_dump(mode="json")) is Outcome.CANCELLED


def test_a_cancellation_before_the_dispatch_is_recorded_tells_the_chosen_posts(
    service: IncidentService, dispatcher: Dispatcher, queue: RecordingDispatchQueue
) -> None:
    incident = verified(service)
    service.cancel(incident.id, OPERATOR, "Pelapor meralat")
    assert queue.notices[-1][1].told == {"damkar-genteng": "DAMKAR"}
    assert dispatcher.dispatch(incident.id).outcome.value == "ALREADY_DISPATCHED"  # nothing is dispatched


def test_closing_and_notes_after_dispatch_reach_the_posts(
    service: IncidentService, dispatcher: Dispatcher, queue: RecordingDispatchQueue, clock: Clock
) -> None:
    incident = dispatched(service, dispatcher, clock)
    noted = service.note(incident.id, OPERATOR, "Akses lewat gang belakang pasar")
    service.note(incident.id, OPERATOR, "Penelepon mabuk", tell_agencies=False)
    closed = service.close(incident.id, OPERATOR, "Api padam")
    assert [(n.kind, n.version, n.text) for _, n in queue.notices] == [
        (NoticeKind.NOTE, noted.version, "Akses lewat gang belakang pasar"),
        (NoticeKind.CLOSED, closed.version, "Api padam"),
    ]


def test_a_supervisor_reopens_a_prank_rejection_and_it_no_longer_counts(
    service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    incident, _ = service.register(Report(channel=Channel.VOICE, actor=SYSTEM_INTAKE, caller=CALLER))
    service.claim(incident.id, OPERATOR)
    service.reject(incident.id, OPERATOR, Rejection(reason=RejectionReason.PRANK))
    assert service.callers.history(CALLER).standing.recent_pranks == 1

    reopened = service.reopen(incident.id, SUPERVISOR, "Rekaman diputar ulang: darurat sungguhan")
    again = service.reopen(incident.id, SUPERVISOR, "Rekaman diputar ulang: darurat sungguhan")  # a retry

    assert (reopened.status, reopened.assigned_to, reopened.rejection) == (Status.IN_REVIEW, SUPERVISOR, None)
    assert again.version == reopened.version
    entry = repo.timelines[incident.id][-1]
    assert (entry.action, entry.from_status, entry.details["rejection"]) == (
        Action.REOPEN, Status.REJECTED, "PRANK",
    )  # fmt: skip
    assert service.callers.history(CALLER).standing.recent_pranks == 0
    record = repo.caller_record(CALLER)
    assert record is None or not any(call.rejection for call in record.calls)


def test_a_closed_dispatched_incident_reopens_where_its_agencies_stand_and_they_are_told(
    service: IncidentService, dispatcher: Dispatcher, queue: RecordingDispatchQueue, clock: Clock
) -> None:
    incident = dispatched(service, dispatcher, clock)
    service.cancel(incident.id, OPERATOR, "Dikira iseng")
    reopened = service.reopen(incident.id, SUPERVISOR, "Pembatalan keliru")
    assert (reopened.status, reopened.cancellation, reopened.closed_at) == (Status.DISPATCHED, None, None)
    assert queue.notices[-1][1].kind is NoticeKind.REOPENED


def test_only_a_terminal_incident_reopens(service: IncidentService) -> None:
    incident = verified(service)
    with pytest.raises(IllegalTransition):
        service.reopen(incident.id, SUPERVISOR, "Salah")


def test_a_notice_the_queue_refused_waits_in_the_outbox_and_the_reconciler_queues_it_once(
    service: IncidentService,
    dispatcher: Dispatcher,
    queue: RecordingDispatchQueue,
    repo: InMemoryIncidentRepository,
    clock: Clock,
) -> None:
    incident = dispatched(service, dispatcher, clock)
    queue.failing = True
    cancelled = service.cancel(incident.id, OPERATOR, "Alarm palsu")
    assert cancelled.status is Status.CLOSED  # the change stands, the request answers
    (kept,) = repo.outbox.values()  # committed with the change
    assert (kept.incident_id, kept.notice.kind, kept.notice.version) == (
        incident.id,
        NoticeKind.CANCELLED,
        cancelled.version,
    )

    queue.failing = False
    grace = timedelta(seconds=60)
    assert service.requeue_notices(grace) == 0  # within its grace: the API may still be at it
    clock.advance(seconds=61)
    assert service.requeue_notices(grace) == 1
    assert [(i, n.kind) for i, n in queue.notices] == [(incident.id, NoticeKind.CANCELLED)]
    assert repo.outbox == {}
    assert service.requeue_notices(grace) == 0  # once


def test_a_queued_notice_leaves_the_outbox_and_a_queue_still_down_keeps_it_for_the_next_run(
    service: IncidentService,
    dispatcher: Dispatcher,
    queue: RecordingDispatchQueue,
    repo: InMemoryIncidentRepository,
    clock: Clock,
) -> None:
    incident = dispatched(service, dispatcher, clock)
    service.note(incident.id, OPERATOR, "Api sudah padam sebagian")
    assert repo.outbox == {}
    assert [n.kind for _, n in queue.notices] == [NoticeKind.NOTE]

    queue.failing = True
    service.note(incident.id, OPERATOR, "Jalan ditutup")
    clock.advance(seconds=120)
    assert service.requeue_notices(timedelta(seconds=60)) == 0
    assert len(repo.outbox) == 1  # not lost: the next run


# -- what a post receives ----------------------------------------------------------------------------


def test_a_post_reads_an_update_once_however_often_it_is_delivered(
    service: IncidentService,
    dispatcher: Dispatcher,
    queue: RecordingDispatchQueue,
    deliveries: RecordingDeliveryQueue,
    repo: InMemoryIncidentRepository,
    store: InMemoryAgencyStore,  # noqa: F811
    clock: Clock,
) -> None:
    give_contacts(store, "damkar-genteng", sms=["+6281111111111"], emails=["piket@damkar.example.go.id"])
    incident = dispatched(service, dispatcher, clock)
    service.update(incident.id, OPERATOR, VerifyCommand(**{**FIRE.__dict__, "priority": Priority.P1}))
    service.cancel(incident.id, OPERATOR, "Ternyata latihan")
    deliveries.requests.clear()
    for incident_id, notice in queue.notices:
        dispatcher.forward(incident_id, notice)
    channels, once = FakeChannels(), FakeOnce()
    sender = delivery(repo, store, channels, once, clock)

    for request in [*deliveries.requests, *deliveries.requests]:  # every request redelivered
        sender.deliver(request)

    sms = [entry[2] for entry in channels.sent if entry[0] == "sms"]
    assert len(sms) == 2
    assert sms[0].startswith("[112 Kabupaten Banyuwangi] PEMBARUAN (prioritas)")
    assert "Status (Diterima" in sms[0]
    assert sms[1].startswith("[112 Kabupaten Banyuwangi] DIBATALKAN")
    assert "Alasan: Ternyata latihan" in sms[1]
    assert "http" not in sms[1]  # nothing more to report: no link
    assert len([e for e in channels.sent if e[0] == "email"]) == 2


def test_a_dispatch_that_goes_out_after_the_cancellation_is_not_sent(
    service: IncidentService,
    dispatcher: Dispatcher,
    deliveries: RecordingDeliveryQueue,
    repo: InMemoryIncidentRepository,
    store: InMemoryAgencyStore,  # noqa: F811
    clock: Clock,
) -> None:
    give_contacts(store, "damkar-genteng", sms=["+6281111111111"])
    incident = dispatched(service, dispatcher, clock)
    service.cancel(incident.id, OPERATOR, "Alarm palsu")
    channels = FakeChannels()
    [dispatch_request] = [r for r in deliveries.requests if r.change == "dispatch"]
    assert delivery(repo, store, channels, FakeOnce(), clock).deliver(dispatch_request) == []
    assert channels.sent == []


def test_a_notice_names_each_delivery_by_the_change_it_tells() -> None:
    notice = Notice(kind=NoticeKind.NOTE, version=9, told={"a-post": "DAMKAR"})
    assert notice.deliveries() == [("a-post", "DAMKAR", "note-v9")]


def test_the_dispatch_worker_forwards_a_queued_notice_and_a_redelivery_queues_the_same_keys(
    dispatcher: Dispatcher, deliveries: RecordingDeliveryQueue
) -> None:
    notice = Notice(
        kind=NoticeKind.CANCELLED, version=7, text="Alarm palsu", told={"damkar-genteng": "DAMKAR"}
    )
    body = {
        "incidentId": "01KB0Z3Q7M2X8N4P6R9T1V5W3Y",
        "version": 7,
        "notice": notice.model_dump(mode="json"),
    }
    event = load_event("sqs/dispatch-batch.json")
    record = {**event["Records"][0], "body": json.dumps(body)}

    for _ in range(2):  # SQS delivers it again
        answer = lambda_handler({"Records": [record]}, FakeLambdaContext(), dispatcher=dispatcher)
        assert answer == {"batchItemFailures": []}

    assert {(r.post_id, r.change, r.text) for r in deliveries.requests} == {
        ("damkar-genteng", "cancelled-v7", "Alarm palsu")
    }
    assert len(deliveries.requests) == 2


def test_a_report_attached_to_a_dispatched_incident_reaches_its_posts_when_the_operator_accepts(
    service: IncidentService, dispatcher: Dispatcher, queue: RecordingDispatchQueue, clock: Clock
) -> None:
    parent = dispatched(service, dispatcher, clock)
    quiet, _ = service.register(Report(channel=Channel.VOICE, actor=SYSTEM_INTAKE, caller="+6281234567002"))
    told, _ = service.register(
        Report(
            channel=Channel.WEB, actor=SYSTEM_INTAKE, text="Api sudah ke rumah sebelah", summary="Api meluas"
        )
    )

    service.attach(quiet.id, parent.id, OPERATOR)  # not asked: nobody is told
    assert queue.notices == []
    result = service.attach(told.id, parent.id, OPERATOR, tell_agencies=True)

    [(incident_id, notice)] = queue.notices
    assert (incident_id, notice.kind, notice.version) == (parent.id, NoticeKind.REPORT, result.parent.version)
    assert notice.text == "Api meluas | Api sudah ke rumah sebelah"
    assert notice.told == {"damkar-genteng": "DAMKAR"}


def test_a_withdrawn_agency_cannot_report_on_the_incident(
    service: IncidentService, dispatcher: Dispatcher, clock: Clock
) -> None:
    incident = verified(service, VerifyCommand(**{**FIRE.__dict__, "agencies": ("DAMKAR", "POLICE")}))
    dispatcher.dispatch(incident.id)
    service.update(incident.id, OPERATOR, VerifyCommand(**{**FIRE.__dict__, "agencies": ("DAMKAR",)}))
    detail = service.detail(incident.id)
    current = Incident.model_validate(detail.model_dump(exclude={"timeline", "dispatches", "call"}))

    with pytest.raises(InvalidRequest, match="withdrawn"):
        lifecycle.agency_status(
            current, detail.dispatches, "POLICE", DispatchStatus.EN_ROUTE, "post:polsek-genteng", clock.now
        )


def test_an_agency_system_gets_a_signed_notice_record_valid_against_the_committed_schema(
    service: IncidentService,
    dispatcher: Dispatcher,
    queue: RecordingDispatchQueue,
    deliveries: RecordingDeliveryQueue,
    repo: InMemoryIncidentRepository,
    store: InMemoryAgencyStore,  # noqa: F811
    clock: Clock,
) -> None:
    assert json.loads(NOTICE_SCHEMA.read_text(encoding="utf-8")) == notice_schema()  # tools/schemas.py
    give_contacts(store, "damkar-genteng", https=HttpsEndpoint(url="https://cad.damkar.example.go.id/112"))
    incident = dispatched(service, dispatcher, clock)
    updated = service.update(
        incident.id, OPERATOR, VerifyCommand(**{**FIRE.__dict__, "priority": Priority.P1})
    )
    service.cancel(incident.id, OPERATOR, "Ternyata latihan")
    deliveries.requests.clear()
    for incident_id, notice in queue.notices:
        dispatcher.forward(incident_id, notice)
    channels = FakeChannels()
    sender = delivery(repo, store, channels, FakeOnce(), clock)

    for request in deliveries.requests:
        sender.deliver(request)

    schema = json.loads(NOTICE_SCHEMA.read_text(encoding="utf-8"))
    update, cancel = (json.loads(body) for _, body, _ in channels.bodies)
    for record in (update, cancel):
        jsonschema.validate(record, schema)
    assert (update["notice"], update["changed"], update["incident"]["priority"]) == (
        "UPDATE",
        ["priority"],
        "P1",
    )
    assert update["recordId"] == f"{incident.id}:damkar-genteng:update-v{updated.version}"
    assert update["response"]["statusUrl"].startswith("https://panel.example.go.id")
    assert (cancel["notice"], cancel["text"], cancel["response"]) == ("CANCELLED", "Ternyata latihan", None)
    assert cancel["incident"]["status"] == "CLOSED"
