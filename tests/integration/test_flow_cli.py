"""`python -m local call` through the 112 contact flow against the running local stack: the intake runs
in the stack's Lambda runtime as Connect invokes it, the world does what the flags say, and whatever
fails, the caller ends with a human."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local.simulator import ApiClient
from tests.integration.helpers import run_local
from tests.integration.test_cli import ok

CALLER = "+6281234567891"


def flow_call(stack_dir: Path, *flags: str) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(
        ok(run_local("call", CALLER, "--json", *flags, "--state-dir", str(stack_dir)))
    )
    return answer


def step(answer: dict[str, Any], action: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in answer["steps"] if s["action"] == action]
    assert len(found) == 1, found
    return found[0]


def test_a_call_prints_each_step_what_the_caller_hears_and_where_it_ends(
    endpoints: dict[str, Any], stack_dir: Path, operator1: ApiClient
) -> None:
    out = ok(run_local("call", CALLER, "--state-dir", str(stack_dir)))

    assert "caller hears: “Layanan darurat satu satu dua Kabupaten Banyuwangi." in out
    assert "caller hears: “Jika Anda tidak dapat berbicara, tekan lima lima.”" in out
    assert "register-incident" in out
    assert "\nQUEUED at +" in out
    incident_id = next(
        line.split("incidentId=")[1].split(";")[0] for line in out.splitlines() if "keep-incident-id" in line
    )
    detail = operator1.get(f"/incidents/{incident_id}").json()
    assert detail["status"] == "RECEIVED"
    assert detail["caller"] == CALLER


def test_the_cannot_speak_key_flags_the_incident(
    endpoints: dict[str, Any], stack_dir: Path, operator1: ApiClient
) -> None:
    answer = flow_call(stack_dir, "--press", "55", "--answer-after", "8")

    assert answer["end"] == "QUEUED"
    assert answer["attributes"]["cannotSpeak"] == "true"
    assert step(answer, "flag-cannot-speak")["branch"] == "next"
    detail = operator1.get(f"/incidents/{answer['attributes']['incidentId']}").json()
    assert detail["flags"] == ["CANNOT_SPEAK"]
    flagged = detail["timeline"][-1]
    assert (flagged["action"], flagged["actor"], flagged["details"]) == (
        "FLAG",
        "system:connect",
        {"flag": "CANNOT_SPEAK"},
    )
    assert answer["events"] == [
        "INITIATED",
        "CONNECTED_TO_SYSTEM",
        "QUEUED",
        "CONNECTED_TO_AGENT",
        "DISCONNECTED",
    ]


def test_a_failing_intake_still_reaches_the_queue(endpoints: dict[str, Any], stack_dir: Path) -> None:
    answer = flow_call(stack_dir, "--intake-error")

    assert answer["end"] == "QUEUED"
    assert step(answer, "register-incident")["branch"] == "error:NoMatchingError"
    assert "incidentId" not in answer["attributes"]


def test_a_timed_out_intake_registers_late_and_the_operator_finds_the_call_by_its_contact(
    endpoints: dict[str, Any], stack_dir: Path, operator1: ApiClient
) -> None:
    answer = flow_call(stack_dir, "--intake-timeout")

    assert answer["end"] == "QUEUED"
    assert "incidentId" not in answer["attributes"]
    opened = operator1.post("/incidents", {"channel": "VOICE", "contactId": answer["contactId"]})
    assert opened.status_code == 200, opened.text  # the late registration's, not a new one
    assert opened.json()["createdBy"] == "system:intake"


def test_a_full_queue_goes_to_the_backup_number(endpoints: dict[str, Any], stack_dir: Path) -> None:
    answer = flow_call(stack_dir, "--queue-full", "--backup-number", "+62333421112")

    assert (answer["end"], answer["reached"]) == ("TRANSFERRED", "+62333421112")
    assert [s["branch"] for s in answer["steps"] if s["action"] == "queue-attempts"][
        -1
    ] == "condition:DoneLooping"


def test_an_abandoned_call_emits_its_contact_events(endpoints: dict[str, Any], stack_dir: Path) -> None:
    answer = flow_call(stack_dir, "--abandon", "20")

    assert answer["end"] == "QUEUED"
    assert answer["events"] == ["INITIATED", "CONNECTED_TO_SYSTEM", "QUEUED", "DISCONNECTED"]
    # delivered when the stack has the queue for them, and said so when it has not
    assert answer["eventsSentTo"] == endpoints["resources"]["queues"].get("contact-events")


def test_flags_that_cannot_apply_are_refused(endpoints: dict[str, Any], stack_dir: Path) -> None:
    direct = run_local("call", "--direct", "--press", "55", "--state-dir", str(stack_dir))
    unknown = run_local("call", "--fail", "nowhere", "--state-dir", str(stack_dir))
    wrong = run_local("call", "--fail", "greet=QueueAtCapacity", "--state-dir", str(stack_dir))

    assert direct.returncode != 0
    assert "--direct skips the flow, so --press cannot apply" in direct.stderr
    assert unknown.returncode != 0
    assert "the flow has no action nowhere" in unknown.stderr
    assert wrong.returncode != 0
    assert "greet cannot fail with QueueAtCapacity; it can: NoMatchingError" in wrong.stderr
