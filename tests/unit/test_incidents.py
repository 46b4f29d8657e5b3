"""IncidentService on the in-memory repository and queue, with a clock the tests move."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.agencies import ROUTES
from core.dispatching import Dispatcher
from core.errors import IllegalTransition, IncidentNotFound, InvalidRequest, NotAssignee
from core.ids import new_ulid, ulid_timestamp_ms
from core.incidents import SYSTEM_INTAKE, IncidentService, Report, VerifyCommand
from core.models import (
    Action,
    Agency,
    Category,
    Channel,
    Flag,
    Location,
    Priority,
    Rejection,
    RejectionReason,
    Status,
)
from core.observability import metrics
from core.regency import REGENCIES
from tests.fakes import FakeDirectory, InMemoryIncidentRepository, RecordingDispatchQueue, RecordingNotifier
from tests.support import Clock

OPERATOR = "operator1"
BANYUWANGI = REGENCIES["banyuwangi"]


def report(caller: str | None = "081234567890", dedupe_key: str | None = None) -> Report:
    return Report(
        channel=Channel.VOICE,
        actor=SYSTEM_INTAKE,
        caller=caller,
        dedupe_key=dedupe_key,
        contact_id="5ca32fbd",
        source={"dialledNumber": "+62333112112"},
    )


def command(
    category: Category = Category.FIRE, agencies: tuple[Agency, ...] = (), district: str | None = "Genteng"
) -> VerifyCommand:
    return VerifyCommand(
        category=category,
        priority=Priority.P1,
        location=Location(district=district, address="Pasar Genteng"),
        summary="Kebakaran kios di pasar",
        agencies=agencies,
    )


def claimed(service: IncidentService, clock: Clock) -> str:
    incident, _ = service.register(report())
    clock.advance(seconds=30)
    service.claim(incident.id, OPERATOR)
    return incident.id


def verified(service: IncidentService, clock: Clock, category: Category = Category.FIRE) -> str:
    incident_id = claimed(service, clock)
    clock.advance(seconds=30)
    service.verify(incident_id, OPERATOR, command(category))
    return incident_id


# -- register -------------------------------------------------------------------------------------


def test_register_stores_a_received_incident(service: IncidentService, repo: InMemoryIncidentRepository,
                                             clock: Clock) -> None:  # fmt: skip
    incident, created = service.register(report())
    assert created is True
    assert repo.get(incident.id) == incident
    assert incident.status is Status.RECEIVED
    assert incident.version == 1
    assert incident.channel is Channel.VOICE
    assert incident.created_by == SYSTEM_INTAKE
    assert incident.received_at == incident.updated_at == clock.now
    assert incident.contact_id == "5ca32fbd"
    assert incident.source == {"dialledNumber": "+62333112112"}
    assert ulid_timestamp_ms(incident.id) == int(clock.now.timestamp() * 1000)


def test_register_normalises_the_caller(service: IncidentService) -> None:
    incident, _ = service.register(report("0812-3456-7890"))
    assert incident.caller == "+6281234567890"
    assert incident.flags == []


@pytest.mark.parametrize("caller", [None, "", "anonymous", "112"])
def test_register_flags_an_unknown_caller(service: IncidentService, caller: str | None) -> None:
    incident, created = service.register(report(caller))
    assert created is True
    assert incident.caller is None
    assert incident.flags == [Flag.CALLER_UNKNOWN]


def test_register_the_same_report_twice_is_one_incident(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    first, created = service.register(report(dedupe_key="CONTACT#abc"))
    clock.advance(seconds=2)
    again, created_again = service.register(report(dedupe_key="CONTACT#abc"))
    assert (created, created_again) == (True, False)
    assert again == first
    assert list(repo.incidents) == [first.id]


def test_register_without_dedupe_key_makes_a_new_incident_each_time(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    service.register(report())
    clock.advance(seconds=1)
    service.register(report())
    assert len(repo.incidents) == 2


# -- claim ----------------------------------------------------------------------------------------


def test_claim_assigns_the_operator(service: IncidentService, clock: Clock) -> None:
    incident, _ = service.register(report())
    clock.advance(seconds=30)
    claimed_incident = service.claim(incident.id, OPERATOR)
    assert claimed_incident.status is Status.IN_REVIEW
    assert claimed_incident.assigned_to == OPERATOR
    assert claimed_incident.claimed_at == clock.now
    assert service.detail(incident.id).status is Status.IN_REVIEW


def test_a_claim_of_an_incident_another_operator_holds_names_them(
    service: IncidentService, clock: Clock
) -> None:
    incident_id = claimed(service, clock)
    with pytest.raises(NotAssignee, match="claimed by operator1"):
        service.claim(incident_id, "operator2")
    assert service.detail(incident_id).assigned_to == OPERATOR


def test_claim_of_an_unknown_incident_is_not_found(service: IncidentService) -> None:
    with pytest.raises(IncidentNotFound):
        service.claim(new_ulid(), OPERATOR)


# -- verify ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("district", ["genteng ", "GENTENG", " Gen teng", "Genteng"])
def test_verify_canonicalises_the_district(service: IncidentService, clock: Clock, district: str) -> None:
    incident_id = claimed(service, clock)
    incident = service.verify(incident_id, OPERATOR, command(district=district))
    assert incident.location is not None
    assert incident.location.district == "Genteng"
    stored = service.detail(incident_id).location
    assert stored is not None
    assert stored.district == "Genteng"


def test_verify_without_district_keeps_the_location(service: IncidentService, clock: Clock) -> None:
    incident_id = claimed(service, clock)
    incident = service.verify(incident_id, OPERATOR, command(district=None))
    assert incident.location == Location(address="Pasar Genteng")


def test_verify_with_an_unknown_district_is_invalid(
    service: IncidentService, queue: RecordingDispatchQueue, clock: Clock
) -> None:
    incident_id = claimed(service, clock)
    with pytest.raises(InvalidRequest) as caught:
        service.verify(incident_id, OPERATOR, command(district="Kuta"))
    assert caught.value.field == "location.district"
    assert "'Kuta'" in caught.value.problem
    assert "Kabupaten Banyuwangi" in caught.value.problem
    assert "Genteng" in caught.value.problem
    assert service.detail(incident_id).status is Status.IN_REVIEW
    assert queue.sent == []


@pytest.mark.parametrize("category", [c for c in Category if ROUTES[c]])
def test_verify_defaults_agencies_from_the_routing_table(
    service: IncidentService, clock: Clock, category: Category
) -> None:
    incident_id = claimed(service, clock)
    incident = service.verify(incident_id, OPERATOR, command(category))
    assert tuple(incident.agencies) == ROUTES[category]


def test_verify_with_explicit_agencies_overrides_and_deduplicates(
    service: IncidentService, clock: Clock
) -> None:
    incident_id = claimed(service, clock)
    chosen = (Agency.BPBD, Agency.DAMKAR, Agency.BPBD)
    incident = service.verify(incident_id, OPERATOR, command(Category.FIRE, chosen))
    assert incident.agencies == [Agency.BPBD, Agency.DAMKAR]


def test_verify_other_without_agencies_is_invalid(
    service: IncidentService, queue: RecordingDispatchQueue, clock: Clock
) -> None:
    incident_id = claimed(service, clock)
    with pytest.raises(InvalidRequest) as caught:
        service.verify(incident_id, OPERATOR, command(Category.OTHER))
    assert caught.value.field == "agencies"
    assert service.detail(incident_id).status is Status.IN_REVIEW
    assert queue.sent == []


def test_verify_other_with_an_agency_is_fine(service: IncidentService, clock: Clock) -> None:
    incident_id = claimed(service, clock)
    incident = service.verify(incident_id, OPERATOR, command(Category.OTHER, (Agency.BASARNAS,)))
    assert incident.agencies == [Agency.BASARNAS]


def test_verify_commits_and_queues_exactly_one_dispatch_request(
    service: IncidentService, queue: RecordingDispatchQueue, clock: Clock
) -> None:
    incident_id = claimed(service, clock)
    clock.advance(seconds=45)
    incident = service.verify(incident_id, OPERATOR, command())
    assert incident.status is Status.VERIFIED
    assert incident.verified_at == clock.now
    assert service.detail(incident_id).status is Status.VERIFIED
    assert queue.sent == [incident_id]


def test_verify_by_another_operator_is_refused(
    service: IncidentService, queue: RecordingDispatchQueue, clock: Clock
) -> None:
    incident_id = claimed(service, clock)
    with pytest.raises(NotAssignee):
        service.verify(incident_id, "operator2", command())
    assert queue.sent == []


def test_verify_survives_an_unreachable_queue(repo: InMemoryIncidentRepository, clock: Clock) -> None:
    queue = RecordingDispatchQueue(failing=True)
    service = IncidentService(repo, BANYUWANGI, queue, clock)
    incident_id = claimed(service, clock)
    incident = service.verify(incident_id, OPERATOR, command())
    assert incident.status is Status.VERIFIED
    assert repo.get(incident_id).status is Status.VERIFIED
    assert queue.sent == []


# -- reject ---------------------------------------------------------------------------------------


def test_reject_as_prank(service: IncidentService, clock: Clock) -> None:
    incident_id = claimed(service, clock)
    incident = service.reject(incident_id, OPERATOR, Rejection(reason=RejectionReason.PRANK, note="Iseng"))
    assert incident.status is Status.REJECTED
    assert incident.rejected_at == clock.now
    timeline = service.detail(incident_id).timeline
    assert (timeline[-1].action, timeline[-1].reason) == (Action.REJECT, "PRANK")


def test_reject_as_duplicate_of_an_existing_incident(service: IncidentService, clock: Clock) -> None:
    original, _ = service.register(report())
    clock.advance(seconds=10)
    incident_id = claimed(service, clock)
    rejection = Rejection(reason=RejectionReason.DUPLICATE, duplicate_of=original.id)
    incident = service.reject(incident_id, OPERATOR, rejection)
    assert incident.status is Status.REJECTED
    assert incident.rejection is not None
    assert incident.rejection.duplicate_of == original.id


def test_reject_as_duplicate_of_an_unknown_incident_is_invalid(
    service: IncidentService, clock: Clock
) -> None:
    incident_id = claimed(service, clock)
    unknown = new_ulid()
    with pytest.raises(InvalidRequest) as caught:
        service.reject(
            incident_id, OPERATOR, Rejection(reason=RejectionReason.DUPLICATE, duplicate_of=unknown)
        )
    assert caught.value.field == "duplicateOf"
    assert unknown in caught.value.problem
    assert service.detail(incident_id).status is Status.IN_REVIEW


def test_reject_as_duplicate_of_itself_is_invalid(service: IncidentService, clock: Clock) -> None:
    incident_id = claimed(service, clock)
    with pytest.raises(InvalidRequest) as caught:
        service.reject(
            incident_id, OPERATOR, Rejection(reason=RejectionReason.DUPLICATE, duplicate_of=incident_id)
        )
    assert caught.value.field == "duplicateOf"
    assert service.detail(incident_id).status is Status.IN_REVIEW


# -- acknowledge and close ------------------------------------------------------------------------


def test_acknowledge_and_close(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident_id = verified(service, clock, Category.TRAFFIC_ACCIDENT)
    Dispatcher(repo, RecordingNotifier(), clock).dispatch(incident_id)
    clock.advance(minutes=2)
    first = service.acknowledge(incident_id, Agency.POLICE, "agency:police", "Unit meluncur")
    assert first.status is Status.DISPATCHED
    assert first.acknowledged_at is None
    clock.advance(minutes=1)
    last = service.acknowledge(incident_id, Agency.PSC119, "agency:psc119")
    assert last.status is Status.ACKNOWLEDGED
    assert last.acknowledged_at == clock.now
    clock.advance(minutes=30)
    closed = service.close(incident_id, "agency:police", "Korban dibawa ke RSUD Blambangan")
    assert closed.status is Status.CLOSED
    assert closed.closed_at == clock.now
    detail = service.detail(incident_id)
    assert [e.action for e in detail.timeline][-3:] == [
        Action.AGENCY_ACKNOWLEDGE,
        Action.ACKNOWLEDGE,
        Action.CLOSE,
    ]
    police = next(d for d in detail.dispatches if d.agency == Agency.POLICE)
    assert (police.acknowledged_by, police.note) == ("agency:police", "Unit meluncur")


def test_acknowledge_twice_is_illegal(service: IncidentService, repo: InMemoryIncidentRepository,
                                      clock: Clock) -> None:  # fmt: skip
    incident_id = verified(service, clock, Category.TRAFFIC_ACCIDENT)
    Dispatcher(repo, RecordingNotifier(), clock).dispatch(incident_id)
    service.acknowledge(incident_id, Agency.POLICE, "agency:police")
    with pytest.raises(IllegalTransition):
        service.acknowledge(incident_id, Agency.POLICE, "agency:police")
    assert service.detail(incident_id).status is Status.DISPATCHED


def test_close_before_acknowledgement_is_illegal(service: IncidentService, clock: Clock) -> None:
    incident_id = verified(service, clock)
    with pytest.raises(IllegalTransition):
        service.close(incident_id, "agency:damkar", "Selesai")


# -- queue and reconciliation ---------------------------------------------------------------------


def test_queue_lists_by_status(service: IncidentService, clock: Clock) -> None:
    first, _ = service.register(report())
    clock.advance(seconds=1)
    second, _ = service.register(report())
    page = service.queue(Status.RECEIVED, 10)
    assert [i.id for i in page.items] == [first.id, second.id]


def test_requeue_stalled_queues_only_overdue_verified_incidents(
    service: IncidentService, repo: InMemoryIncidentRepository, queue: RecordingDispatchQueue, clock: Clock
) -> None:
    stalled = [verified(service, clock) for _ in range(3)]
    dispatched = verified(service, clock)
    Dispatcher(repo, RecordingNotifier(), clock).dispatch(dispatched)
    in_review = claimed(service, clock)
    clock.advance(seconds=50)
    recent = verified(service, clock)  # verified 40 s before the reconciler runs: not overdue
    clock.advance(seconds=40)
    queue.sent.clear()
    repo.calls.clear()

    requeued = service.requeue_stalled(timedelta(seconds=60), page_size=2)

    assert requeued == stalled
    assert queue.sent == stalled
    assert recent not in requeued
    assert dispatched not in requeued
    assert in_review not in requeued
    assert repo.calls["list_by_status"] >= 2  # 4 VERIFIED incidents, 2 a page


def test_requeue_stalled_with_nothing_overdue(
    service: IncidentService, queue: RecordingDispatchQueue, clock: Clock
) -> None:
    verified(service, clock)
    queue.sent.clear()
    clock.advance(seconds=10)
    assert service.requeue_stalled(timedelta(seconds=60)) == []
    assert queue.sent == []


def test_requeue_stalled_survives_an_unreachable_queue_and_retries_on_the_next_run(
    repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    queue = RecordingDispatchQueue(failing=True)
    service = IncidentService(repo, BANYUWANGI, queue, clock)
    incident_id = verified(service, clock)
    clock.advance(minutes=5)
    service.requeue_stalled(timedelta(seconds=60))  # must not raise
    assert repo.get(incident_id).status is Status.VERIFIED
    assert queue.sent == []
    queue.failing = False
    clock.advance(minutes=1)
    assert service.requeue_stalled(timedelta(seconds=60)) == [incident_id]
    assert queue.sent == [incident_id]


def test_verify_without_a_queue_is_a_configuration_error(
    repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    service = IncidentService(repo, BANYUWANGI, None, clock)
    incident_id = claimed(service, clock)
    with pytest.raises(RuntimeError, match="dispatch queue"):
        service.verify(incident_id, OPERATOR, command())


# -- retries after a lost answer ------------------------------------------------------------------------


def test_a_claim_repeated_by_its_holder_returns_the_incident_unchanged(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident_id = claimed(service, clock)
    commits = repo.calls["commit"]

    again = service.claim(incident_id, OPERATOR)

    assert (again.status, again.assigned_to, again.version) == (Status.IN_REVIEW, OPERATOR, 2)
    assert repo.calls["commit"] == commits
    assert len(repo.timelines[incident_id]) == 2


def test_a_verify_repeated_the_same_way_queues_nothing_more(
    service: IncidentService, queue: RecordingDispatchQueue, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident_id = verified(service, clock)

    again = service.verify(incident_id, OPERATOR, command())

    assert again.status is Status.VERIFIED
    assert len(queue.sent) == 1
    assert [e.action for e in repo.timelines[incident_id]] == [Action.REGISTER, Action.CLAIM, Action.VERIFY]


@pytest.mark.parametrize(
    ("who", "category"),
    [(OPERATOR, Category.MEDICAL), ("operator2", Category.FIRE)],
)
def test_a_different_verify_of_a_verified_incident_is_still_refused(
    service: IncidentService, clock: Clock, who: str, category: Category
) -> None:
    incident_id = verified(service, clock)

    with pytest.raises((IllegalTransition, NotAssignee)):
        service.verify(incident_id, who, command(category))


def test_a_reject_repeated_the_same_way_returns_the_incident(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident_id = claimed(service, clock)
    prank = Rejection(reason=RejectionReason.PRANK, note="anak-anak bermain telepon")
    service.reject(incident_id, OPERATOR, prank)

    again = service.reject(incident_id, OPERATOR, prank)

    assert again.status is Status.REJECTED
    assert len(repo.timelines[incident_id]) == 3
    with pytest.raises(IllegalTransition):
        service.reject(incident_id, OPERATOR, Rejection(reason=RejectionReason.NON_EMERGENCY))


# -- rules that live here, not in handlers --------------------------------------------------------------


def test_a_report_with_a_district_is_stored_as_the_regency_spells_it(service: IncidentService) -> None:
    incident, _ = service.register(
        Report(channel=Channel.WEB, actor="system:web", location=Location(district="  genteng "))
    )

    assert incident.location is not None
    assert incident.location.district == "Genteng"


def test_a_report_with_an_unknown_district_is_refused(
    service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    with pytest.raises(InvalidRequest, match="Atlantis"):
        service.register(
            Report(channel=Channel.WEB, actor="system:web", location=Location(district="Atlantis"))
        )
    assert repo.incidents == {}


def test_an_incident_opened_by_hand_twice_with_one_request_id_is_one(service: IncidentService) -> None:
    first, created = service.open_by_hand(
        OPERATOR, Channel.RADIO, "Laporan radio: pohon tumbang", client_request_id="r-1"
    )
    again, repeated = service.open_by_hand(
        OPERATOR, Channel.RADIO, "Laporan radio: pohon tumbang", client_request_id="r-1"
    )
    other, _ = service.open_by_hand(
        "operator2", Channel.RADIO, "Laporan radio: pohon tumbang", client_request_id="r-1"
    )

    assert (created, repeated) == (True, False)
    assert again.id == first.id
    assert other.id != first.id


def test_a_reassign_to_someone_not_active_is_refused(service: IncidentService, clock: Clock) -> None:
    incident_id = claimed(service, clock)
    directory = FakeDirectory()
    directory.accounts[1] = directory.accounts[1].model_copy(update={"enabled": False})  # operator2

    with pytest.raises(InvalidRequest, match="operator2"):
        service.reassign(incident_id, "supervisor", "operator2", directory)
    with pytest.raises(InvalidRequest, match="nobody"):
        service.reassign(incident_id, "supervisor", "nobody", directory)
    assert service.reassign(incident_id, "supervisor", "operator3", directory).assigned_to == "operator3"


def test_a_dispatch_that_keeps_failing_is_escalated_every_run(
    service: IncidentService, queue: RecordingDispatchQueue, clock: Clock
) -> None:
    stuck = verified(service, clock)
    clock.advance(minutes=5)
    fresh_overdue = verified(service, clock)

    clock.advance(minutes=6)  # stuck: 11 min after verification; fresh_overdue: 6 min
    queue.sent.clear()
    metrics.clear_metrics()
    try:
        service.requeue_stalled(timedelta(minutes=3))
        service.requeue_stalled(timedelta(minutes=3))
        emitted = metrics.metric_set["DispatchOverdue"]["Value"]
    finally:
        metrics.clear_metrics()

    assert emitted == [1.0, 1.0]  # the stuck one, each run
    assert queue.sent == [stuck, fresh_overdue] * 2  # both are still re-queued


def test_no_overdue_dispatch_is_reported_as_zero(service: IncidentService, clock: Clock) -> None:
    verified(service, clock)
    metrics.clear_metrics()
    try:
        service.requeue_stalled(timedelta(minutes=3))
        emitted = metrics.metric_set["DispatchOverdue"]["Value"]
    finally:
        metrics.clear_metrics()

    assert emitted == [0.0]
