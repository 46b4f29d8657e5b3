"""`python -m local call` through the 112 contact flow against the running local stack: the intake runs
in the stack's Lambda runtime as Connect invokes it, the world does what the flags say, and whatever
fails, the caller ends with a human."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from local.simulator import ApiClient
from tests.integration.helpers import run_local, wait_for
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


# -- the call's contact events on its incident, and the callback desk ------------------------------------

EVENTS_TIMEOUT = 30.0  # seconds for SQS → intake-calls → the incident (the poller is asynchronous)


def incident_of(answer: dict[str, Any]) -> str:
    incident_id: str = answer["attributes"]["incidentId"]
    return incident_id


def detail(api: ApiClient, incident_id: str) -> dict[str, Any]:
    response = api.get(f"/incidents/{incident_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def on_desk(api: ApiClient, incident_id: str) -> dict[str, Any] | None:
    """The incident's entry in GET /callbacks, through every page of the desk."""
    cursor: str | None = None
    for _ in range(20):
        response = api.get("/callbacks", limit=50, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.text
        page = response.json()
        found = next((e for e in page["items"] if e["incident"]["id"] == incident_id), None)
        if found or not page.get("nextCursor"):
            return found
        cursor = page["nextCursor"]
    raise AssertionError("GET /callbacks kept returning a nextCursor")


def recorded(api: ApiClient, incident_id: str, *fields: str) -> dict[str, Any]:
    """The incident's `call` once intake-calls has recorded `fields` on it."""

    def has_them() -> dict[str, Any] | None:
        call: dict[str, Any] | None = detail(api, incident_id).get("call")
        return call if call and all(call.get(f) is not None for f in fields) else None

    return wait_for(has_them, EVENTS_TIMEOUT, f"{', '.join(fields)} on incident {incident_id}")


def test_a_call_abandoned_in_the_queue_is_on_the_callback_desk(
    endpoints: dict[str, Any], stack_dir: Path, operator1: ApiClient
) -> None:
    answer = flow_call(stack_dir, "--abandon", "41")
    incident_id = incident_of(answer)

    entry = wait_for(lambda: on_desk(operator1, incident_id), EVENTS_TIMEOUT, f"{incident_id} on the desk")
    assert "ABANDONED" in entry["incident"]["flags"]
    assert entry["incident"]["callback"]["reason"] == "ABANDONED"
    assert entry["incident"]["callback"]["queueWaitSeconds"] == 41
    assert entry["incident"]["caller"] == CALLER
    call = detail(operator1, incident_id)["call"]
    assert (call["abandoned"], call["answeredAt"], call["disconnectedBy"]) == (True, None, "CUSTOMER")


def test_an_answered_call_records_its_times_and_who_answered(
    endpoints: dict[str, Any], stack_dir: Path, operator1: ApiClient, api_for: Callable[[str], ApiClient]
) -> None:
    answer = flow_call(stack_dir, "--answer-after", "8", "--operator", "operator5")
    incident_id = incident_of(answer)
    assert "operator5 answers after 8 s" in answer["afterwards"]

    call = recorded(operator1, incident_id, "queuedAt", "answeredAt", "answeredBy", "disconnectedAt")
    assert call["answeredBy"] == "operator5"
    assert call["queueToAnswerSeconds"] == 8.0
    queued = answer["steps"][-1]["at"] + 0.5  # the flow's last step is the transfer; ring time before it
    assert call["ringToQueueSeconds"] == pytest.approx(queued, abs=0.1)
    assert call["ringToAnswerSeconds"] == pytest.approx(queued + 8, abs=0.1)
    assert (call["abandoned"], call["answerToClaimSeconds"]) == (False, None)
    operator5 = api_for("operator5")
    assert operator5.post(f"/incidents/{incident_id}/claim").status_code == 200
    assert detail(operator5, incident_id)["call"]["answerToClaimSeconds"] is not None
    assert on_desk(operator1, incident_id) is None


def test_an_answered_call_by_default_is_operator1s(
    endpoints: dict[str, Any], stack_dir: Path, operator1: ApiClient
) -> None:
    incident_id = incident_of(flow_call(stack_dir, "--answer-after", "3"))

    assert recorded(operator1, incident_id, "answeredBy")["answeredBy"] == "operator1"


def test_a_silent_call_marked_silent_goes_to_the_desk(
    endpoints: dict[str, Any], stack_dir: Path, operator2: ApiClient
) -> None:
    answer = flow_call(stack_dir, "--silent", "--answer-after", "5", "--operator", "operator2")
    incident_id = incident_of(answer)
    assert "cannotSpeak" not in answer["attributes"]
    assert "an open line" in answer["afterwards"]
    recorded(operator2, incident_id, "answeredBy")
    assert operator2.post(f"/incidents/{incident_id}/claim").status_code == 200

    marked = operator2.post(f"/incidents/{incident_id}/silent", {"note": "Hanya suara napas"})

    assert marked.status_code == 200, marked.text
    entry = on_desk(operator2, incident_id)
    assert entry is not None
    assert entry["incident"]["callback"]["reason"] == "SILENT"


def test_a_caller_who_pressed_55_is_not_sent_to_the_desk_when_marked_silent(
    endpoints: dict[str, Any], stack_dir: Path, operator2: ApiClient
) -> None:
    answer = flow_call(stack_dir, "--press", "55", "--answer-after", "5", "--operator", "operator2")
    incident_id = incident_of(answer)
    recorded(operator2, incident_id, "answeredBy")
    assert operator2.post(f"/incidents/{incident_id}/claim").status_code == 200

    marked = operator2.post(f"/incidents/{incident_id}/silent", {})

    assert marked.status_code == 200, marked.text
    assert {"CANNOT_SPEAK", "SILENT"} <= set(marked.json()["flags"])
    assert marked.json().get("callback") is None
    assert on_desk(operator2, incident_id) is None  # someone is there who cannot talk: stay with them


def test_an_abandoned_caller_reached_on_a_callback_goes_into_review(
    endpoints: dict[str, Any], stack_dir: Path, operator1: ApiClient, api_for: Callable[[str], ApiClient]
) -> None:
    incident_id = incident_of(flow_call(stack_dir, "--abandon"))
    wait_for(lambda: on_desk(operator1, incident_id), EVENTS_TIMEOUT, f"{incident_id} on the desk")
    operator6 = api_for("operator6")

    reached = operator6.post(f"/incidents/{incident_id}/callbacks", {"outcome": "REACHED"})

    assert reached.status_code == 200, reached.text
    assert (reached.json()["status"], reached.json()["assignedTo"]) == ("IN_REVIEW", "operator6")
    assert on_desk(operator1, incident_id) is None
    actions = [entry["action"] for entry in detail(operator6, incident_id)["timeline"]]
    assert actions == ["REGISTER", "ABANDON", "CALLBACK_REACHED"]
