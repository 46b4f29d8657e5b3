"""The loop with the agencies on a local stack of its own (`make dev` with a P1 deadline of seconds): a fire
verified in Genteng reaches the Genteng Damkar post (SMS, e-mail, a signed record at a local receiver
that checks it against the committed schema) and no other; its link moves it through every status; a
number changed in the directory is used at once; an unconfirmed P1 escalates after its deadline."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from local.aws import client
from local.responders import Receiver, point_post_at, post_inbox, respond, token_of
from local.simulator import ApiClient, place_call
from local.standins import AGENCY_OUTBOX
from tests.integration.helpers import (
    DEFAULT_SERVE_ARGS,
    fire_in_genteng,
    run_local,
    running_stack,
    wait_for,
    wait_for_status,
)

POST = "damkar-genteng"
NUMBER, NEW_NUMBER, SECOND = "+6281200000001", "+6281200000002", "+6281200000009"
ADDRESS = "piket@damkar-genteng.example.go.id"
DELIVERY_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    args = (*DEFAULT_SERVE_ARGS, "--ack-deadlines", "P1=2,P2=600,P3=1800")
    with running_stack(tmp_path_factory.mktemp("agency-loop"), *args) as endpoints:
        yield endpoints


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(secrets.token_urlsafe(32)).start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def admin(endpoints: dict[str, Any]) -> ApiClient:
    return ApiClient(endpoints, "admin")


@pytest.fixture(scope="module")
def operator(endpoints: dict[str, Any]) -> ApiClient:
    return ApiClient(endpoints, "operator1")


def set_contacts(admin: ApiClient, number: str, https: dict[str, str] | None = None) -> None:
    """The post's real contacts, as an admin puts them in (no deploy)."""
    current = admin.get(f"/agencies/posts/{POST}").json()
    contacts: dict[str, Any] = {"sms": [number], "emails": [ADDRESS]}
    if https:
        contacts["https"] = https
    elif current["contacts"].get("https"):
        contacts["https"] = {"url": current["contacts"]["https"]["url"]}  # the secret stays
    body = {
        "name": current["name"],
        "districts": current["districts"],
        "contacts": contacts,
        "escalation": {"name": "Kepala Pos", "sms": [SECOND]},
        "duty": current["duty"],
        "version": current["version"],
        "reason": "Nomor piket dari Kepala Pos",
    }
    response = admin.put(f"/agencies/posts/{POST}", body)
    assert response.status_code == 200, response.text


def verified_fire(endpoints: dict[str, Any], operator: ApiClient) -> str:
    incident_id = place_call(endpoints, "+6281234567890")["incidentId"]
    assert operator.post(f"/incidents/{incident_id}/claim").status_code == 200
    response = operator.post(f"/incidents/{incident_id}/verify", fire_in_genteng())
    assert response.status_code == 200, response.text
    assert response.json()["posts"] == [POST]
    wait_for_status(operator, incident_id, "DISPATCHED")
    return incident_id


def sms_for(endpoints: dict[str, Any], who: str, incident_id: str) -> dict[str, Any]:
    def arrived() -> dict[str, Any] | None:
        return next(
            (m for m in post_inbox(endpoints, who) if m["channel"] == "sms" and incident_id in m["text"]),
            None,
        )

    return wait_for(arrived, DELIVERY_TIMEOUT, f"an SMS to {who} for {incident_id}")


def all_sent(endpoints: dict[str, Any]) -> list[dict[str, Any]]:
    response = requests.get(f"{endpoints['api']}{AGENCY_OUTBOX}", timeout=10)
    response.raise_for_status()
    sent: list[dict[str, Any]] = response.json()
    return sent


def test_the_loop_with_the_genteng_damkar_post(
    endpoints: dict[str, Any], admin: ApiClient, operator: ApiClient, receiver: Receiver
) -> None:
    assert point_post_at(endpoints, POST, receiver.endpoint, receiver.secret) == 200
    set_contacts(admin, NUMBER)
    incident_id = verified_fire(endpoints, operator)

    # SMS and e-mail to the post's contacts, each with its link; nothing to any other post
    sms = sms_for(endpoints, POST, incident_id)
    assert sms["to"] == NUMBER
    assert "Pos Damkar Genteng" in sms["text"]
    assert sms["link"].startswith(f"{endpoints['api']}/respond.html#t={incident_id}.{POST}.")
    mail = wait_for(
        lambda: [m for m in post_inbox(endpoints, ADDRESS) if incident_id in m["text"]],
        DELIVERY_TIMEOUT,
        "e-mail",
    )
    assert mail[0]["link"] == sms["link"]
    outbox = run_local("inbox", POST, "--state-dir", str(Path(endpoints["logs"]).parent))
    assert outbox.returncode == 0, outbox.stderr
    assert sms["link"] in outbox.stdout
    # no other post was sent anything (the other Damkar posts are the seed's placeholders)
    assert {m["to"] for m in all_sent(endpoints)} <= {NUMBER, ADDRESS}

    # the signed record reached the receiver, which checked its signature and its schema
    record = wait_for(
        lambda: next((r for r in receiver.records if r["incident"]["id"] == incident_id), None),
        DELIVERY_TIMEOUT,
        "the record at the receiver",
    )
    assert receiver.refused == []
    assert (record["post"]["id"], record["change"], record["incident"]["location"]["district"]) == (
        POST,
        "DISPATCH",
        "Genteng",
    )

    # the link moves it forward: the CLI for the first step, the page's API for the others
    state = str(Path(endpoints["logs"]).parent)
    shown = run_local("respond", sms["link"], "--state-dir", state)
    assert shown.returncode == 0, shown.stderr
    assert '"status":"NOTIFIED"' in shown.stdout
    acked = run_local(
        "respond", sms["link"], "ACKNOWLEDGED", "--note", "Regu 2 berangkat", "--state-dir", state
    )
    assert acked.returncode == 0, acked.stderr
    for step in ("EN_ROUTE", "ON_SCENE", "CLEARED"):
        response = respond(endpoints, sms["link"], step, None)
        assert (response.status_code, response.json()["status"]) == (200, step), response.text
    assert respond(endpoints, sms["link"], "EN_ROUTE", None).json()["status"] == "CLEARED"  # forward only

    detail = operator.get(f"/incidents/{incident_id}").json()
    assert detail["status"] == "ACKNOWLEDGED"
    [dispatch] = detail["dispatches"]
    assert dispatch["status"] == "CLEARED"
    assert dispatch["acknowledgedBy"] == f"post:{POST}"
    assert all(dispatch[k] for k in ("acknowledgedAt", "enRouteAt", "onSceneAt", "clearedAt"))
    moves = [
        (e["actor"], e["details"].get("status")) for e in detail["timeline"] if e["actor"] == f"post:{POST}"
    ]
    assert moves == [(f"post:{POST}", s) for s in ("ACKNOWLEDGED", "EN_ROUTE", "ON_SCENE", "CLEARED")]
    closed = operator.post(f"/incidents/{incident_id}/close", {"note": "Api padam, tidak ada korban"})
    assert closed.status_code == 200, closed.text

    # a forged link opens nothing
    token = token_of(sms["link"])
    assert respond(endpoints, token[:-1] + ("A" if token[-1] != "A" else "B"), None, None).status_code == 404


def test_a_changed_number_is_used_at_once_and_an_unconfirmed_p1_escalates(
    endpoints: dict[str, Any], admin: ApiClient, operator: ApiClient
) -> None:
    set_contacts(admin, NEW_NUMBER)  # no deploy: the next delivery reads the directory
    incident_id = verified_fire(endpoints, operator)
    assert sms_for(endpoints, NEW_NUMBER, incident_id)["to"] == NEW_NUMBER
    assert not [m for m in post_inbox(endpoints, NUMBER) if incident_id in m["text"]]

    # nobody confirms: once the 2 s deadline has passed, the reconciler's run escalates it
    due = datetime.fromisoformat(operator.get(f"/incidents/{incident_id}").json()["ackDueAt"])
    wait_for(lambda: datetime.now(UTC) > due, 10, "the acknowledgement deadline to pass")
    reconciler = client("lambda", endpoints["lambda"], endpoints["region"])
    answer = reconciler.invoke(FunctionName="dispatch-reconciler", Payload=b"{}")
    assert answer["StatusCode"] == 200
    detail = operator.get(f"/incidents/{incident_id}").json()
    assert (detail["status"], detail["escalationLevel"], "OVERDUE" in detail["flags"]) == (
        "DISPATCHED",
        1,
        True,
    )
    assert [e["details"]["level"] for e in detail["timeline"] if e["action"] == "ESCALATE"] == ["1"]
    second = sms_for(endpoints, SECOND, incident_id)
    assert second["text"].startswith("[112 Kabupaten Banyuwangi] ESKALASI")

    again = reconciler.invoke(FunctionName="dispatch-reconciler", Payload=b"{}")  # never twice
    assert again["StatusCode"] == 200
    assert operator.get(f"/incidents/{incident_id}").json()["escalationLevel"] == 1
