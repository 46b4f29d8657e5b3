"""verify-api's callers routes over the in-memory fakes: a caller's history for operators and supervisors
only, the number in E.164 (URL-encoded) in the path, a supervisor's lift or imposition, audited, and the
supervisors' list of current standings."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from core.errors import CallerStandingChanged
from core.incidents import IncidentService, Report
from core.models import Channel, Rejection, RejectionReason
from core.regency import REGENCIES
from core.standing import CallerAuditEntry, CallerRecord
from tests.fakes import InMemoryIncidentRepository, RecordingDispatchQueue
from tests.support import Clock, FakeLambdaContext, apigw_event, load_event, response_json
from verify.api import lambda_handler

CALLER = "+6281234567890"  # the number the samples in events/apigw/ name


def call_api(service: IncidentService, context: FakeLambdaContext, event: dict[str, Any]) -> tuple[int, Any]:
    response = lambda_handler(event, context, service=service)
    return response["statusCode"], response_json(response)


def caller_event(number: str = "%2B6281234567890", **kwargs: Any) -> dict[str, Any]:
    event = apigw_event("get-caller", **kwargs)
    event["path"] = f"/callers/{number}"
    event["pathParameters"] = {"number": number}
    return event


def standing_event(
    body: dict[str, Any], groups: str = "supervisor", username: str = "supervisor"
) -> dict[str, Any]:
    return apigw_event("set-caller-standing", body=body, groups=groups, username=username)


def prank_calls(service: IncidentService, clock: Clock, count: int) -> list[str]:
    ids = []
    for n in range(count):
        report = Report(
            channel=Channel.VOICE, actor="system:intake", caller=CALLER, dedupe_key=f"CONTACT#p{n}"
        )
        incident, _ = service.register(report)
        service.claim(incident.id, "operator1")
        service.reject(
            incident.id, "operator1", Rejection(reason=RejectionReason.PRANK, note="tertawa lalu tutup")
        )
        clock.advance(minutes=10)
        ids.append(incident.id)
    return ids


@pytest.fixture
def api(service: IncidentService, lambda_context: FakeLambdaContext) -> Any:
    return lambda event: call_api(service, lambda_context, event)


# -- GET /callers/{number} ------------------------------------------------------------------------------


def test_an_operator_reads_a_callers_history_and_standing(
    api: Any, service: IncidentService, clock: Clock
) -> None:
    ids = prank_calls(service, clock, 3)

    status, body = api(load_event("apigw/get-caller.json"))

    assert status == 200, body
    assert body["caller"] == CALLER
    assert body["standing"]["standing"] == "WARNED"
    assert body["standing"]["recentPranks"] == 3
    assert body["standing"]["strikes"] == 3
    assert [h["id"] for h in body["history"]] == list(reversed(ids))
    assert {h["outcome"] for h in body["history"]} == {"PRANK"}
    assert body["historyDays"] == 30
    assert body["timeline"] == []


@pytest.mark.parametrize(
    "spelled", ["%2B6281234567890", "+6281234567890", "081234567890", "%2b6281234567890"]
)
def test_the_number_is_read_in_e164_url_encoded_or_not(api: Any, spelled: str) -> None:
    status, body = api(caller_event(spelled))
    assert status == 200, body
    assert body["caller"] == CALLER


@pytest.mark.parametrize("spelled", ["%2B62-not-a-number", "hello", "%2B0012", "%2B" + "9" * 40])
def test_a_path_that_is_no_number_is_refused(api: Any, spelled: str) -> None:
    status, body = api(caller_event(spelled))
    assert status == 422, body
    assert body["detail"][0]["loc"][:2] == ["path", "number"]


def test_the_invalid_sample_is_refused(api: Any) -> None:
    status, body = api(load_event("apigw/get-caller-invalid.json"))
    assert status == 422, body


def test_without_a_token_or_group_no_history(api: Any) -> None:
    assert api(caller_event(username=None))[0] == 401
    assert api(caller_event(groups="admin"))[0] == 403


# -- POST /callers/{number}/standing --------------------------------------------------------------------


def test_a_supervisor_lifts_a_standing_and_the_number_says_who_and_why(
    api: Any, service: IncidentService, clock: Clock
) -> None:
    prank_calls(service, clock, 3)

    status, body = api(load_event("apigw/set-caller-standing.json"))

    assert status == 200, body
    assert body["standing"]["standing"] == "NORMAL"
    (entry,) = body["timeline"]
    assert entry["change"] == "LIFT"
    assert (entry["actor"], entry["fromStanding"], entry["toStanding"]) == ("supervisor", "WARNED", "NORMAL")
    assert entry["reason"] == json.loads(load_event("apigw/set-caller-standing.json")["body"])["reason"]


def test_a_supervisor_imposes_a_demotion_until_a_time(api: Any, clock: Clock) -> None:
    until = (clock() + timedelta(hours=6)).isoformat()
    status, body = api(standing_event({"standing": "DEMOTED", "reason": "Mengancam petugas", "until": until}))
    assert status == 200, body
    assert body["standing"]["standing"] == "DEMOTED"
    assert body["standing"]["imposed"] is True
    assert body["standing"]["reason"] == "Mengancam petugas"
    assert body["standing"]["decidedBy"] == "supervisor"


def test_operators_cannot_change_a_standing(api: Any) -> None:
    status, _ = api(
        standing_event({"standing": "NORMAL", "reason": "dikenal"}, groups="operator", username="op1")
    )
    assert status == 403


@pytest.mark.parametrize(
    "body",
    [
        {"standing": "BLOCKED", "reason": "iseng"},  # no such standing: nothing ever blocks a caller
        {"standing": "NORMAL"},
        {"standing": "NORMAL", "reason": "x"},
        {"standing": "NORMAL", "reason": "dikenal", "until": "2030-01-01T00:00:00Z"},
        {"standing": "WARNED", "reason": "iseng", "until": "2020-01-01T00:00:00Z"},
        {"standing": "WARNED", "reason": "iseng", "until": "2030-01-01T00:00:00"},  # no zone
        {"standing": "WARNED", "reason": "iseng", "extra": 1},
    ],
)
def test_a_decision_that_does_not_hold_is_a_422(api: Any, body: dict[str, Any]) -> None:
    status, answer = api(standing_event(body))
    assert status == 422, answer


def test_the_invalid_standing_sample_is_refused(api: Any) -> None:
    assert api(load_event("apigw/set-caller-standing-invalid.json"))[0] == 422


def test_a_decision_that_lost_a_race_is_a_409(lambda_context: FakeLambdaContext, clock: Clock) -> None:
    class Raced(InMemoryIncidentRepository):
        def save_caller_record(
            self,
            record: CallerRecord,
            expected_version: int,
            expires_at: int | None,
            audit: CallerAuditEntry | None = None,
            audit_expires_at: int | None = None,
        ) -> CallerRecord:
            raise CallerStandingChanged(record.caller)

    service = IncidentService(Raced(), REGENCIES["banyuwangi"], RecordingDispatchQueue(), clock)
    status, body = call_api(service, lambda_context, load_event("apigw/set-caller-standing.json"))
    assert status == 409, body
    assert body["code"] == "CONFLICT"
    assert CALLER not in body["message"]


# -- GET /callers: the supervisors' list ----------------------------------------------------------------


def test_supervisors_list_the_numbers_with_a_standing_now(
    api: Any, service: IncidentService, clock: Clock
) -> None:
    prank_calls(service, clock, 3)

    status, page = api(load_event("apigw/list-standings.json"))

    assert status == 200, page
    (row,) = page["items"]
    assert (row["caller"], row["standing"], row["recentPranks"], row["imposed"]) == (
        CALLER,
        "WARNED",
        3,
        False,
    )
    assert page["nextCursor"] is None


def test_operators_do_not_get_the_list(api: Any) -> None:
    event = load_event("apigw/list-standings.json")
    event["requestContext"]["authorizer"]["claims"]["cognito:groups"] = "operator"
    assert api(event)[0] == 403


def test_the_invalid_list_sample_is_refused(api: Any) -> None:
    assert api(load_event("apigw/list-standings-invalid.json"))[0] == 422


def test_a_cursor_this_api_did_not_give_is_refused(api: Any) -> None:
    event = load_event("apigw/list-standings.json")
    event["queryStringParameters"] = {"cursor": "bm90LWEtY3Vyc29y"}
    event["multiValueQueryStringParameters"] = {"cursor": ["bm90LWEtY3Vyc29y"]}
    status, body = api(event)
    assert status == 422, body


# -- the incident carries its standing ------------------------------------------------------------------


def test_the_incident_of_a_warned_call_says_so(api: Any, service: IncidentService, clock: Clock) -> None:
    prank_calls(service, clock, 3)
    report = Report(channel=Channel.VOICE, actor="system:intake", caller=CALLER, dedupe_key="CONTACT#fourth")
    incident, _ = service.register(report)

    status, body = api(apigw_event("get-incident", incident_id=incident.id))

    assert status == 200, body
    assert "WARNED" in body["flags"]
    assert body["recentPranks"] == 3
