"""The statistics on the local stack: incidents opened and decided through the API reach GET /stats
through the incidents table's stream, the local poller and stats-rollup, and only a supervisor reads them.

The stack is shared with the folder's other tests: the assertions count only the radio reports that
operator8 opens here (no other test opens a RADIO incident or signs in as operator8)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from local.simulator import ApiClient
from tests.integration.helpers import fire_in_genteng, wait_for

ROLLUP_TIMEOUT = 60.0


def stats_now(supervisor: ApiClient) -> dict[str, Any]:
    now = datetime.now(UTC)
    response = supervisor.get(
        "/stats",
        **{
            "from": (now - timedelta(hours=2)).isoformat(),
            "to": (now + timedelta(hours=1)).isoformat(),
            "by": "hour",
        },
    )
    assert response.status_code == 200, response.text
    total: dict[str, Any] = response.json()["total"]
    return total


def test_decided_incidents_are_counted_for_supervisors(api_for: Callable[[str], ApiClient]) -> None:
    operator, supervisor = api_for("operator8"), api_for("supervisor")
    opened = []
    for number in range(3):
        response = operator.post(
            "/incidents",
            {
                "channel": "RADIO",
                "summary": f"Laporan radio {number}",
                "location": {"district": "Genteng"},
                "caller": f"0812-0000-888{number}",
            },
        )
        assert response.status_code == 201, response.text
        opened.append(response.json()["id"])
        assert operator.post(f"/incidents/{opened[-1]}/claim").status_code == 200
    assert operator.post(f"/incidents/{opened[0]}/verify", fire_in_genteng()).status_code == 200
    assert operator.post(f"/incidents/{opened[1]}/reject", {"reason": "PRANK"}).status_code == 200

    def counted() -> dict[str, Any] | None:
        total = stats_now(supervisor)
        done = total["byChannel"].get("RADIO") == 3 and total["byOperator"].get("operator8") == 3
        return total if done and total["intervals"]["arrivalToClaim"]["count"] >= 3 else None

    total = wait_for(counted, ROLLUP_TIMEOUT, "three radio reports of operator8 in GET /stats")
    assert total["byDistrict"]["Genteng"] >= 3

    # each incident's own line, in its month's export, once its last change is rolled up
    month = (datetime.now(UTC) + timedelta(hours=7)).strftime("%Y-%m")  # Banyuwangi's month (WIB)

    def lines() -> dict[str, dict[str, str]] | None:
        response = supervisor.get(f"/reports/{month}/incidents.csv")
        assert response.status_code == 200, response.text
        rows = {row["incidentId"]: row for row in csv.DictReader(io.StringIO(response.text))}
        mine = {incident_id: rows[incident_id] for incident_id in opened if incident_id in rows}
        outcomes = [mine[i]["outcome"] for i in opened if i in mine]
        return mine if outcomes == ["verified", "prank", "open"] else None

    mine = wait_for(lines, ROLLUP_TIMEOUT, "the three radio reports in the month's CSV, decided")
    assert [mine[i]["category"] for i in opened] == ["FIRE", "NONE", "NONE"]
    assert [mine[i]["caller"] for i in opened] == ["'+62812******80", "'+62812******81", "'+62812******82"]
    assert all(float(mine[i]["arrivalToClaim"]) >= 0 for i in opened)

    assert (
        api_for("operator1")
        .get("/stats", **{"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"})
        .status_code
        == 403
    )


def test_a_rejected_incident_is_found_by_number_and_by_kecamatan_and_date(
    api_for: Callable[[str], ApiClient],
) -> None:
    operator = api_for("operator8")
    response = operator.post(
        "/incidents",
        {
            "channel": "RADIO",
            "summary": "Laporan iseng",
            "location": {"district": "Glagah"},
            "caller": "081200009999",
        },
    )
    incident_id = response.json()["id"]
    assert operator.post(f"/incidents/{incident_id}/claim").status_code == 200
    assert operator.post(f"/incidents/{incident_id}/reject", {"reason": "PRANK"}).status_code == 200
    now = datetime.now(UTC)
    day = {"from": (now - timedelta(hours=1)).isoformat(), "to": (now + timedelta(minutes=1)).isoformat()}

    by_number = operator.get("/search", caller="+6281200009999", **day).json()
    by_place = operator.get("/search", district="glagah", outcome="prank", **day).json()

    assert [(i["id"], i["status"], i["outcome"]) for i in by_number["items"]] == [
        (incident_id, "REJECTED", "prank")
    ]
    assert incident_id in [i["id"] for i in by_place["items"]]
    assert operator.get("/incidents", status="REJECTED").status_code == 422
