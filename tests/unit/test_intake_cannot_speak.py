"""The flow's second intake invocation: the caller pressed the "cannot speak" key (5 5), and the call's
incident gets the CANNOT_SPEAK flag, found by the contact, once, whatever happened to it meanwhile."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import ConcurrentModification
from core.incidents import FLAG_ATTEMPTS, SYSTEM_CONNECT, SYSTEM_INTAKE, IncidentService
from core.lifecycle import Change
from core.models import Action, Flag, Incident, Rejection, RejectionReason, Status
from core.regency import REGENCIES
from intake.connect import CANNOT_SPEAK, lambda_handler
from intake.connect_event import MAX_FLOW_EVENT, ContactFlowEvent
from tests.fakes import InMemoryIncidentRepository
from tests.support import Clock, FakeLambdaContext, connect_event
from tests.unit.test_intake_connect import assert_string_map


@pytest.fixture
def service(repo: InMemoryIncidentRepository) -> IncidentService:
    return IncidentService(repo, REGENCIES["banyuwangi"], clock=Clock())


def cannot_speak_event(**kwargs: Any) -> dict[str, Any]:
    """What the flow's flag-cannot-speak block sends: the contact's data and `event` = CANNOT_SPEAK."""
    event = connect_event(**kwargs)
    event["Details"]["Parameters"] = {**event["Details"]["Parameters"], "event": CANNOT_SPEAK}
    return event


def test_the_calls_incident_is_flagged_by_the_connect_flow(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    first = lambda_handler(connect_event(), lambda_context, service=service)

    answer = lambda_handler(cannot_speak_event(), lambda_context, service=service)

    assert_string_map(answer)
    assert answer["incidentId"] == first["incidentId"]
    assert answer["cannotSpeak"] == "true"
    assert answer["incidentStatus"] == "RECEIVED"
    incident = repo.incidents[first["incidentId"]]
    assert incident.flags == [Flag.CANNOT_SPEAK]
    assert incident.status is Status.RECEIVED
    register, flagged = repo.timelines[incident.id]
    assert (register.action, register.actor) == (Action.REGISTER, SYSTEM_INTAKE)
    assert (flagged.action, flagged.actor, flagged.details) == (
        Action.FLAG,
        SYSTEM_CONNECT,
        {"flag": "CANNOT_SPEAK"},
    )
    assert (flagged.from_status, flagged.to_status) == (Status.RECEIVED, Status.RECEIVED)
    assert len(repo.incidents) == 1


def test_a_repeated_flag_changes_nothing(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    lambda_handler(connect_event(), lambda_context, service=service)
    lambda_handler(cannot_speak_event(), lambda_context, service=service)

    again = lambda_handler(cannot_speak_event(), lambda_context, service=service)

    assert again["cannotSpeak"] == "true"
    assert again["repeatInvocation"] == "true"
    (incident,) = repo.incidents.values()
    assert incident.flags == [Flag.CANNOT_SPEAK]
    assert [e.action for e in repo.timelines[incident.id]] == [Action.REGISTER, Action.FLAG]


def test_a_call_the_intake_never_registered_is_registered_then_flagged(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    """The first invocation failed or timed out: the key press still makes the call's incident."""
    answer = lambda_handler(cannot_speak_event(), lambda_context, service=service)

    (incident,) = repo.incidents.values()
    assert answer["incidentId"] == incident.id
    assert incident.flags == [Flag.CANNOT_SPEAK]
    assert incident.caller == "+6281234567890"
    assert [e.action for e in repo.timelines[incident.id]] == [Action.REGISTER, Action.FLAG]
    # and the first invocation, late, answers that same incident
    late = lambda_handler(connect_event(), lambda_context, service=service)
    assert late["incidentId"] == incident.id
    assert len(repo.incidents) == 1


def test_an_incident_an_operator_claimed_meanwhile_is_flagged_in_review(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    first = lambda_handler(connect_event(), lambda_context, service=service)
    service.claim(first["incidentId"], "operator1")

    answer = lambda_handler(cannot_speak_event(), lambda_context, service=service)

    incident = repo.incidents[first["incidentId"]]
    assert answer["incidentStatus"] == "IN_REVIEW"
    assert incident.flags == [Flag.CANNOT_SPEAK]
    assert incident.assigned_to == "operator1"


def test_a_rejected_incident_is_answered_and_left_as_it_is(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    first = lambda_handler(connect_event(), lambda_context, service=service)
    service.claim(first["incidentId"], "operator1")
    service.reject(first["incidentId"], "operator1", Rejection(reason=RejectionReason.PRANK))

    answer = lambda_handler(cannot_speak_event(), lambda_context, service=service)

    assert_string_map(answer)
    assert answer["cannotSpeak"] == "false"
    assert answer["incidentStatus"] == "REJECTED"
    assert repo.incidents[first["incidentId"]].flags == []


class AlwaysChanging(InMemoryIncidentRepository):
    """An incident someone else changes between every read and write."""

    def commit(self, change: Change) -> Incident:
        if change.audit.action is Action.FLAG:
            self.calls["commit"] += 1
            raise ConcurrentModification(change.incident.id)
        return super().commit(change)


def test_a_flag_that_keeps_losing_the_race_is_given_up_after_a_bounded_number_of_tries(
    lambda_context: FakeLambdaContext,
) -> None:
    repo = AlwaysChanging()
    service = IncidentService(repo, REGENCIES["banyuwangi"], clock=Clock())
    lambda_handler(connect_event(), lambda_context, service=service)
    repo.calls.clear()

    answer = lambda_handler(cannot_speak_event(), lambda_context, service=service)

    assert_string_map(answer)
    assert answer["cannotSpeak"] == "false"
    assert repo.calls["commit"] == FLAG_ATTEMPTS
    assert repo.calls["get"] >= FLAG_ATTEMPTS  # each try reads the incident again


def test_without_a_contact_id_the_flag_comes_with_an_incident_of_its_own(
    service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    event = cannot_speak_event()
    data = event["Details"]["ContactData"]
    data["ContactId"] = data["InitialContactId"] = None

    answer = lambda_handler(event, lambda_context, service=service)

    assert answer["cannotSpeak"] == "true"
    assert repo.incidents[answer["incidentId"]].flags == [Flag.CANNOT_SPEAK]


@pytest.mark.parametrize("value", ["SOMETHING_NEW", "", 55, None])
def test_any_other_event_registers_the_call_as_the_first_invocation_does(
    value: Any, service: IncidentService, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    event = connect_event()
    event["Details"]["Parameters"]["event"] = value

    answer = lambda_handler(event, lambda_context, service=service)

    assert set(answer) == {
        "incidentId",
        "incidentStatus",
        "callerKnown",
        "repeatInvocation",
        "callerStanding",
        "recentPranks",
        "majorIncident",
    }
    assert repo.incidents[answer["incidentId"]].flags == []


def test_the_event_is_read_whatever_its_case_and_never_beyond_its_bound() -> None:
    def flow_event(value: Any) -> str | None:
        return ContactFlowEvent.parse({"Details": {"Parameters": {"event": value}}}).flow_event()

    assert flow_event(" cannot_speak ") == CANNOT_SPEAK
    assert flow_event("X" * 10_000) == "X" * MAX_FLOW_EVENT
    assert flow_event({"nested": CANNOT_SPEAK}) is None
