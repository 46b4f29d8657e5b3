"""`python -m local report|instagram|tweet|aml|outbox`, as a developer types them, against the folder's
stack: each prints the HTTP status and the answer, and exits 1 when the answer is an error.

One web report only: the folder's stack takes at most 5 per 10 minutes from 127.0.0.1 (see
test_channels.py)."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from local.simulator import ApiClient, place_call
from tests.integration.helpers import run_local, wait_for

CHANNEL_COMMANDS = ("report", "instagram", "tweet", "aml", "outbox")
ANSWER = re.compile(r"^(?P<status>\d{3}) (?P<body>\{.*\})$")


def answer(result: subprocess.CompletedProcess[str], status: int, exit_code: int = 0) -> dict[str, Any]:
    """The printed `<status> <json>` line, checked against the expected status and exit code."""
    output = f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == exit_code, output
    match = ANSWER.match(result.stdout.strip())
    assert match, output
    assert int(match["status"]) == status, output
    body: dict[str, Any] = json.loads(match["body"])
    return body


def fresh_number() -> str:
    return "+6281" + "".join(secrets.choice("0123456789") for _ in range(9))


def instagram_user() -> str:
    return "6104" + "".join(secrets.choice("0123456789") for _ in range(12))


@pytest.mark.parametrize("command", CHANNEL_COMMANDS)
def test_each_channel_command_has_help(command: str) -> None:
    result = run_local(command, "--help")

    assert result.returncode == 0, result.stderr
    assert f"python -m local {command}" in result.stdout
    assert "--state-dir" in result.stdout


def test_report_prints_the_202_and_the_incident(
    endpoints: dict[str, Any], stack_dir: Path, operator1: ApiClient
) -> None:
    text = f"Jembatan ambruk di Kalipuro, motor terperosok ({uuid.uuid4().hex[:8]})"

    result = run_local("report", text, "--phone", "081277001122", "--state-dir", str(stack_dir))

    body = answer(result, 202)
    incident = operator1.get(f"/incidents/{body['incidentId']}").json()
    assert (incident["channel"], incident["report"], incident["caller"]) == ("WEB", text, "+6281277001122")
    assert incident["location"]["district"] == "Glagah"  # the command's default


def test_instagram_prints_the_incident_and_the_reply_shows_in_the_outbox(
    endpoints: dict[str, Any], stack_dir: Path
) -> None:
    sender = instagram_user()

    result = run_local("instagram", "Tolong ada kebakaran", "--sender", sender, "--state-dir", str(stack_dir))

    (incident_id,) = answer(result, 200)["incidents"]

    def replied() -> str | None:
        out = run_local("outbox", "--state-dir", str(stack_dir))
        assert out.returncode == 0, out.stderr
        return out.stdout if f'"recipient": "{sender}"' in out.stdout else None

    listed = wait_for(replied, 30, f"a reply to {sender} in `python -m local outbox`")
    line = next(line for line in listed.splitlines() if f'"recipient": "{sender}"' in line)
    assert incident_id[-6:] in json.loads(line)["text"]


def test_instagram_forged_exits_1_with_401(stack_dir: Path, endpoints: dict[str, Any]) -> None:
    result = run_local("instagram", "Laporan palsu", "--forged", "--state-dir", str(stack_dir))

    body = answer(result, 401, exit_code=1)
    assert "X-Hub-Signature-256" in body["message"]


@pytest.mark.parametrize("mention", [False, True], ids=["dm", "mention"])
def test_tweet_prints_the_incident(
    endpoints: dict[str, Any], stack_dir: Path, operator1: ApiClient, mention: bool
) -> None:
    sender, text = str(secrets.randbelow(10**10)), f"Banjir di Muncar ({uuid.uuid4().hex[:8]})"
    args = ["tweet", text, "--sender", sender, "--state-dir", str(stack_dir)]

    result = run_local(*args, *(["--mention"] if mention else []))

    (incident_id,) = answer(result, 200)["incidents"]
    incident = operator1.get(f"/incidents/{incident_id}").json()
    assert (incident["channel"], incident["report"]) == ("TWITTER", text)
    assert incident["source"]["kind"] == ("mention" if mention else "dm")


@pytest.mark.parametrize("https", [False, True], ids=["sms", "https"])
def test_aml_prints_the_outcome(endpoints: dict[str, Any], stack_dir: Path, https: bool) -> None:
    number = fresh_number()
    common = [*(["--https"] if https else []), "--state-dir", str(stack_dir)]
    kept = run_local("aml", number, *common)
    incident_id = place_call(endpoints, number)["incidentId"]

    again = run_local("aml", number, "--lat", "-8.2", "--lon", "114.37", *common)

    assert answer(kept, 200) == {"outcome": "KEPT"}
    assert answer(again, 200) == {"outcome": "ATTACHED", "incidentId": incident_id}


def test_outbox_without_a_stack_says_how_to_start_one(tmp_path: Path) -> None:
    result = run_local("outbox", "--state-dir", str(tmp_path))

    assert result.returncode != 0
    assert "start the local stack first" in result.stderr
