"""`python -m local` as a developer types it, against the folder's stack (and, once, a stack of its own)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration.helpers import kill_group, log_tail, run_local, start_stack, stop_stack, wait_until_up

COMMANDS = ("serve", "call", "demo", "token", "inbox")
ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (
        f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result.stdout


# -- help -------------------------------------------------------------------------------------------


def test_help_lists_every_command() -> None:
    out = ok(run_local("--help"))

    assert "python -m local" in out
    for command in COMMANDS:
        assert command in out


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(command: str) -> None:
    out = ok(run_local(command, "--help"))

    assert f"python -m local {command}" in out
    assert "--state-dir" in out


# -- against the running stack ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_output(endpoints: dict[str, Any], stack_dir: Path) -> str:
    return ok(run_local("demo", "--state-dir", str(stack_dir)))


def test_call_direct_prints_the_intakes_answer(endpoints: dict[str, Any], stack_dir: Path) -> None:
    out = ok(run_local("call", "+6281234567890", "--direct", "--state-dir", str(stack_dir)))

    answer = json.loads(out)
    assert ULID.fullmatch(answer["incidentId"])
    assert answer["incidentStatus"] == "RECEIVED"
    assert answer["callerKnown"] == "true"


def test_call_again_with_the_same_contact_id(endpoints: dict[str, Any], stack_dir: Path) -> None:
    first = json.loads(
        ok(run_local("call", "--direct", "--contact-id", "cli-retry-1", "--state-dir", str(stack_dir)))
    )
    again = json.loads(
        ok(run_local("call", "--direct", "--contact-id", "cli-retry-1", "--state-dir", str(stack_dir)))
    )

    assert again["incidentId"] == first["incidentId"]
    assert again["repeatInvocation"] == "true"


def test_call_withheld(endpoints: dict[str, Any], stack_dir: Path) -> None:
    answer = json.loads(ok(run_local("call", "--direct", "--withheld", "--state-dir", str(stack_dir))))

    assert answer["callerKnown"] == "false"


def test_token_prints_an_id_token_the_api_accepts(endpoints: dict[str, Any], stack_dir: Path) -> None:
    token = ok(run_local("token", "operator1", "--state-dir", str(stack_dir))).strip()

    assert len(token.split(".")) == 3
    assert all(part for part in token.split("."))
    response = requests.get(
        f"{endpoints['api']}/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200
    assert response.json()["username"] == "operator1"


def test_token_for_an_unknown_user_fails_with_a_hint(endpoints: dict[str, Any], stack_dir: Path) -> None:
    result = run_local("token", "mallory", "--state-dir", str(stack_dir))

    assert result.returncode != 0
    assert "mallory" in result.stderr
    assert "operator1" in result.stderr


def test_demo_ends_dispatched(demo_output: str) -> None:
    assert "status=IN_REVIEW" in demo_output
    assert "status=VERIFIED" in demo_output
    assert "status=DISPATCHED" in demo_output
    assert "DAMKAR: Pos Damkar Genteng" in demo_output  # the directory's suggestion, by name
    assert "DAMKAR (damkar-genteng): NOTIFIED" in demo_output
    assert "system:dispatch" in demo_output


def test_inbox_prints_what_the_agency_received(demo_output: str, stack_dir: Path) -> None:
    incident_id = ULID.search(demo_output)
    assert incident_id is not None

    out = ok(run_local("inbox", "DAMKAR", "--state-dir", str(stack_dir)))

    assert incident_id[0] in out
    assert '"agency": "DAMKAR"' in out


def test_inbox_of_an_agency_with_nothing(endpoints: dict[str, Any], stack_dir: Path) -> None:
    out = ok(run_local("inbox", "bpbd", "--state-dir", str(stack_dir)))

    assert out.strip() == "no messages for BPBD"


def test_commands_without_a_running_stack_say_so(tmp_path: Path) -> None:
    result = run_local("call", "--state-dir", str(tmp_path))

    assert result.returncode != 0
    assert "start the local stack" in result.stderr


# -- a stack of its own -------------------------------------------------------------------------------


def test_default_command_serves_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    """`python -m local` without a command starts the stack; Ctrl-C in its terminal (SIGINT to the whole
    process group, function workers included) stops it cleanly."""
    process, log_path = start_stack(
        tmp_path, "--port", "0", "--lambda-port", "0", "--aws-port", "0", "--no-prewarm"
    )
    try:
        endpoints = wait_until_up(process, tmp_path, log_path)
        answer = json.loads(ok(run_local("call", "--json", "--state-dir", str(tmp_path))))  # starts a worker
        assert answer["end"] == "QUEUED"
        assert answer["attributes"]["incidentStatus"] == "RECEIVED"
        assert endpoints["users"].keys() >= {"operator1", "operator9", "supervisor"}
    except BaseException:
        kill_group(process)
        raise

    status = stop_stack(process, log_path, whole_group=True)

    log = log_tail(log_path)
    assert status == 0, log
    assert "stopped" in log
    assert "Traceback" not in log


def test_inbox_of_a_post_with_placeholder_contacts_is_empty(
    endpoints: dict[str, Any], stack_dir: Path
) -> None:
    # the seed's contacts are placeholders: nothing is ever sent there
    out = ok(run_local("inbox", "polsek-licin", "--state-dir", str(stack_dir)))

    assert out.strip() == "no messages for polsek-licin"


def test_respond_with_a_link_that_is_not_valid_says_404(endpoints: dict[str, Any], stack_dir: Path) -> None:
    link = (
        f"{endpoints['api']}/respond.html#t=01ABCDEFGHJKMNPQRSTVWXYZ01.damkar-genteng.1999999999.{'A' * 43}"
    )
    result = run_local("respond", link, "--state-dir", str(stack_dir))

    assert result.stdout.startswith("404"), result.stdout + result.stderr
