"""The whole pipeline on the local stack: a 112 call through Connect's Lambda, the operators' REST API with
real Cognito tokens, the dispatch queue, the dispatch worker and the agencies' SNS subscriptions."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from local.aws import client
from local.simulator import INTAKE_FUNCTION, ApiClient, agency_inbox, connect_event, id_token, place_call
from tests.integration.helpers import fire_in_genteng, queue_items, wait_for_status

CALLER = "+6281234567890"
UNKNOWN_ID = "01JDQ2V7X5T8K3M9P4R6S1W0YZ"  # a well-formed ULID no incident has


def new_incident(endpoints: dict[str, Any], caller: str | None = CALLER) -> str:
    answer = place_call(endpoints, caller)
    assert answer["incidentStatus"] == "RECEIVED"
    return answer["incidentId"]


def claimed(endpoints: dict[str, Any], api: ApiClient) -> str:
    incident_id = new_incident(endpoints)
    response = api.post(f"/incidents/{incident_id}/claim")
    assert response.status_code == 200, response.text
    return incident_id


def dispatched(endpoints: dict[str, Any], api: ApiClient) -> str:
    incident_id = claimed(endpoints, api)
    response = api.post(f"/incidents/{incident_id}/verify", fire_in_genteng())
    assert response.status_code == 200, response.text
    wait_for_status(api, incident_id, "DISPATCHED")
    return incident_id


def inbox_ids(endpoints: dict[str, Any], agency: str) -> list[str]:
    return [message["incident"]["id"] for message in agency_inbox(endpoints, agency)]


# -- the happy path -------------------------------------------------------------------------------


def test_call_verified_as_fire_is_dispatched_to_the_fire_brigade(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    answer = place_call(endpoints, CALLER)
    incident_id = answer["incidentId"]
    # The caller's standing depends on what other tests made of this shared number (test_callers.py), the
    # major incident on whether one is declared meanwhile (test_major_incidents.py).
    shared = {"callerStanding", "recentPranks", "majorIncident", "majorIncidentMessage"}
    assert {k: v for k, v in answer.items() if k not in shared} == {
        "incidentId": incident_id,
        "incidentStatus": "RECEIVED",
        "callerKnown": "true",
        "repeatInvocation": "false",
    }
    assert answer["callerStanding"] in {"NORMAL", "WARNED", "DEMOTED"}
    assert answer["recentPranks"].isdigit()
    assert answer["majorIncident"] in {"true", "false"}
    assert incident_id in [item["id"] for item in queue_items(operator1, "RECEIVED")]

    claim = operator1.post(f"/incidents/{incident_id}/claim")
    assert claim.status_code == 200, claim.text
    assert claim.json()["status"] == "IN_REVIEW"
    assert claim.json()["assignedTo"] == "operator1"

    verify = operator1.post(f"/incidents/{incident_id}/verify", fire_in_genteng())
    assert verify.status_code == 200, verify.text
    assert verify.json()["status"] == "VERIFIED"
    assert verify.json()["agencies"] == ["DAMKAR"]
    assert verify.json()["location"]["district"] == "Genteng"

    detail = wait_for_status(operator1, incident_id, "DISPATCHED")
    assert detail["caller"] == CALLER
    assert [(d["agency"], d["status"]) for d in detail["dispatches"]] == [("DAMKAR", "NOTIFIED")]
    timeline = [(e["fromStatus"], e["toStatus"], e["actor"]) for e in detail["timeline"]]
    assert timeline == [
        (None, "RECEIVED", "system:intake"),
        ("RECEIVED", "IN_REVIEW", "operator1"),
        ("IN_REVIEW", "VERIFIED", "operator1"),
        ("VERIFIED", "DISPATCHED", "system:dispatch"),
    ]
    assert [e["version"] for e in detail["timeline"]] == [1, 2, 3, 4]
    assert incident_id not in [item["id"] for item in queue_items(operator1, "RECEIVED")]

    damkar = [m for m in agency_inbox(endpoints, "DAMKAR") if m["incident"]["id"] == incident_id]
    assert len(damkar) == 1
    assert damkar[0]["agency"] == "DAMKAR"
    assert damkar[0]["incident"]["category"] == "FIRE"
    assert incident_id not in inbox_ids(endpoints, "POLICE")


def test_prank_call_is_rejected_and_never_dispatched(endpoints: dict[str, Any], operator1: ApiClient) -> None:
    incident_id = claimed(endpoints, operator1)
    note = "anak-anak bermain telepon, sudah dinasihati"

    reject = operator1.post(f"/incidents/{incident_id}/reject", {"reason": "PRANK", "note": note})

    assert reject.status_code == 200, reject.text
    assert reject.json()["status"] == "REJECTED"
    assert reject.json()["rejection"]["reason"] == "PRANK"
    detail = operator1.get(f"/incidents/{incident_id}").json()
    assert detail["status"] == "REJECTED"
    assert detail["dispatches"] == []
    assert detail["dispatchedAt"] is None
    last = detail["timeline"][-1]
    assert (last["fromStatus"], last["toStatus"], last["actor"]) == ("IN_REVIEW", "REJECTED", "operator1")
    assert last["reason"] == "PRANK"
    assert last["details"]["note"] == note
    verify = operator1.post(f"/incidents/{incident_id}/verify", fire_in_genteng())
    assert verify.status_code == 409, verify.text
    assert verify.json()["code"] == "ILLEGAL_TRANSITION"
    assert incident_id not in inbox_ids(endpoints, "DAMKAR")


def test_two_operators_claiming_at_once_one_wins(
    endpoints: dict[str, Any], operator1: ApiClient, operator2: ApiClient
) -> None:
    incident_id = new_incident(endpoints)
    barrier = threading.Barrier(2)
    results: dict[str, requests.Response] = {}

    def claim(name: str, api: ApiClient) -> None:
        barrier.wait(timeout=10)
        results[name] = api.post(f"/incidents/{incident_id}/claim")

    threads = [
        threading.Thread(target=claim, args=("operator1", operator1)),
        threading.Thread(target=claim, args=("operator2", operator2)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert set(results) == {"operator1", "operator2"}

    statuses = sorted(response.status_code for response in results.values())
    assert statuses == [200, 409], {name: r.text for name, r in results.items()}
    winner = next(name for name, r in results.items() if r.status_code == 200)
    loser = next(name for name, r in results.items() if r.status_code == 409)
    conflict = results[loser].json()
    assert conflict["code"] == "CLAIMED_BY_OTHER", conflict
    assert conflict["assignedTo"] == winner
    assert incident_id in conflict["message"]

    detail = operator1.get(f"/incidents/{incident_id}").json()
    assert detail["status"] == "IN_REVIEW"
    assert detail["assignedTo"] == winner
    assert [e["toStatus"] for e in detail["timeline"]] == ["RECEIVED", "IN_REVIEW"]
    loser_api = operator1 if loser == "operator1" else operator2
    verify = loser_api.post(f"/incidents/{incident_id}/verify", fire_in_genteng())
    assert verify.status_code == 409, verify.text
    assert verify.json()["code"] == "CLAIMED_BY_OTHER"
    assert verify.json()["assignedTo"] == winner


# -- intake -------------------------------------------------------------------------------------------


def test_connect_retry_returns_the_same_incident(endpoints: dict[str, Any], operator1: ApiClient) -> None:
    contact_id = str(uuid.uuid4())

    first = place_call(endpoints, CALLER, contact_id)
    second = place_call(endpoints, CALLER, contact_id)

    assert second["incidentId"] == first["incidentId"]
    assert first["repeatInvocation"] == "false"
    assert second["repeatInvocation"] == "true"
    queue = queue_items(operator1, "RECEIVED")
    assert [item["id"] for item in queue].count(first["incidentId"]) == 1
    assert [item["contactId"] for item in queue].count(contact_id) == 1


@pytest.mark.parametrize("order", ["intake first", "operator first", "at once"])
def test_an_operator_and_the_intake_registering_one_call_make_one_incident(
    order: str, endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    """The intake failed for the flow (no incidentId on the contact) and the operator opens the call's
    incident from the panel, while the intake's own attempt still lands, before, after or at once."""
    contact_id = str(uuid.uuid4())
    results: dict[str, Any] = {}
    barrier = threading.Barrier(2)

    def intake() -> None:
        if order == "at once":
            barrier.wait(timeout=10)
        results["intake"] = place_call(endpoints, CALLER, contact_id)

    def operator() -> None:
        if order == "at once":
            barrier.wait(timeout=10)
        results["operator"] = operator1.post(
            "/incidents", {"channel": "VOICE", "contactId": contact_id, "caller": CALLER}
        )

    steps = {"intake first": [intake, operator], "operator first": [operator, intake]}.get(order)
    if steps:
        for step in steps:
            step()
    else:
        threads = [threading.Thread(target=intake), threading.Thread(target=operator)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert set(results) == {"intake", "operator"}

    answer, response = results["intake"], results["operator"]
    assert response.status_code in (200, 201), response.text
    incident = response.json()
    assert answer["incidentId"] == incident["id"]  # Connect and the operator see one incident
    operator_won = response.status_code == 201
    assert answer["repeatInvocation"] == ("true" if operator_won else "false")
    if order != "at once":
        assert operator_won is (order == "operator first")
    queue = queue_items(operator1, "RECEIVED")
    assert [item["contactId"] for item in queue].count(contact_id) == 1
    detail = operator1.get(f"/incidents/{incident['id']}").json()
    [registered] = detail["timeline"]
    expected = ("operator1", "CALL_WITHOUT_INCIDENT") if operator_won else ("system:intake", None)
    assert (registered["actor"], registered["reason"]) == expected
    assert (detail["channel"], detail["caller"], detail["contactId"]) == ("VOICE", CALLER, contact_id)


def test_withheld_number_still_becomes_an_incident(endpoints: dict[str, Any], operator1: ApiClient) -> None:
    answer = place_call(endpoints, None)

    assert answer["incidentStatus"] == "RECEIVED"
    assert answer["callerKnown"] == "false"
    detail = operator1.get(f"/incidents/{answer['incidentId']}").json()
    assert detail["caller"] is None
    assert detail["flags"] == ["CALLER_UNKNOWN"]


def test_withheld_number_without_a_caller_parameter_in_the_flow(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    """The same call, with the event built by hand: Connect sends no CustomerEndpoint and the flow sets no
    `caller` parameter. Tells a simulator problem from an intake-connect one."""
    event = connect_event(None)
    event["Details"]["Parameters"] = {}
    lambda_client = client("lambda", endpoints["lambda"], endpoints["region"])
    response = lambda_client.invoke(FunctionName=INTAKE_FUNCTION, Payload=json.dumps(event).encode())

    assert "FunctionError" not in response
    answer = json.loads(response["Payload"].read())
    assert answer["callerKnown"] == "false"
    detail = operator1.get(f"/incidents/{answer['incidentId']}").json()
    assert detail["caller"] is None
    assert detail["flags"] == ["CALLER_UNKNOWN"]


# -- acknowledge and close ------------------------------------------------------------------------


def test_acknowledge_then_close(endpoints: dict[str, Any], operator1: ApiClient) -> None:
    incident_id = dispatched(endpoints, operator1)

    ack = operator1.post(
        f"/incidents/{incident_id}/dispatches/DAMKAR/acknowledge", {"note": "Regu 2 Damkar Genteng berangkat"}
    )
    assert ack.status_code == 200, ack.text
    assert ack.json()["status"] == "ACKNOWLEDGED"
    detail = operator1.get(f"/incidents/{incident_id}").json()
    assert [(d["agency"], d["status"], d["acknowledgedBy"]) for d in detail["dispatches"]] == [
        ("DAMKAR", "ACKNOWLEDGED", "operator1")
    ]
    again = operator1.post(f"/incidents/{incident_id}/dispatches/DAMKAR/acknowledge")
    assert again.status_code == 409, again.text

    note = "Api padam pukul 11.40, tidak ada korban jiwa"
    close = operator1.post(f"/incidents/{incident_id}/close", {"note": note})
    assert close.status_code == 200, close.text
    assert close.json()["status"] == "CLOSED"
    detail = operator1.get(f"/incidents/{incident_id}").json()
    assert detail["status"] == "CLOSED"
    assert [e["toStatus"] for e in detail["timeline"]] == [
        "RECEIVED",
        "IN_REVIEW",
        "VERIFIED",
        "DISPATCHED",
        "ACKNOWLEDGED",
        "CLOSED",
    ]
    assert detail["timeline"][-1]["reason"] == note


def test_acknowledging_an_agency_that_was_not_dispatched_is_refused(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    incident_id = dispatched(endpoints, operator1)

    response = operator1.post(f"/incidents/{incident_id}/dispatches/POLICE/acknowledge")

    assert response.status_code == 422, response.text
    assert "POLICE" in response.json()["message"]
    assert operator1.get(f"/incidents/{incident_id}").json()["status"] == "DISPATCHED"


# -- who may call --------------------------------------------------------------------------------------


def test_no_token_is_401(endpoints: dict[str, Any]) -> None:
    response = requests.get(f"{endpoints['api']}/incidents", timeout=10)

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_garbage_token_is_401(endpoints: dict[str, Any]) -> None:
    headers = {"Authorization": "Bearer not.a.jwt"}

    response = requests.get(f"{endpoints['api']}/incidents", headers=headers, timeout=10)

    assert response.status_code == 401


def test_token_signed_by_another_key_is_401(endpoints: dict[str, Any]) -> None:
    """Everything right (issuer, audience, token_use, expiry, even the pool key's id) but the signature."""
    pool_keys = requests.get(
        f"{endpoints['aws']}/{endpoints['userPoolId']}/.well-known/jwks.json", timeout=10
    )
    kid = pool_keys.json()["keys"][0]["kid"]
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "iss": f"https://cognito-idp.{endpoints['region']}.amazonaws.com/{endpoints['userPoolId']}",
        "aud": endpoints["userPoolClientId"],
        "token_use": "id",
        "cognito:username": "operator1",
        "cognito:groups": ["operator"],
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
    }
    forged = jwt.encode({"alg": "RS256", "kid": kid}, claims, RSAKey.generate_key(2048))
    headers = {"Authorization": f"Bearer {forged}"}

    response = requests.get(f"{endpoints['api']}/incidents", headers=headers, timeout=10)

    assert response.status_code == 401


def test_access_token_is_not_an_id_token(endpoints: dict[str, Any]) -> None:
    """The authorizer takes IdTokens (no OAuth scopes configured): a real AccessToken of the pool is 401."""
    idp = client("cognito-idp", endpoints["aws"], endpoints["region"])
    tokens = idp.initiate_auth(
        ClientId=endpoints["userPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "operator1", "PASSWORD": endpoints["users"]["operator1"]},
    )["AuthenticationResult"]
    headers = {"Authorization": f"Bearer {tokens['AccessToken']}"}

    response = requests.get(f"{endpoints['api']}/incidents", headers=headers, timeout=10)

    assert response.status_code == 401


def test_me_names_the_signed_in_user(endpoints: dict[str, Any], api_for: Callable[[str], ApiClient]) -> None:
    assert api_for("operator3").get("/me").json() == {"username": "operator3", "groups": ["operator"]}
    assert api_for("supervisor").get("/me").json() == {"username": "supervisor", "groups": ["supervisor"]}
    token = id_token(endpoints, "operator4")
    response = requests.get(f"{endpoints['api']}/me", headers={"Authorization": token}, timeout=10)
    assert response.status_code == 200  # API Gateway takes the bare token too
    assert response.json()["username"] == "operator4"


def test_openapi_document_needs_no_token(endpoints: dict[str, Any]) -> None:
    response = requests.get(f"{endpoints['api']}/openapi.json", timeout=10)

    assert response.status_code == 200
    assert "/incidents/{incident_id}/claim" in response.json()["paths"]


def test_unknown_path_is_api_gateways_missing_authentication_token(endpoints: dict[str, Any]) -> None:
    for method, path in [("GET", "/nowhere"), ("DELETE", "/incidents"), ("GET", "/incidents/x/y/z")]:
        response = requests.request(method, f"{endpoints['api']}{path}", timeout=10)

        assert response.status_code == 403, (method, path)
        assert response.json() == {"message": "Missing Authentication Token"}


# -- what the API refuses ---------------------------------------------------------------------------


def test_malformed_json_is_400_naming_the_problem(endpoints: dict[str, Any], operator1: ApiClient) -> None:
    incident_id = claimed(endpoints, operator1)

    response = operator1.session.post(
        f"{operator1.base}/incidents/{incident_id}/verify",
        data='{"category": "FIRE",',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )

    assert response.status_code == 400, response.text
    body = response.json()
    assert "JSON" in body["message"]
    assert [d["type"] for d in body["detail"]] == ["json_invalid"]
    assert operator1.get(f"/incidents/{incident_id}").json()["status"] == "IN_REVIEW"


def test_invalid_body_is_422_listing_the_fields(endpoints: dict[str, Any], operator1: ApiClient) -> None:
    incident_id = claimed(endpoints, operator1)

    response = operator1.post(
        f"/incidents/{incident_id}/verify",
        {"category": "EARTHQUAKE", "priority": "P9", "location": {"lat": -8.3}, "colour": "red"},
    )

    assert response.status_code == 422, response.text
    body = response.json()
    fields = {".".join(str(part) for part in d["loc"][:2]) for d in body["detail"]}
    assert {"body.category", "body.priority", "body.location", "body.summary", "body.colour"} <= fields
    for name in ("category", "priority", "location", "summary", "colour"):
        assert f"body.{name}" in body["message"]
    assert operator1.get(f"/incidents/{incident_id}").json()["status"] == "IN_REVIEW"


def test_district_outside_the_regency_is_422(endpoints: dict[str, Any], operator1: ApiClient) -> None:
    incident_id = claimed(endpoints, operator1)

    response = operator1.post(
        f"/incidents/{incident_id}/verify", fire_in_genteng(location={"district": "Gotham"})
    )

    assert response.status_code == 422, response.text
    assert "Gotham" in response.json()["message"]
    assert response.json()["detail"][0]["loc"] == ["body", "location", "district"]


def test_unknown_incident_is_404(operator1: ApiClient) -> None:
    for response in (
        operator1.get(f"/incidents/{UNKNOWN_ID}"),
        operator1.post(f"/incidents/{UNKNOWN_ID}/claim"),
    ):
        assert response.status_code == 404, response.text
        assert UNKNOWN_ID in response.json()["message"]


def test_claiming_a_rejected_incident_is_409(endpoints: dict[str, Any], operator1: ApiClient) -> None:
    incident_id = claimed(endpoints, operator1)
    reject = operator1.post(f"/incidents/{incident_id}/reject", {"reason": "NON_EMERGENCY"})
    assert reject.status_code == 200, reject.text

    response = operator1.post(f"/incidents/{incident_id}/claim")

    assert response.status_code == 409, response.text
    assert response.json()["code"] == "ILLEGAL_TRANSITION"
    assert "REJECTED" in response.json()["message"]


# -- the agencies' local inboxes --------------------------------------------------------------------------


def test_agency_inbox_shows_every_message_not_only_the_first_ten(endpoints: dict[str, Any]) -> None:
    """Publish as the dispatch worker does, to an agency no other test uses: more than ten notifications
    (a training session's worth) must all be readable, the newest included."""
    sns = client("sns", endpoints["aws"], endpoints["region"])
    sent = [f"inbox-test-{n:02d}-{uuid.uuid4().hex[:6]}" for n in range(12)]
    for marker in sent:
        record = json.dumps({"agency": "BASARNAS", "incident": {"id": marker}})
        sns.publish(
            TopicArn=endpoints["resources"]["AGENCY_TOPIC_ARN"],
            Message=json.dumps({"default": marker, "sqs": record}),
            MessageStructure="json",
            MessageAttributes={"agency": {"DataType": "String", "StringValue": "BASARNAS"}},
        )

    received = inbox_ids(endpoints, "BASARNAS")

    assert sent[-1] in received
    assert sorted(received) == sorted(sent)
