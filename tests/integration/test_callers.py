"""Callers on the local stack, as `make dev` runs it: three calls from one number rejected as pranks make
the fourth call's Connect answer WARNED, and the flow, run locally, warns that caller and queues the call;
a verified later call resets it; a supervisor's lift is in the open incident's timeline; a DEMOTED call
is queued at the lower priority; the supervisors' list; the retention sweep runs; no log holds a full
number. The policy's thresholds from configuration: tests/integration/test_caller_policy.py."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from infra.contact_flow import CONNECT_DEFAULT_QUEUE_PRIORITY, CONNECT_DEMOTED_QUEUE_PRIORITY, WARNING
from local.aws import client
from local.simulator import ApiClient, place_call
from tests.integration.helpers import fire_in_genteng, run_local
from tests.integration.test_cli import ok


def new_caller() -> str:
    return f"+62813{secrets.randbelow(10**7):07d}"


def path(caller: str) -> str:
    return f"/callers/{quote(caller, safe='')}"  # %2B62…


def pranks(endpoints: dict[str, Any], operator: ApiClient, caller: str, count: int = 3) -> list[str]:
    ids = []
    for _ in range(count):
        answer = place_call(endpoints, caller)
        incident_id = answer["incidentId"]
        assert operator.post(f"/incidents/{incident_id}/claim").status_code == 200
        rejected = operator.post(f"/incidents/{incident_id}/reject", {"reason": "PRANK", "note": "iseng"})
        assert rejected.status_code == 200, rejected.text
        ids.append(incident_id)
    return ids


def test_three_pranks_warn_the_fourth_call_and_a_verified_later_call_resets(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    caller = new_caller()
    first = place_call(endpoints, caller)
    assert (first["callerStanding"], first["recentPranks"]) == ("NORMAL", "0")
    assert operator1.post(f"/incidents/{first['incidentId']}/claim").status_code == 200
    assert operator1.post(f"/incidents/{first['incidentId']}/reject", {"reason": "PRANK"}).status_code == 200
    pranks(endpoints, operator1, caller, 2)

    fourth = place_call(endpoints, caller)

    assert (fourth["callerStanding"], fourth["recentPranks"]) == ("WARNED", "3")
    incident = operator1.get(f"/incidents/{fourth['incidentId']}").json()
    assert "WARNED" in incident["flags"]
    assert incident["recentPranks"] == 3
    history = operator1.get(path(caller)).json()
    assert history["standing"]["standing"] == "WARNED"
    assert [h["outcome"] for h in history["history"]] == ["OPEN", "PRANK", "PRANK", "PRANK"]

    # The fourth was a genuine emergency after all: verified A1, and the number starts afresh.
    assert operator1.post(f"/incidents/{fourth['incidentId']}/claim").status_code == 200
    verified = operator1.post(f"/incidents/{fourth['incidentId']}/verify", fire_in_genteng())
    assert verified.status_code == 200, verified.text
    fifth = place_call(endpoints, caller)
    assert (fifth["callerStanding"], fifth["recentPranks"]) == ("NORMAL", "3")


def flow_call(stack_dir: Path, caller: str) -> dict[str, Any]:
    """`python -m local call <caller> --json`: the call through the contact flow, as Connect runs it."""
    answer: dict[str, Any] = json.loads(
        ok(run_local("call", caller, "--json", "--state-dir", str(stack_dir)))
    )
    return answer


def said(answer: dict[str, Any], action: str) -> list[str | None]:
    return [step["said"] for step in answer["steps"] if step["action"] == action]


def test_the_fourth_call_through_the_flow_hears_the_warning_and_is_queued(
    endpoints: dict[str, Any], stack_dir: Path, operator1: ApiClient
) -> None:
    caller = new_caller()
    first = flow_call(stack_dir, caller)
    assert (first["attributes"]["callerStanding"], said(first, "warn-caller")) == ("NORMAL", [])
    assert operator1.post(f"/incidents/{first['attributes']['incidentId']}/claim").status_code == 200
    assert operator1.post(f"/incidents/{first['attributes']['incidentId']}/reject", {"reason": "PRANK"}).ok
    pranks(endpoints, operator1, caller, 2)

    fourth = flow_call(stack_dir, caller)

    assert (fourth["attributes"]["callerStanding"], fourth["attributes"]["recentPranks"]) == ("WARNED", "3")
    assert said(fourth, "warn-caller") == [WARNING]
    actions = [step["action"] for step in fourth["steps"]]
    assert actions.index("warn-caller") < actions.index("transfer-to-operators")
    assert (fourth["end"], fourth["queuePriority"]) == ("QUEUED", CONNECT_DEFAULT_QUEUE_PRIORITY)
    incident = operator1.get(f"/incidents/{fourth['attributes']['incidentId']}").json()
    assert (incident["status"], incident["flags"]) == ("RECEIVED", ["WARNED"])


def test_a_demoted_call_through_the_flow_is_queued_behind_genuine_callers(
    endpoints: dict[str, Any], stack_dir: Path, api_for: Callable[[str], ApiClient]
) -> None:
    caller = new_caller()
    imposed = api_for("supervisor").post(
        f"{path(caller)}/standing", {"standing": "DEMOTED", "reason": "Mengancam petugas"}
    )
    assert imposed.status_code == 200, imposed.text

    answer = flow_call(stack_dir, caller)

    assert answer["attributes"]["callerStanding"] == "DEMOTED"
    assert said(answer, "warn-caller") == [WARNING]
    # the same queue, the same operators: only its place among the waiting calls is lower
    assert (answer["end"], answer["queuePriority"]) == ("QUEUED", CONNECT_DEMOTED_QUEUE_PRIORITY)


def test_a_supervisors_lift_is_in_the_open_incidents_timeline(
    endpoints: dict[str, Any], operator1: ApiClient, api_for: Callable[[str], ApiClient]
) -> None:
    supervisor = api_for("supervisor")
    caller = new_caller()
    pranks(endpoints, operator1, caller)
    fourth = place_call(endpoints, caller)
    assert fourth["callerStanding"] == "WARNED"
    listed = supervisor.get("/callers").json()["items"]
    assert [(r["standing"], r["recentPranks"]) for r in listed if r["caller"] == caller] == [("WARNED", 3)]

    lifted = supervisor.post(
        f"{path(caller)}/standing", {"standing": "NORMAL", "reason": "Penelepon dikenal"}
    )

    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["timeline"][0]["change"] == "LIFT"
    incident = operator1.get(f"/incidents/{fourth['incidentId']}").json()
    (entry,) = [e for e in incident["timeline"] if e["action"] == "STANDING"]
    assert (entry["actor"], entry["reason"], entry["details"]) == (
        "supervisor",
        "Penelepon dikenal",
        {"standing": "NORMAL"},
    )
    assert "WARNED" not in incident["flags"]
    assert all(r["caller"] != caller for r in supervisor.get("/callers").json()["items"])
    assert place_call(endpoints, caller)["callerStanding"] == "NORMAL"


def test_a_supervisor_imposes_a_demotion_and_the_call_is_still_registered_for_the_operators(
    endpoints: dict[str, Any], operator1: ApiClient, api_for: Callable[[str], ApiClient]
) -> None:
    caller = new_caller()
    imposed = api_for("supervisor").post(
        f"{path(caller)}/standing", {"standing": "DEMOTED", "reason": "Mengancam petugas"}
    )
    assert imposed.status_code == 200, imposed.text

    answer = place_call(endpoints, caller)

    assert answer["callerStanding"] == "DEMOTED"
    incident = operator1.get(f"/incidents/{answer['incidentId']}").json()
    # registered like any other call, for the same operators (the flow queues it at a lower priority)
    assert (incident["status"], incident["flags"]) == ("RECEIVED", ["DEMOTED"])


def test_only_operators_and_supervisors_read_a_history_and_only_supervisors_the_list(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    caller = new_caller()
    assert requests.get(endpoints["api"] + path(caller), timeout=10).status_code == 401
    assert operator1.get(path(caller)).status_code == 200
    assert operator1.get("/callers").status_code == 403
    assert (
        operator1.post(f"{path(caller)}/standing", {"standing": "NORMAL", "reason": "x" * 5}).status_code
        == 403
    )
    assert operator1.get("/callers/%2B62-bukan-nomor").status_code == 422


def test_the_retention_sweep_runs_on_the_local_stack(endpoints: dict[str, Any]) -> None:
    lambda_client = client("lambda", endpoints["lambda"], endpoints["region"])
    response = lambda_client.invoke(FunctionName="privacy-retention", Payload=b"{}")
    assert "FunctionError" not in response, response["Payload"].read()
    answer = json.loads(response["Payload"].read())
    assert answer["retentionDays"] == 90
    assert answer["masked"] == 0  # nothing on a fresh stack is 90 days old


def test_no_log_holds_a_callers_full_number(
    endpoints: dict[str, Any], operator1: ApiClient, stack_dir: Path
) -> None:
    caller = new_caller()
    pranks(endpoints, operator1, caller, 1)
    assert operator1.get(path(caller)).status_code == 200
    written = [stack_dir / "stack.log", *Path(endpoints["logs"]).glob("*.log")]
    for log in written:
        text = log.read_text(encoding="utf-8", errors="replace")
        assert caller not in text, log
        assert quote(caller, safe="") not in text, log
