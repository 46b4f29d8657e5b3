"""One emergency, many reports on the local stack: three 112 calls about one fire, each with its handset's
AML position, are suggested beside the first and attached to it, and show as one incident with three
reports, each caller and position visible; a supervisor's detach puts one back in review. A citizen's
Instagram follow-up lands in their open incident, in its timeline, without a second question."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from local.simulator import ApiClient, aml_position, place_call
from tests.integration.helpers import queue_items, wait_for
from tests.integration.test_channels import (
    instagram_body,
    instagram_user,
    replies_to,
    signed_instagram,
    tag,
    wait_for_reply,
)

PASAR_GENTENG = (-8.3695, 114.1530)
AML_TIMEOUT = 15.0  # seconds: the position's route to the incident is synchronous, the reads are not


def fresh_number() -> str:
    return "+6281" + "".join(secrets.choice("0123456789") for _ in range(9))


def call_with_position(endpoints: dict[str, Any], api: ApiClient, lat: float, lon: float) -> tuple[str, str]:
    """A 112 call, then its handset's AML SMS; (incident id, number) once the position is on it."""
    number = fresh_number()
    incident_id = place_call(endpoints, number)["incidentId"]
    response = aml_position(endpoints, number, lat, lon, 12, https=False)
    assert response.status_code == 200, response.text

    def located() -> dict[str, Any] | None:
        body: dict[str, Any] = api.get(f"/incidents/{incident_id}").json()
        return body if body.get("aml") else None

    wait_for(located, AML_TIMEOUT, f"the AML position on {incident_id}")
    return incident_id, number


def test_three_calls_attached_show_as_one_incident_with_three_reports(
    endpoints: dict[str, Any], api_for: Callable[[str], ApiClient]
) -> None:
    operator, supervisor = api_for("operator1"), api_for("supervisor")
    lat, lon = PASAR_GENTENG
    parent, parent_number = call_with_position(endpoints, operator, lat, lon)
    calls = [call_with_position(endpoints, operator, lat + n * 0.001, lon) for n in range(1, 4)]

    for child, _ in calls:
        assert operator.post(f"/incidents/{child}/claim").status_code == 200
        related = operator.get(f"/incidents/{child}/related")
        assert related.status_code == 200, related.text
        suggested = {item["incident"]["id"]: item for item in related.json()["items"]}
        assert parent in suggested, related.json()
        assert "NEAR" in suggested[parent]["reasons"]
        assert suggested[parent]["distanceM"] <= 1000
        attached = operator.post(f"/incidents/{child}/attach", {"parentId": parent})
        assert attached.status_code == 200, attached.text
        assert attached.json()["incident"]["status"] == "ATTACHED"

    detail = operator.get(f"/incidents/{parent}").json()
    assert detail["caller"] == parent_number
    reports = detail["reports"]
    assert [report["incidentId"] for report in reports] == [child for child, _ in calls]
    assert [report["caller"] for report in reports] == [number for _, number in calls]
    for n, report in enumerate(reports, start=1):
        assert report["channel"] == "VOICE"
        assert abs(report["aml"]["lat"] - (lat + n * 0.001)) < 1e-6
        assert report["aml"]["lon"] == lon
    assert [e["action"] for e in detail["timeline"]].count("REPORT_ADDED") == 3
    # One incident in the queue, not four: the attached calls are ATTACHED (no queue lists them, decision 54).
    received = {item["id"] for item in queue_items(operator, "RECEIVED")}
    in_review = {item["id"] for item in queue_items(operator, "IN_REVIEW")}
    assert parent in received
    assert not {child for child, _ in calls} & (received | in_review)
    for child, _ in calls:
        assert operator.get(f"/incidents/{child}").json()["status"] == "ATTACHED"
    # The same call attached again (a retry after a lost answer) changes nothing.
    again = operator.post(f"/incidents/{calls[0][0]}/attach", {"parentId": parent})
    assert again.status_code == 200
    assert len(operator.get(f"/incidents/{parent}").json()["reports"]) == 3

    # A mistaken attach: operators may not undo it, a supervisor may.
    wrong = calls[2][0]
    assert (
        operator.post(f"/incidents/{wrong}/detach", {"reason": "Bukan kejadian yang sama"}).status_code == 403
    )
    detached = supervisor.post(f"/incidents/{wrong}/detach", {"reason": "Bukan kejadian yang sama"})
    assert detached.status_code == 200, detached.text
    assert detached.json()["incident"]["status"] == "IN_REVIEW"
    assert [r["incidentId"] for r in detached.json()["parent"]["reports"]] == [calls[0][0], calls[1][0]]

    noted = operator.post(f"/incidents/{parent}/notes", {"text": "Tiga penelepon, satu kebakaran"})
    assert noted.status_code == 200, noted.text
    timeline = operator.get(f"/incidents/{parent}").json()["timeline"]
    assert timeline[-1]["action"] == "NOTE"
    assert timeline[-1]["details"] == {"note": "Tiga penelepon, satu kebakaran"}


def test_an_instagram_follow_up_lands_in_the_open_incident_without_a_second_question(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    sender = instagram_user()
    first = signed_instagram(endpoints, instagram_body(f"Tolong, ada kebakaran ({tag()})", sender))
    assert first.status_code == 200, first.text
    (incident_id,) = first.json()["incidents"]
    wait_for_reply(endpoints, sender)

    answer = f"Di Jalan Diponegoro, depan pasar Genteng ({tag()})"
    follow_up = signed_instagram(endpoints, instagram_body(answer, sender))

    assert follow_up.status_code == 200, follow_up.text
    assert follow_up.json()["incidents"] == [incident_id]
    detail = operator1.get(f"/incidents/{incident_id}").json()
    (report,) = detail["reports"]
    assert report["text"] == answer
    assert report["channel"] == "INSTAGRAM"
    assert [e["action"] for e in detail["timeline"]] == ["REGISTER", "MESSAGE"]
    assert not [item for item in queue_items(operator1) if answer in (item.get("report") or "")]
    # A second question would be queued by the follow-up before this later sender's first: once that
    # one's answer is in the outbox, the follow-up's would be too.
    later = instagram_user()
    assert signed_instagram(endpoints, instagram_body(f"Pesan lain ({tag()})", later)).status_code == 200
    wait_for_reply(endpoints, later)
    assert len(replies_to(endpoints, sender)) == 1
