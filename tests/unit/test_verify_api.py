"""verify.api.lambda_handler end to end over the in-memory fakes: routes, validation, auth and errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core import lifecycle
from core.agency_directory import DirectoryService
from core.dispatching import Dispatcher
from core.ids import is_ulid
from core.incidents import IncidentService
from core.models import Agency, DispatchStatus, Incident, Status
from core.regency import REGENCIES
from tests.fakes import InMemoryIncidentRepository, RecordingDispatchQueue, RecordingNotifier
from tests.support import (
    EVENTS,
    ROOT,
    Clock,
    FakeLambdaContext,
    apigw_event,
    load_event,
    response_json,
)
from verify.api import lambda_handler

OPENAPI_FILE = ROOT / "functions" / "verify" / "openapi.json"
SAMPLE_ID = "01KB0Z3Q7M2X8N4P6R9T1V5W3Y"  # the incident id the samples in events/apigw/ name


def content_type(response: dict[str, Any]) -> str | None:
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    multi = {k.lower(): v for k, v in (response.get("multiValueHeaders") or {}).items()}
    return headers.get("content-type") or next(iter(multi.get("content-type") or []), None)


@dataclass
class Api:
    """Calls the handler with the test's service, and checks what every answer must be: JSON."""

    service: IncidentService
    context: FakeLambdaContext
    agencies: DirectoryService | None = None

    def __call__(self, event: dict[str, Any]) -> tuple[int, Any]:
        response = lambda_handler(event, self.context, service=self.service, agencies=self.agencies)
        assert content_type(response) == "application/json", response
        return response["statusCode"], response_json(response)


@pytest.fixture
def api(service: IncidentService, lambda_context: FakeLambdaContext, agencies: DirectoryService) -> Api:
    return Api(service, lambda_context, agencies)


# -- helpers: walk an incident through the workflow with the sample events --------------------------


def sample_body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(load_event(f"apigw/{name}.json")["body"])
    return body


def open_incident(api: Api, clock: Clock, request_id: str | None = None, **changes: Any) -> str:
    """POST /incidents from the sample (without clientRequestId unless given); the clock moves 1 s on."""
    body = {**sample_body("open-incident"), **changes}
    body.pop("clientRequestId")
    if request_id:
        body["clientRequestId"] = request_id
    status, incident = api(apigw_event("open-incident", body=body))
    assert status == 201, incident
    clock.advance(seconds=1)
    return str(incident["id"])


def claim(api: Api, incident_id: str, username: str = "operator1") -> tuple[int, Any]:
    return api(apigw_event("claim-incident", incident_id=incident_id, username=username))


def verify(api: Api, incident_id: str, username: str = "operator1", **changes: Any) -> tuple[int, Any]:
    body = {**sample_body("verify-incident"), **changes}
    return api(apigw_event("verify-incident", incident_id=incident_id, body=body, username=username))


def reject(api: Api, incident_id: str, body: dict[str, Any]) -> tuple[int, Any]:
    return api(apigw_event("reject-incident", incident_id=incident_id, body=body))


def acknowledge_event(incident_id: str, agency: Agency, **kwargs: Any) -> dict[str, Any]:
    """The acknowledge sample for `incident_id`, aimed at another agency than the sample's DAMKAR."""
    event = apigw_event("acknowledge-dispatch", incident_id=incident_id, **kwargs)
    sample = event["pathParameters"]["agency"]
    event["pathParameters"]["agency"] = agency.value
    for holder in (event, event["requestContext"]):
        holder["path"] = holder["path"].replace(f"/dispatches/{sample}/", f"/dispatches/{agency.value}/")
    return event


def close(api: Api, incident_id: str) -> tuple[int, Any]:
    return api(apigw_event("close-incident", incident_id=incident_id))


def verified(api: Api, clock: Clock, **changes: Any) -> str:
    incident_id = open_incident(api, clock)
    assert claim(api, incident_id)[0] == 200
    status, body = verify(api, incident_id, **changes)
    assert status == 200, body
    return incident_id


def dispatched(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository, notifier: RecordingNotifier, **changes: Any
) -> str:
    incident_id = verified(api, clock, **changes)
    Dispatcher(repo, notifier, clock).dispatch(incident_id)
    assert repo.incidents[incident_id].status is Status.DISPATCHED
    return incident_id


# -- the queue -------------------------------------------------------------------------------------


def test_list_defaults_to_received_oldest_first(api: Api, clock: Clock) -> None:
    first, second, third = (open_incident(api, clock) for _ in range(3))
    assert claim(api, second)[0] == 200

    status, page = api(apigw_event("list-incidents", query={}))

    assert status == 200
    assert [item["id"] for item in page["items"]] == [first, third]
    assert all(item["status"] == "RECEIVED" for item in page["items"])
    assert page["nextCursor"] is None


def test_list_sample_lists_the_received_queue(api: Api, clock: Clock) -> None:
    ids = [open_incident(api, clock) for _ in range(3)]

    status, page = api(apigw_event("list-incidents"))

    assert status == 200
    assert [item["id"] for item in page["items"]] == ids
    assert page["items"][0]["receivedAt"] == "2026-11-29T03:40:13.123Z"


def test_list_by_another_status(api: Api, clock: Clock) -> None:
    received = open_incident(api, clock)
    in_review = open_incident(api, clock)
    claim(api, in_review)

    status, page = api(apigw_event("list-incidents", query={"status": "IN_REVIEW"}))

    assert status == 200
    assert [item["id"] for item in page["items"]] == [in_review]
    assert page["items"][0]["assignedTo"] == "operator1"
    assert received not in {item["id"] for item in page["items"]}


def test_list_pages_through_the_queue_with_limit_and_cursor(api: Api, clock: Clock) -> None:
    ids = [open_incident(api, clock) for _ in range(5)]

    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        status, page = api(apigw_event("list-incidents", query=query))
        assert status == 200, page
        pages.append([item["id"] for item in page["items"]])
        cursor = page["nextCursor"]
        if cursor is None:
            break
        assert len(pages) < 5, "pagination does not end"

    assert pages == [ids[0:2], ids[2:4], ids[4:5]]


def test_list_rejects_a_cursor_this_api_did_not_hand_out(api: Api, clock: Clock) -> None:
    open_incident(api, clock)

    status, body = api(apigw_event("list-incidents", query={"cursor": "bm90LWEtY3Vyc29y"}))

    assert status == 422
    assert "cursor" in body["message"]
    # The cursor is a query parameter: the error must point there, as Powertools does for `limit`.
    assert [d["loc"] for d in body["detail"]] == [["query", "cursor"]]


def test_list_rejects_a_cursor_of_another_status(api: Api, clock: Clock) -> None:
    for _ in range(2):
        open_incident(api, clock)
    _, page = api(apigw_event("list-incidents", query={"limit": "1"}))
    assert page["nextCursor"]

    status, body = api(
        apigw_event("list-incidents", query={"status": "VERIFIED", "cursor": page["nextCursor"]})
    )

    assert status == 422
    assert "cursor" in body["message"]


def test_list_validates_status_and_limit(api: Api) -> None:
    status, body = api(load_event("apigw/list-incidents-invalid.json"))

    assert status == 422
    locs = {tuple(d["loc"]): d["msg"] for d in body["detail"]}
    assert set(locs) == {("query", "status"), ("query", "limit")}
    assert "RECEIVED" in locs[("query", "status")]
    assert "100" in locs[("query", "limit")]


# -- open ------------------------------------------------------------------------------------------


def test_open_registers_a_received_incident_with_a_normalised_caller(
    api: Api, repo: InMemoryIncidentRepository
) -> None:
    status, incident = api(apigw_event("open-incident", username="siti"))

    assert status == 201
    assert is_ulid(incident["id"])
    assert incident["status"] == "RECEIVED"
    assert incident["channel"] == "WALK_IN"
    assert incident["caller"] == "+6281234567890"  # typed as 0812-3456-7890
    assert incident["createdBy"] == "siti"
    assert incident["location"]["district"] == "Glagah"
    assert incident["summary"] == "Warga datang melapor pohon tumbang menutup jalan"
    assert incident["flags"] == []
    assert incident["version"] == 1
    assert repo.incidents[incident["id"]].caller == "+6281234567890"


def test_open_retried_with_the_same_client_request_id_is_one_incident(
    api: Api, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    _, first = api(apigw_event("open-incident"))
    clock.advance(seconds=5)
    status, retry = api(apigw_event("open-incident"))

    assert status == 200  # nothing new was created
    assert retry["id"] == first["id"]
    assert retry["receivedAt"] == first["receivedAt"]
    assert list(repo.incidents) == [first["id"]]


def test_the_same_client_request_id_from_another_operator_is_another_incident(
    api: Api, repo: InMemoryIncidentRepository
) -> None:
    _, first = api(apigw_event("open-incident", username="operator1"))
    _, other = api(apigw_event("open-incident", username="operator2"))

    assert other["id"] != first["id"]
    assert len(repo.incidents) == 2


def test_open_without_a_caller_flags_it_unknown(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    body = sample_body("open-incident")
    del body["caller"]

    status, incident = api(apigw_event("open-incident", body=body))

    assert status == 201
    assert incident["caller"] is None
    assert incident["flags"] == ["CALLER_UNKNOWN"]
    assert repo.incidents[incident["id"]].caller is None


# -- detail ----------------------------------------------------------------------------------------


def test_get_returns_the_incident_with_its_timeline_in_camel_case(api: Api, clock: Clock) -> None:
    incident_id = open_incident(api, clock)
    claim(api, incident_id)

    status, detail = api(apigw_event("get-incident", incident_id=incident_id))

    assert status == 200
    assert detail["id"] == incident_id
    assert detail["status"] == "IN_REVIEW"
    assert detail["receivedAt"] == "2026-11-29T03:40:13.123Z"
    assert detail["claimedAt"] == "2026-11-29T03:40:14.123Z"
    assert "received_at" not in detail
    assert [(e["action"], e["fromStatus"], e["toStatus"]) for e in detail["timeline"]] == [
        ("REGISTER", None, "RECEIVED"),
        ("CLAIM", "RECEIVED", "IN_REVIEW"),
    ]
    assert [e["actor"] for e in detail["timeline"]] == ["operator1", "operator1"]
    assert all("from_status" not in e and "incidentId" in e for e in detail["timeline"])
    assert detail["dispatches"] == []


def test_get_lists_the_dispatches(api: Api, clock: Clock, repo: InMemoryIncidentRepository) -> None:
    incident_id = dispatched(api, clock, repo, RecordingNotifier())

    status, detail = api(apigw_event("get-incident", incident_id=incident_id))

    assert status == 200
    assert detail["status"] == "DISPATCHED"
    assert [(d["agency"], d["status"], d["messageId"]) for d in detail["dispatches"]] == [
        ("DAMKAR", "NOTIFIED", f"sns-{incident_id}-DAMKAR")
    ]
    assert detail["dispatches"][0]["notifiedAt"] == detail["dispatchedAt"]
    assert [e["action"] for e in detail["timeline"]] == ["REGISTER", "CLAIM", "VERIFY", "DISPATCH"]


def test_get_an_unknown_incident_is_404_naming_it(api: Api) -> None:
    status, body = api(apigw_event("get-incident"))

    assert status == 404
    assert body["statusCode"] == 404
    assert SAMPLE_ID in body["message"]


def test_get_a_malformed_id_is_422(api: Api) -> None:
    status, body = api(load_event("apigw/get-incident-invalid.json"))

    assert status == 422
    assert [d["loc"] for d in body["detail"]] == [["path", "incident_id"]]
    assert "pattern" in body["detail"][0]["msg"]


# -- claim -----------------------------------------------------------------------------------------


def test_claim_assigns_the_incident_to_the_token_user(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    incident_id = open_incident(api, clock)

    status, incident = claim(api, incident_id, username="siti")

    assert status == 200
    assert incident["status"] == "IN_REVIEW"
    assert incident["assignedTo"] == "siti"
    assert incident["claimedAt"] == "2026-11-29T03:40:14.123Z"
    assert incident["version"] == 2
    assert repo.incidents[incident_id].assigned_to == "siti"


def test_claiming_a_claimed_incident_is_409_naming_who_holds_it(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    incident_id = open_incident(api, clock)
    claim(api, incident_id, username="operator1")

    status, body = claim(api, incident_id, username="operator2")

    assert status == 409
    assert body["code"] == "CLAIMED_BY_OTHER"
    assert body["assignedTo"] == "operator1"
    assert repo.incidents[incident_id].assigned_to == "operator1"


def test_a_claim_that_loses_a_race_is_409_naming_the_winner(
    clock: Clock, queue: RecordingDispatchQueue, lambda_context: FakeLambdaContext
) -> None:
    class RacingRepository(InMemoryIncidentRepository):
        """Once armed, another operator claims the incident right after the service has read it."""

        rival: str | None = None

        def get(self, incident_id: str) -> Incident:
            incident = super().get(incident_id)
            if self.rival:
                rival, self.rival = self.rival, None
                self.commit(lifecycle.claim(incident, rival, clock()))
            return incident

    repo = RacingRepository()
    api = Api(IncidentService(repo, REGENCIES["banyuwangi"], queue, clock), lambda_context)
    incident_id = open_incident(api, clock)
    repo.rival = "operator2"

    status, body = claim(api, incident_id, username="operator1")

    assert status == 409
    assert body["code"] == "CLAIMED_BY_OTHER"
    assert body["assignedTo"] == "operator2"
    assert incident_id in body["message"]
    assert repo.incidents[incident_id].assigned_to == "operator2"
    assert repo.incidents[incident_id].version == 2


# -- verify ----------------------------------------------------------------------------------------


def test_verify_grades_a1_routes_fire_to_damkar_and_queues_one_dispatch(
    api: Api, clock: Clock, queue: RecordingDispatchQueue, repo: InMemoryIncidentRepository
) -> None:
    incident_id = open_incident(api, clock)
    claim(api, incident_id)

    status, incident = verify(api, incident_id)

    assert status == 200
    assert incident["status"] == "VERIFIED"
    assert incident["category"] == "FIRE"
    assert incident["priority"] == "P1"
    assert incident["agencies"] == ["DAMKAR"]
    assert incident["location"]["district"] == "Genteng"
    assert incident["verifiedAt"] == "2026-11-29T03:40:14.123Z"
    assert queue.sent == [incident_id]
    assert repo.incidents[incident_id].status is Status.VERIFIED


def test_verify_takes_the_operators_agencies_and_canonical_district(
    api: Api, clock: Clock, queue: RecordingDispatchQueue
) -> None:
    incident_id = open_incident(api, clock)
    claim(api, incident_id)
    location = {**sample_body("verify-incident")["location"], "district": "  genteng"}

    status, incident = verify(api, incident_id, agencies=["POLICE", "DAMKAR", "POLICE"], location=location)

    assert status == 200, incident
    assert incident["agencies"] == ["POLICE", "DAMKAR"]
    assert incident["location"]["district"] == "Genteng"
    assert queue.sent == [incident_id]


def test_verify_still_succeeds_when_the_queue_is_down(
    clock: Clock, repo: InMemoryIncidentRepository, lambda_context: FakeLambdaContext
) -> None:
    # The verification is committed first; the reconciler queues it later.
    queue = RecordingDispatchQueue(failing=True)
    api = Api(IncidentService(repo, REGENCIES["banyuwangi"], queue, clock), lambda_context)
    incident_id = open_incident(api, clock)
    claim(api, incident_id)

    status, incident = verify(api, incident_id)

    assert status == 200
    assert incident["status"] == "VERIFIED"
    assert repo.incidents[incident_id].status is Status.VERIFIED
    assert queue.sent == []


def test_verify_by_another_operator_is_409_claimed_by_other(
    api: Api, clock: Clock, queue: RecordingDispatchQueue, repo: InMemoryIncidentRepository
) -> None:
    incident_id = open_incident(api, clock)
    claim(api, incident_id, username="operator1")

    status, body = verify(api, incident_id, username="operator2")

    assert status == 409
    assert body["code"] == "CLAIMED_BY_OTHER"
    assert body["assignedTo"] == "operator1"
    assert queue.sent == []
    assert repo.incidents[incident_id].status is Status.IN_REVIEW


def test_verify_before_claim_is_409_illegal_transition(
    api: Api, clock: Clock, queue: RecordingDispatchQueue
) -> None:
    incident_id = open_incident(api, clock)

    status, body = verify(api, incident_id)

    assert status == 409
    assert body["code"] == "ILLEGAL_TRANSITION"
    assert "RECEIVED" in body["message"]
    assert queue.sent == []


def test_verify_an_unknown_district_is_422_naming_location_district(
    api: Api, clock: Clock, queue: RecordingDispatchQueue, repo: InMemoryIncidentRepository
) -> None:
    incident_id = open_incident(api, clock)
    claim(api, incident_id)
    location = {**sample_body("verify-incident")["location"], "district": "Atlantis"}

    status, body = verify(api, incident_id, location=location)

    assert status == 422
    assert "location.district" in body["message"]
    assert "Atlantis" in body["message"]
    assert [d["loc"] for d in body["detail"]] == [["body", "location", "district"]]
    assert "Genteng" in body["detail"][0]["msg"]  # lists the districts one may use
    assert queue.sent == []
    assert repo.incidents[incident_id].status is Status.IN_REVIEW


def test_verify_a_malformed_json_body_is_400_naming_the_problem(
    api: Api, clock: Clock, queue: RecordingDispatchQueue, repo: InMemoryIncidentRepository
) -> None:
    incident_id = open_incident(api, clock)
    claim(api, incident_id)
    event = load_event("apigw/verify-incident-malformed.json")
    malformed = event["body"]
    event = apigw_event("verify-incident-malformed", incident_id=incident_id)
    assert event["body"] == malformed

    status, body = api(event)

    assert status == 400
    assert len(body["detail"]) == 1
    problem = body["detail"][0]
    assert problem["loc"][0] == "body"
    assert problem["type"] == "json_invalid"
    assert "JSON" in problem["msg"]
    assert "JSON" in body["message"]
    assert queue.sent == []
    assert repo.incidents[incident_id].status is Status.IN_REVIEW


def test_verify_an_unknown_incident_is_404(api: Api, queue: RecordingDispatchQueue) -> None:
    status, body = api(apigw_event("verify-incident"))

    assert status == 404
    assert SAMPLE_ID in body["message"]
    assert queue.sent == []


# -- reject ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["PRANK", "NON_EMERGENCY"])
def test_reject_as_prank_or_non_emergency(
    reason: str, api: Api, clock: Clock, queue: RecordingDispatchQueue, repo: InMemoryIncidentRepository
) -> None:
    incident_id = open_incident(api, clock)
    claim(api, incident_id)
    body = {**sample_body("reject-incident"), "reason": reason}

    status, incident = reject(api, incident_id, body)

    assert status == 200
    assert incident["status"] == "REJECTED"
    assert incident["rejection"] == {"reason": reason, "duplicateOf": None, "note": body["note"]}
    assert incident["rejectedAt"] == "2026-11-29T03:40:14.123Z"
    assert repo.timelines[incident_id][-1].reason == reason
    assert queue.sent == []


def test_reject_as_duplicate_of_an_existing_incident(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    original = open_incident(api, clock)
    incident_id = open_incident(api, clock)
    claim(api, incident_id)

    status, incident = reject(api, incident_id, {"reason": "DUPLICATE", "duplicateOf": original})

    assert status == 200
    assert incident["status"] == "REJECTED"
    assert incident["rejection"]["reason"] == "DUPLICATE"
    assert incident["rejection"]["duplicateOf"] == original
    assert repo.timelines[incident_id][-1].details["duplicateOf"] == original
    assert repo.incidents[original].status is Status.RECEIVED


def test_reject_as_duplicate_of_an_unknown_incident_is_422(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    incident_id = open_incident(api, clock)
    claim(api, incident_id)

    status, body = reject(api, incident_id, {"reason": "DUPLICATE", "duplicateOf": SAMPLE_ID})

    assert status == 422
    assert [d["loc"] for d in body["detail"]] == [["body", "duplicateOf"]]
    assert SAMPLE_ID in body["detail"][0]["msg"]
    assert repo.incidents[incident_id].status is Status.IN_REVIEW


def test_reject_as_duplicate_of_itself_is_422(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    incident_id = open_incident(api, clock)
    claim(api, incident_id)

    status, body = reject(api, incident_id, {"reason": "DUPLICATE", "duplicateOf": incident_id})

    assert status == 422
    assert "duplicateOf" in body["message"]
    assert repo.incidents[incident_id].status is Status.IN_REVIEW


# -- acknowledge and close -------------------------------------------------------------------------


def test_acknowledge_the_only_dispatched_agency_acknowledges_the_incident(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    incident_id = dispatched(api, clock, repo, RecordingNotifier())
    clock.advance(minutes=2)

    status, incident = api(acknowledge_event(incident_id, Agency.DAMKAR, username="siti"))

    assert status == 200
    assert incident["status"] == "ACKNOWLEDGED"
    assert incident["acknowledgedAt"] == "2026-11-29T03:42:14.123Z"
    (dispatch,) = repo.dispatches[incident_id].values()
    assert dispatch.status is DispatchStatus.ACKNOWLEDGED
    assert dispatch.acknowledged_by == "siti"
    assert dispatch.note == sample_body("acknowledge-dispatch")["note"]


def test_acknowledge_twice_is_409(api: Api, clock: Clock, repo: InMemoryIncidentRepository) -> None:
    incident_id = dispatched(api, clock, repo, RecordingNotifier(), agencies=["DAMKAR", "POLICE"])
    assert api(acknowledge_event(incident_id, Agency.DAMKAR))[0] == 200

    status, body = api(acknowledge_event(incident_id, Agency.DAMKAR))

    assert status == 409
    assert body["code"] == "ILLEGAL_TRANSITION"
    assert repo.incidents[incident_id].status is Status.DISPATCHED


def test_acknowledge_an_agency_that_was_not_dispatched_is_422(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    incident_id = dispatched(api, clock, repo, RecordingNotifier())

    status, body = api(acknowledge_event(incident_id, Agency.POLICE))

    assert status == 422
    assert "POLICE" in body["message"]
    assert repo.incidents[incident_id].status is Status.DISPATCHED
    # The agency is a path parameter: the error must point there, as Powertools does for an unknown agency.
    assert [d["loc"] for d in body["detail"]] == [["path", "agency"]]


def test_acknowledge_without_a_body_records_no_note(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    incident_id = dispatched(api, clock, repo, RecordingNotifier())

    status, incident = api(acknowledge_event(incident_id, Agency.DAMKAR, body=None))

    assert status == 200
    assert incident["status"] == "ACKNOWLEDGED"
    assert repo.dispatches[incident_id][Agency.DAMKAR].note is None
    assert repo.dispatches[incident_id][Agency.DAMKAR].acknowledged_by == "operator1"


def test_acknowledge_before_dispatch_is_409(api: Api, clock: Clock) -> None:
    incident_id = verified(api, clock)

    status, body = api(acknowledge_event(incident_id, Agency.DAMKAR))

    assert status == 409
    assert body["code"] == "ILLEGAL_TRANSITION"
    assert "VERIFIED" in body["message"]


def test_close_by_hand_while_an_agency_has_not_acknowledged(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    incident_id = dispatched(api, clock, repo, RecordingNotifier(), agencies=["DAMKAR", "POLICE"])
    api(acknowledge_event(incident_id, Agency.DAMKAR))

    status, incident = close(api, incident_id)

    assert (status, incident["status"]) == (200, "CLOSED")
    last = repo.timelines[incident_id][-1]
    assert (last.action.value, last.from_status) == ("CLOSE", Status.DISPATCHED)


def test_close_after_every_agency_acknowledged(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    incident_id = dispatched(api, clock, repo, RecordingNotifier(), agencies=["DAMKAR", "POLICE"])

    status, incident = api(acknowledge_event(incident_id, Agency.DAMKAR))
    assert (status, incident["status"]) == (200, "DISPATCHED")

    status, incident = api(acknowledge_event(incident_id, Agency.POLICE))
    assert (status, incident["status"]) == (200, "ACKNOWLEDGED")
    clock.advance(hours=1)
    status, incident = close(api, incident_id)

    assert status == 200
    assert incident["status"] == "CLOSED"
    assert incident["closedAt"] == "2026-11-29T04:40:14.123Z"
    last = repo.timelines[incident_id][-1]
    assert (last.action.value, last.from_status, last.reason) == (
        "CLOSE",
        Status.ACKNOWLEDGED,
        sample_body("close-incident")["note"],
    )
    assert [e.action.value for e in repo.timelines[incident_id]] == [
        "REGISTER",
        "CLAIM",
        "VERIFY",
        "DISPATCH",
        "AGENCY_ACKNOWLEDGE",
        "ACKNOWLEDGE",
        "CLOSE",
    ]


# -- after verification: update, cancel, reopen (docs/api.md) -------------------------------------------


def test_an_update_after_dispatch_changes_the_incident_and_says_what_changed(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    incident_id = dispatched(api, clock, repo, RecordingNotifier())

    status, incident = api(apigw_event("update-incident", incident_id=incident_id, username="operator2"))

    assert (status, incident["status"]) == (200, "DISPATCHED")
    assert incident["summary"] == sample_body("update-incident")["summary"]
    last = repo.timelines[incident_id][-1]
    assert (last.action.value, last.actor, last.details["changed"]) == ("UPDATE", "operator2", "summary")
    again_status, again = api(apigw_event("update-incident", incident_id=incident_id))
    assert (again_status, again["version"]) == (200, incident["version"])  # nothing differs: nothing changes


def test_an_update_of_an_incident_under_review_is_409(api: Api, clock: Clock) -> None:
    incident_id = open_incident(api, clock)
    assert claim(api, incident_id)[0] == 200

    status, body = api(apigw_event("update-incident", incident_id=incident_id))

    assert (status, body["code"]) == (409, "ILLEGAL_TRANSITION")


def test_cancel_closes_with_the_reason_and_a_supervisor_reopens_it(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    incident_id = dispatched(api, clock, repo, RecordingNotifier())

    status, incident = api(apigw_event("cancel-incident", incident_id=incident_id))

    assert (status, incident["status"]) == (200, "CLOSED")
    assert incident["cancellation"]["reason"] == sample_body("cancel-incident")["reason"]
    assert incident["cancellation"]["by"] == "operator1"

    refused, _ = api(apigw_event("reopen-incident", incident_id=incident_id, username="operator1"))
    assert refused == 403
    status, incident = api(
        apigw_event("reopen-incident", incident_id=incident_id, username="supervisor1", groups="supervisor")
    )
    assert (status, incident["status"], incident.get("cancellation")) == (200, "DISPATCHED", None)
    last = repo.timelines[incident_id][-1]
    assert (last.action.value, last.from_status, last.to_status) == (
        "REOPEN",
        Status.CLOSED,
        Status.DISPATCHED,
    )
    assert last.reason == sample_body("reopen-incident")["reason"]


def test_a_wrong_rejection_is_reopened_into_review_with_the_supervisor(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository
) -> None:
    incident_id = open_incident(api, clock)
    assert claim(api, incident_id)[0] == 200
    assert reject(api, incident_id, {"reason": "PRANK"})[0] == 200

    status, incident = api(
        apigw_event("reopen-incident", incident_id=incident_id, username="supervisor1", groups="supervisor")
    )

    assert (status, incident["status"], incident["assignedTo"]) == (200, "IN_REVIEW", "supervisor1")
    assert incident.get("rejection") is None


# -- who is calling --------------------------------------------------------------------------------


def test_me_returns_the_username_and_groups(api: Api) -> None:
    status, me = api(apigw_event("me"))

    assert status == 200
    assert me == {"username": "operator1", "groups": ["operator"]}


def test_me_reads_groups_as_api_gateway_passes_them(api: Api) -> None:
    status, me = api(apigw_event("me", username="siti", groups="[supervisor operator]"))

    assert status == 200
    assert me == {"username": "siti", "groups": ["operator", "supervisor"]}


def test_no_authorizer_claims_is_401(api: Api, clock: Clock, repo: InMemoryIncidentRepository) -> None:
    incident_id = open_incident(api, clock)
    event = load_event("apigw/claim-incident-invalid.json")
    assert "authorizer" not in event["requestContext"]
    event = apigw_event("claim-incident-invalid", incident_id=incident_id, username=None)

    status, body = api(event)

    assert status == 401
    assert body["statusCode"] == 401
    assert repo.incidents[incident_id].status is Status.RECEIVED


@pytest.mark.parametrize("name", ["me", "list-incidents", "get-incident", "open-incident"])
def test_every_incident_route_needs_claims(name: str, api: Api, repo: InMemoryIncidentRepository) -> None:
    status, _ = api(apigw_event(name, username=None))

    assert status == 401
    assert repo.incidents == {}


def test_a_user_outside_the_operator_groups_is_403(api: Api) -> None:
    event = load_event("apigw/me-invalid.json")

    status, body = api(event)

    assert status == 403
    username = event["requestContext"]["authorizer"]["claims"]["cognito:username"]
    assert username in body["message"]


def test_an_admin_cannot_claim(api: Api, clock: Clock, repo: InMemoryIncidentRepository) -> None:
    incident_id = open_incident(api, clock)

    status, _ = api(apigw_event("claim-incident", incident_id=incident_id, username="root", groups="admin"))

    assert status == 403
    assert repo.incidents[incident_id].status is Status.RECEIVED


# -- validation of every invalid sample ------------------------------------------------------------

INVALID_SAMPLES: dict[str, tuple[int, set[tuple[str | int, ...]]]] = {
    "acknowledge-dispatch-invalid": (422, {("path", "agency")}),
    "claim-incident-invalid": (401, set()),
    "close-incident-invalid": (422, {("body", "note")}),
    "get-incident-invalid": (422, {("path", "incident_id")}),
    "list-incidents-invalid": (422, {("query", "status"), ("query", "limit")}),
    "me-invalid": (403, set()),
    "list-operators-invalid": (403, set()),
    "reassign-incident-invalid": (422, {("body", "assignee")}),
    "open-incident-invalid": (422, {("body", "channel"), ("body", "caller"), ("body", "location")}),
    "open-incident-voice-invalid": (422, {("body", "contactId"), ("body", "caller"), ("body", "summary")}),
    "reject-incident-invalid": (422, {("body", "duplicateOf")}),
    "verify-incident-invalid": (422, {("body", "category"), ("body", "location"), ("body", "summary")}),
    "list-callbacks-invalid": (422, {("query", "limit")}),
    "record-callback-invalid": (422, {("body", "outcome"), ("body", "clientAttemptId")}),
    "close-unreachable-invalid": (422, {("body", "note"), ("body", "reason")}),
    "mark-silent-invalid": (400, set()),
    "get-caller-invalid": (422, {("path", "number")}),
    "set-caller-standing-invalid": (422, {("body", "standing"), ("body", "reason"), ("body", "until")}),
    "list-standings-invalid": (422, {("query", "limit")}),
    "update-agency-post-invalid": (
        422,
        {
            ("body", "name"),
            ("body", "contacts", "sms", 0),
            ("body", "contacts", "https", "url"),
            ("body", "duty"),
            ("body", "version"),
            ("body", "reason"),
        },
    ),
    "agency-suggestion-invalid": (422, {("query", "category"), ("query", "agencies"), ("query", "lat")}),
    "related-incidents-invalid": (422, {("path", "incident_id")}),
    "attach-incident-invalid": (422, {("body", "parentId"), ("body", "extra")}),
    "detach-incident-invalid": (422, {("body", "reason")}),
    "add-note-invalid": (422, {("body", "text"), ("body", "by")}),
    "write-message-invalid": (422, {("body", "messageId"), ("body", "text")}),
    "update-incident-invalid": (422, {("body", "priority"), ("body", "agencies")}),
    "cancel-incident-invalid": (422, {("body", "reason"), ("body", "note")}),
    "reopen-incident-invalid": (422, {("body", "reason")}),
    "get-stats-invalid": (422, {("query", "from"), ("query", "by")}),
    "search-incidents-invalid": (422, {("query", "category"), ("query", "limit")}),
    "monthly-report-invalid": (422, {("path", "month")}),
    "monthly-csv-invalid": (422, {("path", "month")}),
    "declare-major-incident-invalid": (
        422,
        {
            ("body", "parentId"),
            ("body", "area", "district"),
            ("body", "area", "radiusMeters"),
            ("body", "message"),
        },
    ),
}


def test_every_invalid_sample_of_this_api_is_covered() -> None:
    operators_paths = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))["paths"]
    on_disk = {
        p.stem
        for p in (EVENTS / "apigw").glob("*-invalid.json")
        if load_event(f"apigw/{p.name}")["resource"] in operators_paths
    }
    assert on_disk == set(INVALID_SAMPLES)


@pytest.mark.parametrize("name", sorted(INVALID_SAMPLES))
def test_each_invalid_sample_is_refused_with_each_bad_field_named(
    name: str, api: Api, repo: InMemoryIncidentRepository, queue: RecordingDispatchQueue
) -> None:
    expected_status, expected_locs = INVALID_SAMPLES[name]

    status, body = api(load_event(f"apigw/{name}.json"))

    assert status == expected_status, body
    assert body["statusCode"] == expected_status
    assert body["message"]
    if expected_status == 422:
        assert {tuple(d["loc"]) for d in body["detail"]} == expected_locs
        for problem in body["detail"]:
            assert isinstance(problem["msg"], str)
            assert len(problem["msg"]) > 5, problem
            assert ".".join(str(p) for p in problem["loc"]) in body["message"]
    assert repo.calls["commit"] == 0
    assert queue.sent == []


def test_the_reject_sample_error_says_duplicate_of_is_required(api: Api) -> None:
    status, body = api(load_event("apigw/reject-incident-invalid.json"))

    assert status == 422
    assert "duplicateOf is required" in body["detail"][0]["msg"]


def test_an_unknown_channel_names_the_allowed_channels_as_a_person_types_them(api: Api) -> None:
    status, body = api(load_event("apigw/open-incident-invalid.json"))

    assert status == 422
    (channel,) = [d for d in body["detail"] if d["loc"] == ["body", "channel"]]
    for allowed in ("WALK_IN", "RADIO", "OTHER", "VOICE"):
        assert f"'{allowed}'" in channel["msg"]
    # No Python enum reprs such as <Channel.WALK_IN: 'WALK_IN'> in an answer meant for operators.
    assert "<" not in channel["msg"], channel["msg"]
    assert "Channel." not in channel["msg"], channel["msg"]


# A JSON integer longer than Python converts (4,300 digits): json.loads raises ValueError, not
# JSONDecodeError, so Powertools let it through as a 502 on every JSON route.
HUGE_INTEGER = "9" * 5000


@pytest.mark.parametrize("route", ["open-incident", "verify-incident", "close-incident"])
def test_a_json_integer_python_cannot_convert_is_a_400(
    api: Api, clock: Clock, repo: InMemoryIncidentRepository, route: str
) -> None:
    incident_id = open_incident(api, clock)
    claim(api, incident_id)
    body = json.dumps({**sample_body(route), "summary": "SUMMARY"}).replace('"SUMMARY"', HUGE_INTEGER)
    before = repo.incidents[incident_id]

    aimed_at = None if route == "open-incident" else incident_id
    status, answer = api(apigw_event(route, incident_id=aimed_at, body=body))

    assert status == 400, answer
    assert [d["type"] for d in answer["detail"]] == ["json_invalid"]
    assert "not JSON" in answer["message"]
    assert repo.incidents[incident_id] == before
    assert len(repo.incidents) == 1


# -- the public document ---------------------------------------------------------------------------


def test_the_openapi_document_is_public_and_is_the_committed_file(api: Api) -> None:
    event = load_event("apigw/openapi.json")
    assert "authorizer" not in event["requestContext"]

    status, document = api(event)

    assert status == 200
    assert document == json.loads(Path(OPENAPI_FILE).read_text(encoding="utf-8"))
    assert "/incidents/{incident_id}/verify" in document["paths"]
