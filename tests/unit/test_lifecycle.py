"""The incident state machine: every legal move, every illegal one, and the rules inside each move."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from core import lifecycle
from core.errors import IllegalTransition, InvalidRequest, NotAssignee
from core.ids import new_ulid
from core.lifecycle import STATE_MACHINE, TERMINAL, Change, Verification
from core.models import (
    Action,
    Agency,
    AmlFix,
    AmlTransport,
    Callback,
    CallbackAttempt,
    CallbackOutcome,
    CallbackReason,
    Category,
    Channel,
    Dispatch,
    DispatchStatus,
    Flag,
    Incident,
    IncidentReport,
    Location,
    OutboundMessage,
    OutboundState,
    PositioningMethod,
    Priority,
    Rejection,
    RejectionReason,
    Status,
)
from core.standing import Standing

T0 = datetime(2026, 11, 29, 3, 40, 13, 123000, tzinfo=UTC)
NOW = T0 + timedelta(minutes=3)
OPERATOR = "operator1"
OTHER_OPERATOR = "operator2"
SUPERVISOR = "supervisor"
FIX = AmlFix(
    lat=-8.36611,
    lon=114.15012,
    accuracy_m=14,
    confidence=68,
    method=PositioningMethod.WIFI,
    received_at=T0,
    transport=AmlTransport.SMS,
    number="+6281234567890",
)
AGENCIES = (Agency.DAMKAR, Agency.POLICE)
VERIFICATION = Verification(
    category=Category.FIRE,
    priority=Priority.P1,
    location=Location(district="Genteng", address="Pasar Genteng"),
    summary="Kebakaran rumah, dua orang terjebak",
    agencies=AGENCIES,
)

# The verification again with a higher priority: an update with one change.
AMENDMENT = lifecycle.Amendment(
    category=VERIFICATION.category,
    priority=Priority.P2,
    location=VERIFICATION.location,
    summary=VERIFICATION.summary,
    agencies=AGENCIES,
)


def incident_at(status: Status, *, assigned_to: str | None = OPERATOR, version: int = 4) -> Incident:
    """An incident in `status` with everything a move from that status needs."""
    return Incident(
        id=new_ulid(1_764_387_613_123),
        status=status,
        channel=Channel.VOICE,
        caller="+6281234567890",
        category=Category.FIRE,
        priority=Priority.P1,
        location=VERIFICATION.location,
        summary=VERIFICATION.summary,
        agencies=list(AGENCIES),
        assigned_to=assigned_to,
        created_by="system:intake",
        received_at=T0,
        updated_at=T0,
        version=version,
    )


def notified(
    incident: Incident, agency: Agency, status: DispatchStatus = DispatchStatus.NOTIFIED
) -> Dispatch:
    return Dispatch(
        incident_id=incident.id,
        agency=agency,
        status=status,
        notified_at=T0,
        message_id=f"sns-{agency}",
    )


def on_desk(incident: Incident, failed: int = 0) -> Incident:
    """The incident awaiting a callback (abandoned), with `failed` attempts that reached nobody."""
    attempts = [
        CallbackAttempt(at=T0, by=OTHER_OPERATOR, outcome=CallbackOutcome.NO_ANSWER) for _ in range(failed)
    ]
    callback = Callback(reason=CallbackReason.ABANDONED, since=T0, attempts=attempts)
    return incident.model_copy(update={"callback": callback})


# The moves of a call that needs calling back (the callback desk), with valid arguments.
CALL_MOVES: dict[Action, Callable[[Incident], Change]] = {
    Action.ABANDON: lambda i: lifecycle.abandon(i, "system:connect", 42, NOW),
    Action.ABANDON_WITHDRAWN: lambda i: lifecycle.withdraw_abandoned(i, "system:connect", NOW),
    Action.MARK_SILENT: lambda i: lifecycle.mark_silent(i, OPERATOR, None, NOW),
    Action.CALLBACK: lambda i: lifecycle.record_callback(
        on_desk(i), OPERATOR, CallbackOutcome.NO_ANSWER, NOW
    ),
    Action.CALLBACK_REACHED: lambda i: lifecycle.record_callback(
        on_desk(i), OPERATOR, CallbackOutcome.REACHED, NOW
    ),
    Action.CLOSE_UNREACHABLE: lambda i: lifecycle.close_unreachable(on_desk(i, failed=3), OPERATOR, 3, NOW),
}
PARENT_ID = "01KB0Z1A2B3C4D5E6F7G8H9J0K"


def _other(status: Status, **updates: object) -> Incident:
    """Another open incident of the same emergency (the other side of an attach)."""
    return incident_at(status).model_copy(update={"id": new_ulid(1_764_387_600_000), **updates})


def _attached_to(parent: Incident) -> Incident:
    return _other(Status.ATTACHED, parent_id=parent.id)


def _detach(child: Incident) -> Change:
    parent = _other(Status.VERIFIED, id=PARENT_ID, reports=[lifecycle.report_of(child, OPERATOR, T0)])
    return lifecycle.detach(child, parent, SUPERVISOR, "Bukan sama", NOW)[0]


def _message(incident: Incident) -> Change:
    report = IncidentReport(
        received_at=NOW, channel=Channel.INSTAGRAM, text="Di depan pasar", message_id="mid.2",
        added_at=NOW, added_by="system:instagram",
    )  # fmt: skip
    change = lifecycle.add_message(incident, report, "INSTAGRAM#mid.2", NOW)
    assert change is not None
    return change


def _written(incident: Incident) -> OutboundMessage:
    return OutboundMessage(
        message_id="01KB0Z9A1B2C3D4E5F6G7H8J9K", channel=incident.channel, text="Di mana?", sent_by=OPERATOR,
        sent_at=NOW,
    )  # fmt: skip


def _write(incident: Incident) -> Change:
    return lifecycle.write_to_citizen(incident, _written(incident), False, NOW)


def _outcome(incident: Incident) -> Change:
    written = incident.model_copy(update={"outbound": [_written(incident)]})
    change = lifecycle.message_outcome(
        written, "01KB0Z9A1B2C3D4E5F6G7H8J9K", OutboundState.SENT, "system:reply", NOW
    )
    assert change is not None
    return change


# The moves that keep the status they find, at any open stage.
IN_PLACE_MOVES: dict[Action, Callable[[Incident], Change]] = {
    Action.LOCATE: lambda i: lifecycle.locate(i, FIX, "system:aml", NOW),
    Action.FLAG: lambda i: lifecycle.flag(i, Flag.CANNOT_SPEAK, "system:connect", NOW),
    Action.STANDING: lambda i: lifecycle.mark_standing(
        i, SUPERVISOR, Standing.NORMAL, "Penelepon dikenal", NOW
    ),
    Action.NOTE: lambda i: lifecycle.note(i, OPERATOR, "Asap terlihat dari jalan", NOW),
    Action.MESSAGE: _message,
    Action.MESSAGE_SENT: _write,
    Action.MESSAGE_OUTCOME: _outcome,
    Action.REPORT_ADDED: lambda i: lifecycle.attach(_other(Status.RECEIVED), i, OPERATOR, NOW)[1],
    Action.REPORT_REMOVED: lambda i: lifecycle.detach(_attached_to(i), i, SUPERVISOR, "Bukan sama", NOW)[1],
    Action.MAJOR_INCIDENT: lambda i: lifecycle.declare_major(i, SUPERVISOR, NOW, {"majorIncidentId": "m"}),
    Action.MAJOR_INCIDENT_END: lambda i: lifecycle.end_major(i, SUPERVISOR, "Api padam", NOW, {}),
}


def _update(incident: Incident) -> Change:
    confirmed = incident.status is Status.ACKNOWLEDGED
    status = DispatchStatus.ACKNOWLEDGED if confirmed else DispatchStatus.NOTIFIED
    dispatches = (
        [] if incident.status is Status.VERIFIED else [notified(incident, a, status) for a in AGENCIES]
    )
    return lifecycle.update(incident, dispatches, OPERATOR, AMENDMENT, NOW)


# After verification: an update, a cancellation, a supervisor's reopening (docs/api.md).
AMEND_MOVES: dict[Action, Callable[[Incident], Change]] = {
    Action.UPDATE: _update,
    Action.CANCEL: lambda i: lifecycle.cancel(i, OPERATOR, "Ternyata pembakaran sampah", NOW),
    Action.REOPEN: lambda i: lifecycle.reopen(i, [], SUPERVISOR, "Bukan iseng: rekaman diputar ulang", NOW),
}
# One emergency, many reports: the child's side of an attach and of a detach.
RELATED_MOVES: dict[Action, Callable[[Incident], Change]] = {
    Action.ATTACH: lambda i: lifecycle.attach(i, _other(Status.IN_REVIEW), OPERATOR, NOW)[0],
    Action.DETACH: lambda i: _detach(i.model_copy(update={"parent_id": PARENT_ID})),
}


def perform(incident: Incident, action: Action) -> Change:
    """Run the lifecycle function for `action` with valid arguments: only the status can make it fail."""
    moved = (
        CALL_MOVES.get(action)
        or IN_PLACE_MOVES.get(action)
        or RELATED_MOVES.get(action)
        or AMEND_MOVES.get(action)
    )
    if moved is not None:
        return moved(incident)
    match action:
        case Action.REGISTER:
            lifecycle.next_status(incident, action)
            raise AssertionError("REGISTER is never a move")  # pragma: no cover
        case Action.CLAIM:
            return lifecycle.claim(incident, OPERATOR, NOW)
        case Action.REASSIGN:
            return lifecycle.reassign(incident, SUPERVISOR, OTHER_OPERATOR, NOW)
        case Action.VERIFY:
            return lifecycle.verify(incident, OPERATOR, VERIFICATION, NOW)
        case Action.REJECT:
            return lifecycle.reject(incident, OPERATOR, Rejection(reason=RejectionReason.PRANK), NOW)
        case Action.DISPATCH:
            return lifecycle.dispatch(incident, {a: f"sns-{a}" for a in AGENCIES}, "system:dispatch", NOW)
        case Action.AGENCY_ACKNOWLEDGE:
            dispatches = [notified(incident, a) for a in AGENCIES]
            return lifecycle.acknowledge(incident, dispatches, Agency.DAMKAR, "agency:damkar", NOW)
        case Action.ACKNOWLEDGE:
            dispatches = [notified(incident, Agency.DAMKAR, DispatchStatus.ACKNOWLEDGED)]
            dispatches.append(notified(incident, Agency.POLICE))
            return lifecycle.acknowledge(incident, dispatches, Agency.POLICE, "agency:police", NOW)
        case Action.CLOSE:
            return lifecycle.close(incident, "agency:police", "Api padam, korban dievakuasi", NOW)
        case Action.AGENCY_STATUS:
            dispatches = [notified(incident, a, DispatchStatus.ACKNOWLEDGED) for a in AGENCIES]
            change = lifecycle.agency_status(
                incident, dispatches, Agency.DAMKAR, DispatchStatus.EN_ROUTE, "post:damkar-genteng", NOW
            )
            assert change is not None
            return change
        case Action.ESCALATE:
            return lifecycle.escalate(incident, 1, ["damkar-genteng"], NOW, "system:escalation", NOW)
    raise AssertionError(action)  # pragma: no cover


ACTORS = {
    Action.CLAIM: OPERATOR,
    Action.REASSIGN: SUPERVISOR,
    Action.LOCATE: "system:aml",
    Action.VERIFY: OPERATOR,
    Action.REJECT: OPERATOR,
    Action.DISPATCH: "system:dispatch",
    Action.AGENCY_ACKNOWLEDGE: "agency:damkar",
    Action.ACKNOWLEDGE: "agency:police",
    Action.CLOSE: "agency:police",
    Action.STANDING: SUPERVISOR,
    Action.FLAG: "system:connect",
    Action.ABANDON: "system:connect",
    Action.ABANDON_WITHDRAWN: "system:connect",
    Action.MARK_SILENT: OPERATOR,
    Action.CALLBACK: OPERATOR,
    Action.CALLBACK_REACHED: OPERATOR,
    Action.CLOSE_UNREACHABLE: OPERATOR,
    Action.AGENCY_STATUS: "post:damkar-genteng",
    Action.ESCALATE: "system:escalation",
    Action.ATTACH: OPERATOR,
    Action.REPORT_ADDED: OPERATOR,
    Action.DETACH: SUPERVISOR,
    Action.REPORT_REMOVED: SUPERVISOR,
    Action.NOTE: OPERATOR,
    Action.MESSAGE: "system:instagram",
    Action.MAJOR_INCIDENT: SUPERVISOR,
    Action.MAJOR_INCIDENT_END: SUPERVISOR,
    Action.MESSAGE_SENT: OPERATOR,
    Action.MESSAGE_OUTCOME: "system:reply",
    Action.UPDATE: OPERATOR,
    Action.CANCEL: OPERATOR,
    Action.REOPEN: SUPERVISOR,
}
LEGAL = [(status, action) for status, moves in STATE_MACHINE.items() for action in moves]
ILLEGAL = [(status, action) for status in Status for action in Action if action not in STATE_MACHINE[status]]


def test_the_table_covers_every_status() -> None:
    assert set(STATE_MACHINE) == set(Status)


def test_terminal_states_are_closed_rejected_and_attached() -> None:
    assert {Status.CLOSED, Status.REJECTED, Status.ATTACHED} == TERMINAL
    # a supervisor's correction (detach) leaves ATTACHED terminal: nothing else happens to it, but the
    # end of a major incident declared while it was open is still recorded on it, and the outcome of a
    # message written before it was attached
    assert set(STATE_MACHINE[Status.ATTACHED]) == {
        Action.DETACH,
        Action.MAJOR_INCIDENT_END,
        Action.MESSAGE_OUTCOME,
    }
    # a closed incident takes the same records, and a supervisor's reopen
    assert set(STATE_MACHINE[Status.CLOSED]) == {
        Action.MAJOR_INCIDENT_END,
        Action.MESSAGE_OUTCOME,
        Action.REOPEN,
    }
    assert lifecycle.allowed_from(Action.MESSAGE_OUTCOME) == set(Status)


def test_allowed_from_reads_the_table() -> None:
    assert lifecycle.allowed_from(Action.REJECT) == {Status.IN_REVIEW}
    assert lifecycle.allowed_from(Action.ACKNOWLEDGE) == {Status.DISPATCHED}
    assert lifecycle.allowed_from(Action.REGISTER) == frozenset()


@pytest.mark.parametrize(("status", "action"), LEGAL, ids=[f"{s}-{a}" for s, a in LEGAL])
def test_legal_move(status: Status, action: Action) -> None:
    before = incident_at(status)
    change = perform(before, action)
    assert change.incident.status is STATE_MACHINE[status][action]
    assert change.incident.version == before.version + 1
    assert change.expected_version == before.version
    assert change.incident.updated_at == NOW
    audit = change.audit
    assert audit.incident_id == before.id
    assert audit.version == before.version + 1
    assert audit.actor == ACTORS[action]
    assert audit.at == NOW
    assert audit.from_status is status
    assert audit.to_status is STATE_MACHINE[status][action]
    assert audit.action is action


@pytest.mark.parametrize(("status", "action"), LEGAL, ids=[f"{s}-{a}" for s, a in LEGAL])
def test_a_move_leaves_the_incident_it_read_untouched(status: Status, action: Action) -> None:
    before = incident_at(status)
    snapshot = before.model_copy(deep=True)
    perform(before, action)
    assert before == snapshot


@pytest.mark.parametrize(("status", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_illegal_move(status: Status, action: Action) -> None:
    incident = incident_at(status)
    with pytest.raises(IllegalTransition) as caught:
        perform(incident, action)
    assert caught.value.incident_id == incident.id
    assert caught.value.status == status.value


def test_illegal_transition_names_where_the_action_is_allowed() -> None:
    with pytest.raises(
        IllegalTransition, match=r"cannot verify .*: it is RECEIVED \(allowed from: IN_REVIEW\)"
    ):
        perform(incident_at(Status.RECEIVED), Action.VERIFY)


# -- claim ----------------------------------------------------------------------------------------


def test_claim_assigns_the_operator() -> None:
    change = lifecycle.claim(incident_at(Status.RECEIVED, assigned_to=None), OPERATOR, NOW)
    assert change.incident.assigned_to == OPERATOR
    assert change.incident.claimed_at == NOW
    assert change.dispatch_writes == ()


def test_a_claimed_incident_cannot_be_claimed_again() -> None:
    # By another operator: they are told who holds it; by the same one: the move is illegal.
    with pytest.raises(NotAssignee, match="claimed by operator1"):
        lifecycle.claim(incident_at(Status.IN_REVIEW), OTHER_OPERATOR, NOW)
    with pytest.raises(IllegalTransition):
        lifecycle.claim(incident_at(Status.IN_REVIEW), OPERATOR, NOW)


# -- verify ---------------------------------------------------------------------------------------


def test_verify_records_the_operators_assessment() -> None:
    incident = incident_at(Status.IN_REVIEW).model_copy(
        update={"category": None, "priority": None, "location": None, "summary": None, "agencies": []}
    )
    change = lifecycle.verify(incident, OPERATOR, VERIFICATION, NOW)
    new = change.incident
    assert (new.category, new.priority) == (Category.FIRE, Priority.P1)
    assert new.location == VERIFICATION.location
    assert new.summary == VERIFICATION.summary
    assert new.agencies == [Agency.DAMKAR, Agency.POLICE]
    assert new.verified_at == NOW
    assert change.audit.details == {
        "grade": "A1",
        "category": "FIRE",
        "priority": "P1",
        "agencies": "DAMKAR,POLICE",
    }


def test_verify_by_a_non_assignee_raises_not_assignee() -> None:
    incident = incident_at(Status.IN_REVIEW)
    with pytest.raises(NotAssignee) as caught:
        lifecycle.verify(incident, OTHER_OPERATOR, VERIFICATION, NOW)
    assert caught.value.assigned_to == OPERATOR
    assert caught.value.incident_id == incident.id


def test_verify_with_no_agencies_is_invalid() -> None:
    verification = Verification(
        category=Category.OTHER, priority=Priority.P3, location=Location(district="Genteng"),
        summary="?", agencies=(),
    )  # fmt: skip
    with pytest.raises(InvalidRequest) as caught:
        lifecycle.verify(incident_at(Status.IN_REVIEW), OPERATOR, verification, NOW)
    assert caught.value.field == "agencies"


# -- reject ---------------------------------------------------------------------------------------


def test_reject_records_reason_and_note() -> None:
    rejection = Rejection(reason=RejectionReason.NON_EMERGENCY, note="Dirujuk ke PLN")
    change = lifecycle.reject(incident_at(Status.IN_REVIEW), OPERATOR, rejection, NOW)
    assert change.incident.rejection == rejection
    assert change.incident.rejected_at == NOW
    assert change.audit.reason == "NON_EMERGENCY"
    assert change.audit.details == {"note": "Dirujuk ke PLN"}


def test_reject_as_duplicate_names_the_original() -> None:
    original = new_ulid(1_764_387_000_000)
    rejection = Rejection(reason=RejectionReason.DUPLICATE, duplicate_of=original)
    change = lifecycle.reject(incident_at(Status.IN_REVIEW), OPERATOR, rejection, NOW)
    assert change.audit.reason == "DUPLICATE"
    assert change.audit.details == {"duplicateOf": original}


def test_reject_by_a_non_assignee_raises_not_assignee() -> None:
    with pytest.raises(NotAssignee) as caught:
        lifecycle.reject(
            incident_at(Status.IN_REVIEW), OTHER_OPERATOR, Rejection(reason=RejectionReason.PRANK), NOW
        )
    assert caught.value.assigned_to == OPERATOR


def test_reject_as_duplicate_of_itself_is_invalid() -> None:
    incident = incident_at(Status.IN_REVIEW)
    rejection = Rejection(reason=RejectionReason.DUPLICATE, duplicate_of=incident.id)
    with pytest.raises(InvalidRequest) as caught:
        lifecycle.reject(incident, OPERATOR, rejection, NOW)
    assert caught.value.field == "duplicateOf"


# -- dispatch -------------------------------------------------------------------------------------


def test_dispatch_needs_a_message_id_for_every_agency() -> None:
    with pytest.raises(InvalidRequest) as caught:
        lifecycle.dispatch(incident_at(Status.VERIFIED), {Agency.DAMKAR: "sns-1"}, "system:dispatch", NOW)
    assert caught.value.field == "agencies"
    assert "POLICE" in caught.value.problem
    assert "DAMKAR" not in caught.value.problem


def test_dispatch_creates_one_new_dispatch_per_agency() -> None:
    incident = incident_at(Status.VERIFIED)
    change = lifecycle.dispatch(
        incident, {Agency.DAMKAR: "sns-1", Agency.POLICE: "sns-2"}, "system:dispatch", NOW
    )
    assert [w.expected_status for w in change.dispatch_writes] == [None, None]
    assert [(w.dispatch.agency, w.dispatch.message_id) for w in change.dispatch_writes] == [
        (Agency.DAMKAR, "sns-1"),
        (Agency.POLICE, "sns-2"),
    ]
    for write in change.dispatch_writes:
        assert write.dispatch.incident_id == incident.id
        assert write.dispatch.status is DispatchStatus.NOTIFIED
        assert write.dispatch.notified_at == NOW
    assert change.incident.dispatched_at == NOW
    assert change.audit.details == {"agencies": "DAMKAR,POLICE"}


# -- acknowledge ----------------------------------------------------------------------------------


def test_partial_acknowledgement_keeps_the_incident_dispatched() -> None:
    incident = incident_at(Status.DISPATCHED)
    dispatches = [notified(incident, a) for a in AGENCIES]
    change = lifecycle.acknowledge(incident, dispatches, Agency.DAMKAR, "agency:damkar", NOW, "Meluncur")
    assert change.incident.status is Status.DISPATCHED
    assert change.audit.action is Action.AGENCY_ACKNOWLEDGE
    assert change.audit.details == {"agency": "DAMKAR", "pending": "POLICE"}
    assert change.incident.acknowledged_at is None
    [write] = change.dispatch_writes
    assert write.expected_status is DispatchStatus.NOTIFIED
    assert write.dispatch.agency == Agency.DAMKAR
    assert write.dispatch.status is DispatchStatus.ACKNOWLEDGED
    assert write.dispatch.acknowledged_at == NOW
    assert write.dispatch.acknowledged_by == "agency:damkar"
    assert write.dispatch.note == "Meluncur"
    assert write.dispatch.message_id == "sns-DAMKAR"


def test_last_acknowledgement_moves_to_acknowledged() -> None:
    incident = incident_at(Status.DISPATCHED)
    dispatches = [
        notified(incident, Agency.DAMKAR, DispatchStatus.ACKNOWLEDGED),
        notified(incident, Agency.POLICE),
    ]
    change = lifecycle.acknowledge(incident, dispatches, Agency.POLICE, "agency:police", NOW)
    assert change.incident.status is Status.ACKNOWLEDGED
    assert change.audit.action is Action.ACKNOWLEDGE
    assert change.audit.details == {"agency": "POLICE", "pending": ""}
    assert change.incident.acknowledged_at == NOW


def test_single_agency_acknowledgement_is_the_last_one() -> None:
    incident = incident_at(Status.DISPATCHED).model_copy(update={"agencies": [Agency.DAMKAR]})
    change = lifecycle.acknowledge(incident, [notified(incident, Agency.DAMKAR)], Agency.DAMKAR, "x", NOW)
    assert change.incident.status is Status.ACKNOWLEDGED


def test_double_acknowledgement_is_illegal() -> None:
    incident = incident_at(Status.DISPATCHED)
    dispatches = [
        notified(incident, Agency.DAMKAR, DispatchStatus.ACKNOWLEDGED),
        notified(incident, Agency.POLICE),
    ]
    with pytest.raises(IllegalTransition, match="already ACKNOWLEDGED"):
        lifecycle.acknowledge(incident, dispatches, Agency.DAMKAR, "agency:damkar", NOW)


def test_acknowledgement_by_an_agency_not_dispatched_is_invalid() -> None:
    incident = incident_at(Status.DISPATCHED)
    dispatches = [notified(incident, a) for a in AGENCIES]
    with pytest.raises(InvalidRequest) as caught:
        lifecycle.acknowledge(incident, dispatches, Agency.BASARNAS, "agency:basarnas", NOW)
    assert caught.value.field == "agency"
    assert "BASARNAS" in caught.value.problem


@pytest.mark.parametrize("status", [Status.IN_REVIEW, Status.VERIFIED])
def test_acknowledgement_before_dispatch_is_illegal(status: Status) -> None:
    incident = incident_at(status)
    with pytest.raises(IllegalTransition):
        lifecycle.acknowledge(incident, [notified(incident, Agency.DAMKAR)], Agency.DAMKAR, "x", NOW)


# -- close and registration -----------------------------------------------------------------------


def test_close_records_the_note() -> None:
    change = lifecycle.close(incident_at(Status.ACKNOWLEDGED), "agency:damkar", "Api padam", NOW)
    assert change.incident.closed_at == NOW
    assert change.audit.reason == "Api padam"


def test_registration_audit_describes_the_new_incident() -> None:
    incident = incident_at(Status.RECEIVED, assigned_to=None, version=1)
    entry = lifecycle.registration_audit(incident)
    assert entry.action is Action.REGISTER
    assert (entry.from_status, entry.to_status) == (None, Status.RECEIVED)
    assert (entry.actor, entry.at, entry.version) == ("system:intake", T0, 1)
    assert entry.details == {"channel": "VOICE"}


def test_reassign_hands_the_incident_to_another_operator_and_says_so() -> None:
    change = lifecycle.reassign(incident_at(Status.IN_REVIEW), SUPERVISOR, OTHER_OPERATOR, NOW)

    assert change.incident.assigned_to == OTHER_OPERATOR
    assert change.incident.status is Status.IN_REVIEW
    assert change.audit.actor == SUPERVISOR
    assert change.audit.details == {"from": OPERATOR, "to": OTHER_OPERATOR}


def test_reassign_to_the_current_assignee_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="already assigned to operator1"):
        lifecycle.reassign(incident_at(Status.IN_REVIEW), SUPERVISOR, OPERATOR, NOW)


def test_locate_keeps_the_latest_handset_position_whatever_the_stage() -> None:
    change = lifecycle.locate(incident_at(Status.DISPATCHED), FIX, "system:aml", NOW)

    assert change.incident.aml == FIX
    assert change.incident.status is Status.DISPATCHED
    assert change.audit.details == {
        "lat": "-8.36611",
        "lon": "114.15012",
        "accuracyM": "14",
        "method": "WIFI",
        "transport": "SMS",
    }


# -- a supervisor's decision on the caller's standing -------------------------------------------------


def test_a_standing_imposed_flags_the_open_incident_and_says_why() -> None:
    flagged = incident_at(Status.RECEIVED).model_copy(update={"flags": [Flag.WARNED]})
    change = lifecycle.mark_standing(flagged, SUPERVISOR, Standing.DEMOTED, "Iseng berulang", NOW)
    assert change.incident.flags == [Flag.DEMOTED]
    assert change.incident.status is Status.RECEIVED
    assert (change.audit.action, change.audit.reason, change.audit.details) == (
        Action.STANDING,
        "Iseng berulang",
        {"standing": "DEMOTED"},
    )


def test_a_lift_takes_the_flag_off_and_keeps_the_others() -> None:
    flagged = incident_at(Status.IN_REVIEW).model_copy(update={"flags": [Flag.LOCATION_ASKED, Flag.DEMOTED]})
    change = lifecycle.mark_standing(flagged, SUPERVISOR, Standing.NORMAL, "Penelepon dikenal", NOW)
    assert change.incident.flags == [Flag.LOCATION_ASKED]


# -- flag -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [s for s in Status if s not in TERMINAL])
def test_flag_adds_the_flag_keeps_the_status_and_says_which(status: Status) -> None:
    before = incident_at(status).model_copy(update={"flags": [Flag.CALLER_UNKNOWN]})

    change = lifecycle.flag(before, Flag.CANNOT_SPEAK, "system:connect", NOW)

    assert change.incident.flags == [Flag.CALLER_UNKNOWN, Flag.CANNOT_SPEAK]
    assert change.incident.status is status
    assert change.audit.details == {"flag": "CANNOT_SPEAK"}
    assert change.incident.assigned_to == before.assigned_to


def test_a_flag_already_there_is_not_added_twice() -> None:
    flagged = incident_at(Status.RECEIVED).model_copy(update={"flags": [Flag.CANNOT_SPEAK]})

    with pytest.raises(InvalidRequest, match="already flagged CANNOT_SPEAK"):
        lifecycle.flag(flagged, Flag.CANNOT_SPEAK, "system:connect", NOW)
