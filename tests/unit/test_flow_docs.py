"""docs/connect-flow.md and decisions 36-38 against the code: every action the runner simulates and
every flag of `python -m local call` is described, with the figures the code uses."""

from __future__ import annotations

import re

import pytest

from infra.contact_flow import CANNOT_SPEAK, CANNOT_SPEAK_KEYS, CANNOT_SPEAK_NOTED, CANNOT_SPEAK_WAIT_SECONDS
from infra.definitions import ROOT
from local.__main__ import parser
from local.contact_events import RING_SECONDS
from local.flow.actions import HANDLERS
from local.flow.call import TALK_SECONDS, CallSetup, simulate
from local.flow.runner import LIMIT_SECONDS
from local.flow.world import Script
from tests.flows import CALLER, StandInIntake
from tests.unit.test_docs import decision

DOC = (ROOT / "docs" / "connect-flow.md").read_text(encoding="utf-8")
SURGE = (ROOT / "docs" / "surge.md").read_text(encoding="utf-8")


def call_flags() -> set[str]:
    commands = next(a for a in parser()._actions if a.dest == "command")
    call = commands.choices["call"]  # type: ignore[index]
    return {o for a in call._actions for o in a.option_strings if o.startswith("--")} - {
        "--help",
        "--state-dir",
    }


def test_every_action_the_runner_simulates_is_described() -> None:
    table = DOC.split("The actions it runs, and how:", 1)[1].split("\n\n", 2)[1]
    described = set(re.findall(r"^\| `(\w+)`(?:, `(\w+)`)?", table, re.MULTILINE))
    assert {name for pair in described for name in pair if name} == set(HANDLERS)


def test_every_flag_of_the_call_command_is_described() -> None:
    flags = call_flags()
    assert flags >= {"--intake-error", "--intake-timeout", "--queue-full", "--abandon", "--silent", "--press"}
    for flag in flags:
        assert f"`{flag}" in DOC, flag


def test_the_figures_are_the_codes() -> None:
    assert f"{CANNOT_SPEAK_WAIT_SECONDS} s" in DOC
    assert f"{CANNOT_SPEAK_WAIT_SECONDS} s" in decision(36)
    assert " ".join(CANNOT_SPEAK_KEYS) in DOC
    assert CANNOT_SPEAK in DOC
    assert CANNOT_SPEAK_NOTED in DOC
    assert f"{TALK_SECONDS:.0f} s later" in DOC
    assert f"{LIMIT_SECONDS / 60:.0f} simulated minutes" in DOC
    assert "10 minutes" in decision(37)


def test_the_decisions_name_what_they_decide() -> None:
    assert "CANNOT_SPEAK" in decision(36)
    assert "local/flow/" in decision(37)
    assert "tests/unit/test_flow_paths.py" in decision(38)
    assert "(36)" in decision(18)


def to_queue(presses: str | None = None) -> tuple[float, float]:
    """Seconds from the call reaching Connect to the queue, and to the key's offer, on the runner's clock."""
    call = simulate(CallSetup(CALLER, script=Script(presses=presses)), StandInIntake())
    assert call.times.enqueued is not None
    offered = next(step.at for step in call.outcome.steps if step.action == "offer-cannot-speak-key")
    return (call.times.enqueued - call.times.initiated).total_seconds(), RING_SECONDS + offered


def test_what_the_key_costs_is_what_the_runner_measures(monkeypatch: pytest.MonkeyPatch) -> None:
    queued, offered = to_queue()
    pressed, _ = to_queue("55")
    monkeypatch.setattr("infra.contact_flow.CANNOT_SPEAK_WAIT_SECONDS", 3)
    shorter, _ = to_queue()

    figures = {
        "queued": f"{queued:.1f} s",
        "without the key": f"{offered:.1f} s",
        "the key's cost": f"{queued - offered:.1f} s",
        "with a 3 s wait": f"{shorter:.1f} s",
    }
    for what, figure in figures.items():
        assert figure in DOC, what
        assert figure in SURGE, what
    assert f"{pressed:.1f} s" in DOC
    assert f"{queued - offered:.1f} s" in decision(36)
    assert f"{queued:.1f} s" in decision(36)
