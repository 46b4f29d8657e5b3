"""Major-incident mode on the local stack: a supervisor declares one through the API, a simulated 112 call
through the repository's flow (`python -m local call`, the intake in the stack's Lambda runtime) hears its
message and reaches the queue, the call's incident is offered the parent first; once ended, the next call
hears nothing. Ended in any case, so the package's other calls never hear it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from local.simulator import ApiClient
from tests.integration.test_flow_cli import flow_call, step

MESSAGE = "Kami sudah menerima laporan kebakaran di Pasar Genteng. Petugas sedang menuju lokasi."


def test_a_declared_major_incident_is_played_to_a_call_then_no_more_once_ended(
    endpoints: dict[str, Any],
    stack_dir: Path,
    operator1: ApiClient,
    api_for: Callable[[str], ApiClient],
) -> None:
    supervisor = api_for("supervisor")
    opened = operator1.post(
        "/incidents",
        {"channel": "WALK_IN", "summary": "Pasar Genteng terbakar", "location": {"district": "Genteng"}},
    )
    assert opened.status_code == 201, opened.text
    parent = opened.json()["id"]
    assert operator1.post(f"/incidents/{parent}/claim").status_code == 200
    body = {"parentId": parent, "area": {"district": "Genteng"}, "message": MESSAGE}
    assert operator1.post("/major-incidents", body).status_code == 403  # supervisors only
    declared = supervisor.post("/major-incidents", body)
    assert declared.status_code == 200, declared.text
    major = declared.json()["id"]
    try:
        answer = flow_call(stack_dir)

        assert answer["end"] == "QUEUED"
        played = step(answer, "play-major-incident")
        assert played["said"] == MESSAGE
        actions = [s["action"] for s in answer["steps"]]
        assert actions.index("offer-cannot-speak-key") < actions.index("play-major-incident")
        assert actions.index("play-major-incident") < actions.index("transfer-to-operators")
        call = answer["attributes"]["incidentId"]
        related = operator1.get(f"/incidents/{call}/related").json()["items"]
        assert related[0]["incident"]["id"] == parent  # not placed yet: the parent first
        assert related[0]["reasons"][0] == "MAJOR_INCIDENT"
        assert related[0]["majorIncidentId"] == major
        listed = operator1.get("/major-incidents").json()["items"]
        assert [m["id"] for m in listed] == [major]

        ended = supervisor.post(f"/major-incidents/{major}/end", {"reason": "Api sudah padam"})
        assert ended.status_code == 200, ended.text

        after = flow_call(stack_dir)
        assert after["end"] == "QUEUED"
        assert "play-major-incident" not in [s["action"] for s in after["steps"]]
        timeline = operator1.get(f"/incidents/{parent}").json()["timeline"]
        assert [(e["action"], e["actor"]) for e in timeline[-2:]] == [
            ("MAJOR_INCIDENT", "supervisor"),
            ("MAJOR_INCIDENT_END", "supervisor"),
        ]
        assert timeline[-1]["reason"] == "Api sudah padam"
    finally:
        supervisor.post(f"/major-incidents/{major}/end", {"reason": "akhir uji"})  # 404 when ended above
