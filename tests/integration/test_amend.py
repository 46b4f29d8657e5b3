"""After verification, on a local stack of its own (decision 58): an update after dispatch reaches the
Genteng Damkar post once and dispatches the Genteng Polsek it adds, however often the notice is delivered;
a cancellation tells both posts once; a supervisor reopens a wrong prank rejection and the number's
standing no longer counts it."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.config import CREDENTIALS, SUPERVISOR
from local.responders import Receiver, point_post_at, post_inbox
from local.simulator import ApiClient, place_call
from tests.integration.helpers import (
    DEFAULT_SERVE_ARGS,
    fire_in_genteng,
    running_stack,
    wait_for,
    wait_for_status,
)

DAMKAR, POLSEK = "damkar-genteng", "polsek-genteng"
DAMKAR_SMS, POLSEK_SMS = "+6281200000011", "+6281200000012"
DELIVERY_TIMEOUT = 30.0
HEAD = "[112 Kabupaten Banyuwangi]"


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    state_dir: Path = tmp_path_factory.mktemp("amend-stack")
    with running_stack(state_dir, *DEFAULT_SERVE_ARGS) as endpoints:
        yield endpoints


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(secrets.token_urlsafe(32)).start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def operator(endpoints: dict[str, Any]) -> ApiClient:
    return ApiClient(endpoints, "operator1")


def give_number(admin: ApiClient, post: str, number: str) -> None:
    current = admin.get(f"/agencies/posts/{post}").json()
    body = {
        "name": current["name"],
        "districts": current["districts"],
        "contacts": {"sms": [number]},
        "duty": current["duty"],
        "version": current["version"],
        "reason": "Nomor piket",
    }
    response = admin.put(f"/agencies/posts/{post}", body)
    assert response.status_code == 200, response.text


def sqs(endpoints: dict[str, Any]) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=endpoints["aws"],
        region_name=endpoints["region"],
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def waiting(endpoints: dict[str, Any], queue_id: str) -> int:
    attributes = sqs(endpoints).get_queue_attributes(
        QueueUrl=endpoints["resources"]["queues"][queue_id],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def drained(endpoints: dict[str, Any]) -> None:
    """Every notice handled and every delivery it queued sent: the worker queues the deliveries before it
    lets go of the notice, so the dispatch queue empties first."""
    wait_for(lambda: waiting(endpoints, "dispatch") == 0, DELIVERY_TIMEOUT, "the dispatch queue drained")
    wait_for(lambda: waiting(endpoints, "agency-deliveries") == 0, DELIVERY_TIMEOUT, "the deliveries sent")


def sms(endpoints: dict[str, Any], number: str, incident_id: str, head: str) -> list[dict[str, Any]]:
    return [
        m
        for m in post_inbox(endpoints, number)
        if m["channel"] == "sms" and incident_id in m["text"] and m["text"].startswith(f"{HEAD} {head}")
    ]


def arrived(endpoints: dict[str, Any], number: str, incident_id: str, head: str) -> dict[str, Any]:
    return wait_for(
        lambda: next(iter(sms(endpoints, number, incident_id, head)), None),
        DELIVERY_TIMEOUT,
        f"an SMS '{head}' to {number}",
    )


def notices(receiver: Receiver, incident_id: str) -> list[tuple[str, str]]:
    """The notice records the Genteng Damkar's own system accepted (signature and schema checked)."""
    return [
        (r["notice"], r["recordId"])
        for r in receiver.records
        if r["recordType"] == "respon112.notice" and r["incident"]["id"] == incident_id
    ]


def test_an_update_and_a_cancellation_after_dispatch_reach_each_post_once(
    endpoints: dict[str, Any], operator: ApiClient, receiver: Receiver
) -> None:
    admin = ApiClient(endpoints, "admin")
    give_number(admin, DAMKAR, DAMKAR_SMS)
    give_number(admin, POLSEK, POLSEK_SMS)
    assert point_post_at(endpoints, DAMKAR, receiver.endpoint, receiver.secret) == 200
    incident_id = place_call(endpoints, "+6281234567001")["incidentId"]
    assert operator.post(f"/incidents/{incident_id}/claim").status_code == 200
    assert operator.post(f"/incidents/{incident_id}/verify", fire_in_genteng()).status_code == 200
    wait_for_status(operator, incident_id, "DISPATCHED")
    arrived(endpoints, DAMKAR_SMS, incident_id, "KEBAKARAN P1")

    # the caller rings back: people trapped, and the police are needed too
    update = fire_in_genteng(summary="Rumah terbakar, dua orang terjebak", agencies=["DAMKAR", "POLICE"])
    response = operator.post(f"/incidents/{incident_id}/update", update)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["status"], updated["posts"]) == ("DISPATCHED", [DAMKAR, POLSEK])

    told = arrived(endpoints, DAMKAR_SMS, incident_id, "PEMBARUAN (ringkasan, instansi)")
    assert "dua orang terjebak" in told["text"]
    dispatched = arrived(endpoints, POLSEK_SMS, incident_id, "KEBAKARAN P1 untuk Polsek Genteng")
    assert dispatched["link"]

    # SQS delivers the notice again, twice: nothing is sent twice
    notice = {
        "kind": "UPDATE",
        "version": updated["version"],
        "changed": ["summary", "agencies"],
        "told": {DAMKAR: "DAMKAR"},
        "dispatched": {POLSEK: "POLICE"},
    }
    body = json.dumps({"incidentId": incident_id, "version": updated["version"], "notice": notice})
    for _ in range(2):
        sqs(endpoints).send_message(QueueUrl=endpoints["resources"]["queues"]["dispatch"], MessageBody=body)
    drained(endpoints)
    assert len(sms(endpoints, DAMKAR_SMS, incident_id, "PEMBARUAN")) == 1
    assert len(sms(endpoints, POLSEK_SMS, incident_id, "KEBAKARAN")) == 1

    # a false alarm after all: both posts are told to stand down, once, and the retry changes nothing
    reason = {"reason": "Ternyata pembakaran jerami yang diawasi warga"}
    cancelled = operator.post(f"/incidents/{incident_id}/cancel", reason)
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["cancellation"]["reason"]) == (
        "CLOSED",
        reason["reason"],
    )
    assert (
        operator.post(f"/incidents/{incident_id}/cancel", reason).json()["version"]
        == cancelled.json()["version"]
    )
    for number in (DAMKAR_SMS, POLSEK_SMS):
        stand_down = arrived(endpoints, number, incident_id, "DIBATALKAN")
        assert "Alasan: Ternyata pembakaran jerami" in stand_down["text"]
    drained(endpoints)
    assert len(sms(endpoints, DAMKAR_SMS, incident_id, "DIBATALKAN")) == 1
    assert len(sms(endpoints, POLSEK_SMS, incident_id, "DIBATALKAN")) == 1
    timeline = [e["action"] for e in operator.get(f"/incidents/{incident_id}").json()["timeline"]]
    assert timeline[-2:] == ["UPDATE", "CANCEL"]
    # the post's own system got each change once, as a signed notice record valid against its schema
    assert receiver.refused == []
    assert [kind for kind, _ in notices(receiver, incident_id)] == ["UPDATE", "CANCELLED"]


def test_a_supervisor_reopens_a_wrong_prank_rejection(endpoints: dict[str, Any], operator: ApiClient) -> None:
    caller = "+6281234567002"
    incident_id = place_call(endpoints, caller)["incidentId"]
    assert operator.post(f"/incidents/{incident_id}/claim").status_code == 200
    assert operator.post(f"/incidents/{incident_id}/reject", {"reason": "PRANK"}).status_code == 200
    supervisor = ApiClient(endpoints, SUPERVISOR)
    assert supervisor.get(f"/callers/{caller.replace('+', '%2B')}").json()["standing"]["recentPranks"] == 1

    refused = operator.post(f"/incidents/{incident_id}/reopen", {"reason": "Bukan iseng"})
    assert refused.status_code == 403
    response = supervisor.post(
        f"/incidents/{incident_id}/reopen", {"reason": "Rekaman diputar ulang: darurat"}
    )

    assert response.status_code == 200, response.text
    reopened = response.json()
    assert (reopened["status"], reopened["assignedTo"], reopened.get("rejection")) == (
        "IN_REVIEW",
        SUPERVISOR,
        None,
    )
    entry = supervisor.get(f"/incidents/{incident_id}").json()["timeline"][-1]
    assert (entry["action"], entry["details"]["rejection"]) == ("REOPEN", "PRANK")
    assert supervisor.get(f"/callers/{caller.replace('+', '%2B')}").json()["standing"]["recentPranks"] == 0
