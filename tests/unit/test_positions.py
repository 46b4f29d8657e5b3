"""core.positions.PositionService: an AML fix goes on the caller's open incident, or waits for the call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import lifecycle
from core.errors import ConcurrentModification
from core.incidents import SYSTEM_INTAKE, IncidentService, Report
from core.lifecycle import Change
from core.models import (
    Action,
    AmlFix,
    AmlTransport,
    AmlWarning,
    Channel,
    Incident,
    PositioningMethod,
    Rejection,
    RejectionReason,
    Status,
)
from core.positions import (
    CLOCK_TOLERANCE,
    KEEP_FOR,
    SYSTEM_AML,
    Outcome,
    PositionService,
    ordered_at,
    vetted,
)
from core.regency import REGENCIES
from tests.fakes import InMemoryIncidentRepository
from tests.support import Clock

NUMBER = "+6281234567890"
IMEI = "356938035643809"


def fix(clock: Clock, number: str | None = NUMBER, imei: str | None = IMEI, lat: float = -8.36611) -> AmlFix:
    return AmlFix(
        lat=lat,
        lon=114.15012,
        accuracy_m=14,
        confidence=68,
        method=PositioningMethod.WIFI,
        fixed_at=clock() - timedelta(seconds=2),
        received_at=clock(),
        transport=AmlTransport.SMS,
        number=number,
        imei=imei,
    )


def call(service: IncidentService, caller: str = "081234567890") -> Incident:
    incident, _ = service.register(Report(channel=Channel.VOICE, actor=SYSTEM_INTAKE, caller=caller))
    return incident


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@pytest.fixture
def positions(repo: InMemoryIncidentRepository, clock: Clock) -> PositionService:
    return PositionService(repo, clock)


# -- attached ---------------------------------------------------------------------------------------


def test_a_fix_for_a_caller_with_an_open_incident_is_attached(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = call(service)
    clock.advance(seconds=20)
    position = fix(clock)

    result = positions.receive(position)

    assert result.outcome is Outcome.ATTACHED
    assert result.incident_id == incident.id
    stored = repo.incidents[incident.id]
    assert stored.aml == position
    assert stored.status is Status.RECEIVED
    assert stored.version == 2
    entry = repo.timelines[incident.id][-1]
    assert entry.action is Action.LOCATE
    assert entry.actor == SYSTEM_AML
    assert entry.from_status is Status.RECEIVED
    assert entry.to_status is Status.RECEIVED
    assert entry.at == clock()
    assert entry.details["lat"] == "-8.36611"
    assert entry.details["transport"] == "SMS"
    assert set(repo.positions) == {f"IMEI#{IMEI}"}  # only the IMEI's link to the number, for later messages


def test_an_incident_under_review_keeps_its_status_and_operator(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = call(service)
    service.claim(incident.id, "operator1")

    result = positions.receive(fix(clock))

    assert result.outcome is Outcome.ATTACHED
    stored = repo.incidents[incident.id]
    assert stored.status is Status.IN_REVIEW
    assert stored.assigned_to == "operator1"
    assert stored.aml is not None


def test_a_later_fix_replaces_the_earlier_one(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = call(service)
    positions.receive(fix(clock, lat=-8.3))
    clock.advance(seconds=10)
    later = fix(clock, lat=-8.4)

    positions.receive(later)

    assert repo.incidents[incident.id].aml == later
    assert [e.action for e in repo.timelines[incident.id]] == [Action.REGISTER, Action.LOCATE, Action.LOCATE]


def test_an_older_fix_arriving_later_does_not_replace_a_newer_one(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    """SMS and HTTPS take different paths: a cell fix taken 40 minutes earlier may arrive last."""
    incident = call(service)
    clock.advance(seconds=20)
    newer = fix(clock).model_copy(update={"accuracy_m": 5.0, "method": PositioningMethod.GNSS})
    positions.receive(newer)
    clock.advance(seconds=3)
    older = fix(clock).model_copy(
        update={
            "accuracy_m": 2000.0,
            "method": PositioningMethod.CELL,
            "fixed_at": clock() - timedelta(minutes=40),
        }
    )

    result = positions.receive(older)

    assert (result.outcome, result.incident_id) == (Outcome.SUPERSEDED, incident.id)
    assert repo.incidents[incident.id].aml == newer
    assert [e.action for e in repo.timelines[incident.id]] == [Action.REGISTER, Action.LOCATE]


def test_of_two_fixes_taken_at_the_same_time_the_finer_one_stays(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    """The same fix by SMS (rounded) and by HTTPS, in either order: the finer one is kept."""
    incident = call(service)
    taken = clock() - timedelta(seconds=2)
    coarse = fix(clock).model_copy(update={"accuracy_m": 14.0, "fixed_at": taken})
    fine = fix(clock).model_copy(
        update={"accuracy_m": 9.5, "fixed_at": taken, "transport": AmlTransport.HTTPS}
    )

    assert positions.receive(fine).outcome is Outcome.ATTACHED
    assert positions.receive(coarse).outcome is Outcome.SUPERSEDED
    assert repo.incidents[incident.id].aml == fine


def test_a_future_dated_fix_does_not_freeze_the_position_the_next_true_fix_wins(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    """A handset whose clock says 2099: its fix is ordered by its arrival, keeps its claimed time and
    says so; the correct fix after it replaces it."""
    incident = call(service)
    clock.advance(seconds=20)
    claimed = datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)
    wrong_clock = fix(clock, lat=-8.3).model_copy(update={"fixed_at": claimed})

    assert positions.receive(wrong_clock).outcome is Outcome.ATTACHED
    stored = repo.incidents[incident.id].aml
    assert stored is not None
    assert stored.fixed_at == claimed  # kept as the handset said it
    assert stored.warnings == [AmlWarning.TIME_AHEAD]

    clock.advance(seconds=10)
    true = fix(clock, lat=-8.4)

    result = positions.receive(true)

    assert (result.outcome, result.incident_id) == (Outcome.ATTACHED, incident.id)
    assert repo.incidents[incident.id].aml == true
    assert [e.action for e in repo.timelines[incident.id]] == [Action.REGISTER, Action.LOCATE, Action.LOCATE]


def test_a_future_dated_fix_is_as_new_as_its_arrival(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    """Neither frozen nor lost: arriving after a true fix, a wrong clock's fix replaces it, and a true fix
    taken before that arrival (the other transport, slower) does not undo it."""
    incident = call(service)
    positions.receive(fix(clock, lat=-8.3))
    clock.advance(seconds=10)
    local_time_as_utc = fix(clock, lat=-8.4).model_copy(update={"fixed_at": clock() + timedelta(hours=7)})

    assert positions.receive(local_time_as_utc).outcome is Outcome.ATTACHED
    clock.advance(seconds=3)
    slower = fix(clock, lat=-8.5).model_copy(update={"fixed_at": clock() - timedelta(seconds=5)})

    assert positions.receive(slower).outcome is Outcome.SUPERSEDED
    stored = repo.incidents[incident.id].aml
    assert stored is not None
    assert stored.lat == -8.4


@pytest.mark.parametrize(
    ("ahead", "trusted"), [(CLOCK_TOLERANCE, True), (CLOCK_TOLERANCE + timedelta(seconds=1), False)]
)
def test_a_handset_clock_a_little_ahead_is_trusted_up_to_the_tolerance(
    ahead: timedelta, trusted: bool
) -> None:
    arrived = datetime(2026, 11, 29, 3, 40, 20, tzinfo=UTC)
    position = AmlFix(
        lat=-8.3, lon=114.1, fixed_at=arrived + ahead, received_at=arrived, transport=AmlTransport.SMS
    )

    assert ordered_at(position) == (position.fixed_at if trusted else arrived)
    assert vetted(position).warnings == ([] if trusted else [AmlWarning.TIME_AHEAD])
    assert vetted(position).fixed_at == position.fixed_at


def test_a_fix_taken_long_before_it_arrived_keeps_its_time_and_is_flagged_stale(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    """A handset clock years behind, or an SMS held in the network: its time orders it (a delayed fix must
    not replace a current one), and the operator is told the caller may have moved since."""
    incident = call(service)
    positions.receive(fix(clock))
    current = repo.incidents[incident.id].aml
    clock.advance(seconds=5)
    years_behind = fix(clock, lat=-8.3).model_copy(
        update={"fixed_at": datetime(2004, 1, 1, tzinfo=UTC), "accuracy_m": 3.0}
    )

    assert positions.receive(years_behind).outcome is Outcome.SUPERSEDED
    assert repo.incidents[incident.id].aml == current
    assert vetted(years_behind).warnings == [AmlWarning.TIME_STALE]
    assert ordered_at(years_behind) == years_behind.fixed_at


def test_a_stale_fix_alone_is_attached_with_its_warning(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = call(service)
    stale = fix(clock).model_copy(update={"fixed_at": clock() - KEEP_FOR - timedelta(seconds=1)})

    assert positions.receive(stale).outcome is Outcome.ATTACHED
    stored = repo.incidents[incident.id].aml
    assert stored is not None
    assert stored.warnings == [AmlWarning.TIME_STALE]


def test_a_kept_future_dated_fix_carries_its_warning_to_the_call(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    wrong_clock = fix(clock).model_copy(update={"fixed_at": datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)})
    assert positions.receive(wrong_clock).outcome is Outcome.KEPT
    clock.advance(seconds=5)

    incident = call(service)

    stored = repo.incidents[incident.id].aml
    assert stored is not None
    assert stored.warnings == [AmlWarning.TIME_AHEAD]
    assert stored.fixed_at == wrong_clock.fixed_at


def test_an_imei_only_message_after_an_attached_sms_reaches_the_same_incident(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    """The SMS said number and IMEI; the HTTPS message of a later, finer fix says only the IMEI."""
    incident = call(service)
    positions.receive(fix(clock))
    clock.advance(seconds=5)
    later = fix(clock, number=None).model_copy(update={"accuracy_m": 3.0, "transport": AmlTransport.HTTPS})

    result = positions.receive(later)

    assert (result.outcome, result.incident_id) == (Outcome.ATTACHED, incident.id)
    stored = repo.incidents[incident.id].aml
    assert stored is not None
    assert (stored.accuracy_m, stored.number) == (3.0, NUMBER)


def test_an_incident_exactly_two_hours_old_is_still_open(
    positions: PositionService, service: IncidentService, clock: Clock
) -> None:
    incident = call(service)
    clock.advance(hours=2)

    assert positions.receive(fix(clock)).incident_id == incident.id


def test_another_callers_incident_is_not_used(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    other = call(service, caller="081299998888")

    result = positions.receive(fix(clock))

    assert result.outcome is Outcome.KEPT
    assert repo.incidents[other.id].aml is None


def web_report(service: IncidentService, caller: str = "081234567890") -> Incident:
    incident, _ = service.register(
        Report(channel=Channel.WEB, actor="system:web", caller=caller, text="Pohon tumbang menimpa rumah")
    )
    return incident


def test_a_newer_web_report_from_the_same_number_does_not_take_the_calls_position(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    """AML is sent by a handset dialling 112: it belongs to the call, not to a form sent from elsewhere."""
    incident = call(service)
    clock.advance(seconds=30)
    report = web_report(service)
    clock.advance(seconds=5)

    result = positions.receive(fix(clock))

    assert (result.outcome, result.incident_id) == (Outcome.ATTACHED, incident.id)
    assert repo.incidents[report.id].aml is None


def test_a_web_report_alone_does_not_take_a_position_it_waits_for_the_call(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    report = web_report(service)

    result = positions.receive(fix(clock))

    assert result.outcome is Outcome.KEPT
    assert repo.incidents[report.id].aml is None
    assert NUMBER in repo.positions


# -- kept -------------------------------------------------------------------------------------------


def test_a_fix_without_an_incident_is_kept_under_number_and_imei_for_30_minutes(
    positions: PositionService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    position = fix(clock)

    result = positions.receive(position)

    assert result.outcome is Outcome.KEPT
    assert result.incident_id is None
    expires = epoch(clock() + timedelta(minutes=30))
    assert repo.positions == {NUMBER: (position, expires), f"IMEI#{IMEI}": (position, expires)}


def test_a_rejected_incident_is_not_used(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = call(service)
    service.claim(incident.id, "operator1")
    service.reject(incident.id, "operator1", Rejection(reason=RejectionReason.PRANK))
    version = repo.incidents[incident.id].version

    result = positions.receive(fix(clock))

    assert result.outcome is Outcome.KEPT
    assert repo.incidents[incident.id].aml is None
    assert repo.incidents[incident.id].version == version
    assert NUMBER in repo.positions


def test_a_closed_incident_is_not_used(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = call(service)
    # Closing takes the whole workflow; the fake's state stands in for an incident closed long ago.
    repo.incidents[incident.id] = incident.model_copy(update={"status": Status.CLOSED, "version": 7})

    result = positions.receive(fix(clock))

    assert result.outcome is Outcome.KEPT
    assert repo.incidents[incident.id].aml is None
    assert repo.calls["commit"] == 0


def test_an_incident_older_than_two_hours_is_not_used(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = call(service)
    clock.advance(hours=2, seconds=1)

    result = positions.receive(fix(clock))

    assert result.outcome is Outcome.KEPT
    assert repo.incidents[incident.id].aml is None
    assert NUMBER in repo.positions


def test_the_newest_open_incident_is_used_past_a_closed_newer_one(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    open_one = call(service)
    clock.advance(minutes=1)
    rejected = call(service)
    service.claim(rejected.id, "operator1")
    service.reject(rejected.id, "operator1", Rejection(reason=RejectionReason.PRANK))

    result = positions.receive(fix(clock))

    assert result.outcome is Outcome.ATTACHED
    assert result.incident_id == open_one.id
    assert repo.incidents[rejected.id].aml is None


def test_a_fix_with_only_an_imei_is_kept_under_the_imei(
    positions: PositionService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    result = positions.receive(fix(clock, number=None))

    assert result.outcome is Outcome.KEPT
    assert set(repo.positions) == {f"IMEI#{IMEI}"}


# -- matching by IMEI, and what cannot be matched --------------------------------------------------------


def test_a_fix_with_only_an_imei_finds_the_number_through_an_earlier_kept_fix(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    assert positions.receive(fix(clock)).outcome is Outcome.KEPT  # e.g. the SMS, before the call arrived
    clock.advance(seconds=5)
    incident = call(service)
    clock.advance(seconds=5)

    result = positions.receive(fix(clock, number=None, lat=-8.37))  # e.g. the HTTPS one, without number

    assert result.outcome is Outcome.ATTACHED
    assert result.incident_id == incident.id
    attached = repo.incidents[incident.id].aml
    assert attached is not None
    assert attached.lat == -8.37
    assert attached.number == NUMBER


def test_an_imei_kept_longer_than_30_minutes_finds_nothing(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    positions.receive(fix(clock))
    clock.advance(minutes=31)
    incident = call(service)

    result = positions.receive(fix(clock, number=None))

    assert result.outcome is Outcome.KEPT
    assert repo.incidents[incident.id].aml is None


def test_a_fix_without_number_or_imei_is_unmatchable(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = call(service)

    result = positions.receive(fix(clock, number=None, imei=None))

    assert result.outcome is Outcome.UNMATCHABLE
    assert result.incident_id is None
    assert repo.positions == {}
    assert repo.incidents[incident.id].aml is None


# -- races ------------------------------------------------------------------------------------------------


class OperatorClaimsFirst(InMemoryIncidentRepository):
    """An operator claims the incident between our read and our write, once."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock
        self.raced = False

    def commit(self, change: Change) -> Incident:
        if change.audit.action is Action.LOCATE and not self.raced:
            self.raced = True
            current = self.incidents[change.incident.id]
            super().commit(lifecycle.claim(current, "operator1", self.clock()))
        return super().commit(change)


class AlwaysConflicting(InMemoryIncidentRepository):
    def commit(self, change: Change) -> Incident:
        if change.audit.action is Action.LOCATE:
            self.calls["commit"] += 1
            raise ConcurrentModification(change.incident.id)
        return super().commit(change)


def test_a_concurrent_change_is_retried_and_the_fix_attached(clock: Clock) -> None:
    repo = OperatorClaimsFirst(clock)
    service = IncidentService(repo, REGENCIES["banyuwangi"], clock=clock)
    incident = call(service)

    result = PositionService(repo, clock).receive(fix(clock))

    assert repo.raced
    assert result.outcome is Outcome.ATTACHED
    assert result.incident_id == incident.id
    stored = repo.incidents[incident.id]
    assert stored.status is Status.IN_REVIEW  # the operator's claim survived
    assert stored.assigned_to == "operator1"
    assert stored.aml is not None
    assert [e.action for e in repo.timelines[incident.id]] == [Action.REGISTER, Action.CLAIM, Action.LOCATE]
    assert set(repo.positions) == {f"IMEI#{IMEI}"}


def test_a_fix_that_keeps_losing_the_race_is_kept_instead(clock: Clock) -> None:
    repo = AlwaysConflicting()
    service = IncidentService(repo, REGENCIES["banyuwangi"], clock=clock)
    incident = call(service)

    result = PositionService(repo, clock).receive(fix(clock))

    assert result.outcome is Outcome.KEPT
    assert repo.calls["commit"] == 3
    assert repo.incidents[incident.id].aml is None
    assert NUMBER in repo.positions


# -- a kept position reaches the call it belongs to --------------------------------------------------------


def test_a_call_registered_after_its_fix_carries_the_kept_position(
    positions: PositionService, service: IncidentService, clock: Clock
) -> None:
    position = fix(clock)
    positions.receive(position)
    clock.advance(minutes=29, seconds=59)

    incident = call(service)

    assert incident.aml == position
    assert incident.version == 2


def test_the_call_is_stored_first_and_the_kept_position_is_a_change_of_its_own(
    positions: PositionService, service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    positions.receive(fix(clock))

    incident = call(service)

    timeline = repo.timelines[incident.id]
    assert [(e.action, e.actor) for e in timeline] == [
        (Action.REGISTER, SYSTEM_INTAKE),
        (Action.LOCATE, SYSTEM_AML),
    ]


def test_a_kept_position_that_cannot_be_read_does_not_fail_the_call(
    repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    class PositionsDown(InMemoryIncidentRepository):
        def kept_position(self, key: str, now_epoch: int) -> AmlFix | None:
            raise ConnectionError("DynamoDB timed out")

    broken = PositionsDown()
    service = IncidentService(broken, REGENCIES["banyuwangi"], clock=clock)

    incident = call(service)

    assert broken.incidents[incident.id].status is Status.RECEIVED
    assert incident.aml is None


def test_a_kept_position_is_not_used_after_30_minutes(
    positions: PositionService, service: IncidentService, clock: Clock
) -> None:
    positions.receive(fix(clock))
    clock.advance(minutes=30)

    incident = call(service)

    assert incident.aml is None


def test_a_kept_position_goes_only_to_its_own_caller(
    positions: PositionService, service: IncidentService, clock: Clock
) -> None:
    positions.receive(fix(clock))

    other = call(service, caller="081299998888")
    withheld = call(service, caller="anonymous")

    assert other.aml is None
    assert withheld.aml is None
