"""Contact events and the callback desk through the local stack: events sent to the contact-events queue
reach the incident through intake-calls (the answering agent resolved by the DescribeUser stand-in), an
abandoned call appears in GET /callbacks, attempts are recorded, a reached caller goes into review and an
unreachable one is closed."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

from local.contact_events import call_events, send
from local.simulator import ApiClient, place_call
from tests.integration.helpers import wait_for

EVENTS_TIMEOUT = 30.0  # seconds for SQS → intake-calls → the incident


def new_call(endpoints: dict[str, Any]) -> tuple[str, str, str]:
    """A 112 call through the Connect intake: (its contact id, its incident id, the caller)."""
    contact = str(uuid.uuid4())
    caller = f"+62812{random.randrange(10**7):07d}"
    incident_id = place_call(endpoints, caller, contact)["incidentId"]
    return contact, incident_id, caller


def detail(api: ApiClient, incident_id: str) -> dict[str, Any]:
    response = api.get(f"/incidents/{incident_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def desk(api: ApiClient) -> list[dict[str, Any]]:
    response = api.get("/callbacks", limit=50)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def on_desk(api: ApiClient, incident_id: str) -> dict[str, Any] | None:
    return next((entry for entry in desk(api) if entry["incident"]["id"] == incident_id), None)


def abandoned_call(endpoints: dict[str, Any], api: ApiClient) -> str:
    contact, incident_id, _ = new_call(endpoints)
    send(endpoints, call_events(contact, answered_by=None, queue_wait=41))
    wait_for(lambda: on_desk(api, incident_id), EVENTS_TIMEOUT, f"{incident_id} on the callback desk")
    return incident_id


def test_an_answered_calls_times_and_operator_reach_its_incident(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    contact, incident_id, _ = new_call(endpoints)
    events = call_events(contact, answered_by="operator3", queue_wait=9.5)
    send(endpoints, [*reversed(events), events[1]])  # out of order, and one twice

    def recorded() -> dict[str, Any] | None:
        call = detail(operator1, incident_id).get("call")
        return call if call and call.get("disconnectedAt") and call.get("answeredBy") else None

    call = wait_for(recorded, EVENTS_TIMEOUT, "the call's times on its incident")
    assert call["answeredBy"] == "operator3"  # agent → username through DescribeUser (the stand-in)
    assert call["queueToAnswerSeconds"] == 9.5
    assert call["ringToAnswerSeconds"] == 17.5
    assert call["abandoned"] is False
    assert operator1.post(f"/incidents/{incident_id}/claim").status_code == 200
    claimed = detail(operator1, incident_id)
    assert claimed["call"]["answerToClaimSeconds"] is not None
    assert "ABANDONED" not in claimed["flags"]
    assert [entry["action"] for entry in claimed["timeline"]] == ["REGISTER", "CLAIM"]


def test_an_event_before_the_intake_is_kept_for_the_incident(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    contact = str(uuid.uuid4())
    initiated, queued, *_ = call_events(contact, answered_by="operator2")
    send(endpoints, [initiated])  # Connect's INITIATED fires before the flow invokes the intake
    incident_id = place_call(endpoints, "+6281311112222", contact)["incidentId"]
    send(endpoints, [queued])

    def both() -> dict[str, Any] | None:
        call = detail(operator1, incident_id).get("call")
        return call if call and call.get("initiatedAt") and call.get("queuedAt") else None

    call = wait_for(both, EVENTS_TIMEOUT, "the initiated time kept from before the incident existed")
    assert call["ringToQueueSeconds"] == 8.0


def test_an_abandoned_call_goes_to_the_desk_and_is_closed_unreachable_after_three_attempts(
    endpoints: dict[str, Any], operator1: ApiClient, operator2: ApiClient
) -> None:
    incident_id = abandoned_call(endpoints, operator1)
    entry = on_desk(operator1, incident_id)
    assert entry is not None
    assert entry["incident"]["status"] == "RECEIVED"
    assert "ABANDONED" in entry["incident"]["flags"]
    assert entry["incident"]["callback"]["queueWaitSeconds"] == 41
    assert (entry["failedAttempts"], entry["attemptsAllowed"], entry["mayCloseUnreachable"]) == (0, 3, False)
    refused = operator2.post(f"/incidents/{incident_id}/unreachable", {})
    assert refused.status_code == 409, refused.text
    for n, outcome in enumerate(["NO_ANSWER", "BUSY", "NO_ANSWER"], start=1):
        response = operator2.post(
            f"/incidents/{incident_id}/callbacks",
            {"outcome": outcome, "clientAttemptId": f"{incident_id}-{n}"},
        )
        assert response.status_code == 200, response.text
    again = operator2.post(
        f"/incidents/{incident_id}/callbacks", {"outcome": "NO_ANSWER", "clientAttemptId": f"{incident_id}-3"}
    )
    assert len(again.json()["callback"]["attempts"]) == 3  # a retry records nothing twice
    entry = on_desk(operator1, incident_id)
    assert entry is not None
    assert (entry["failedAttempts"], entry["mayCloseUnreachable"]) == (3, True)
    closed = operator2.post(f"/incidents/{incident_id}/unreachable", {"note": "Tidak pernah diangkat"})
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["rejection"]["reason"]) == ("REJECTED", "UNREACHABLE")
    assert on_desk(operator1, incident_id) is None
    actions = [entry["action"] for entry in detail(operator1, incident_id)["timeline"]]
    assert actions == ["REGISTER", "ABANDON", "CALLBACK", "CALLBACK", "CALLBACK", "CLOSE_UNREACHABLE"]


def test_a_caller_reached_goes_into_review_with_the_operator_who_called_back(
    endpoints: dict[str, Any], operator1: ApiClient, api_for: Callable[[str], ApiClient]
) -> None:
    incident_id = abandoned_call(endpoints, operator1)
    operator4 = api_for("operator4")
    response = operator4.post(
        f"/incidents/{incident_id}/callbacks", {"outcome": "REACHED", "note": "Ibu pelapor"}
    )
    assert response.status_code == 200, response.text
    incident = response.json()
    assert (incident["status"], incident["assignedTo"]) == ("IN_REVIEW", "operator4")
    assert on_desk(operator1, incident_id) is None
    mine = operator4.get("/incidents", status="IN_REVIEW", limit=100).json()["items"]
    assert incident_id in [item["id"] for item in mine]


def test_a_silent_call_is_marked_and_goes_to_the_desk(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    contact, incident_id, _ = new_call(endpoints)
    send(endpoints, call_events(contact, answered_by="operator1"))
    assert operator1.post(f"/incidents/{incident_id}/claim").status_code == 200
    marked = operator1.post(f"/incidents/{incident_id}/silent", {"note": "Hanya suara napas"})
    assert marked.status_code == 200, marked.text
    assert "SILENT" in marked.json()["flags"]
    entry = on_desk(operator1, incident_id)
    assert entry is not None
    assert entry["incident"]["callback"]["reason"] == "SILENT"
