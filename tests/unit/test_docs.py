"""What README.md and docs/decisions.md say about the code's figures and rules, checked against the code:
the reconciler's timing, who records an agency's confirmation."""

from __future__ import annotations

import re

from core.incidents import ESCALATE_AFTER
from core.settings import Settings
from infra.definitions import DISPATCH_QUEUE, ROOT, api_routes, function
from verify.auth import OPERATOR_GROUPS

DECISIONS = (ROOT / "docs" / "decisions.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def decision(number: int) -> str:
    """The text of `## <number>. …` up to the next section, on one line."""
    match = re.search(rf"^## {number}\. (.*?)(?=^## |\Z)", DECISIONS, re.MULTILINE | re.DOTALL)
    assert match, f"docs/decisions.md has no section {number}"
    return " ".join(match.group(1).split())


def sentences(text: str, word: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;:])\s+", text) if word in s.lower()]


def test_decision_3_gives_the_reconcilers_real_timing() -> None:
    text = decision(3)
    grace = Settings.model_fields["dispatch_grace_seconds"].default
    visibility = DISPATCH_QUEUE.visibility_timeout_seconds

    assert function("dispatch-reconciler").schedule_minutes == 1
    assert "every minute" in text
    assert grace > visibility  # why the grace is what it is
    # every duration in seconds it names is one of these two, and both are named
    assert {int(n) for n in re.findall(r"(\d+) s\b", text)} == {grace, visibility}
    assert f"{int(ESCALATE_AFTER.total_seconds() // 60)} minutes" in text


def test_decision_12_says_operators_record_an_agencys_confirmation() -> None:
    (route,) = [r for r in api_routes() if r.path.endswith("/acknowledge")]
    assert route.secured
    assert {"operator", "supervisor"} == OPERATOR_GROUPS  # who may call it: no agency has an account

    text = decision(12)
    about = sentences(text, "acknowledge") + sentences(text, "confirm")
    assert about
    assert not re.search(r"\bagencies acknowledge\b", text, re.IGNORECASE)
    assert any("operator" in s for s in about)
    assert route.path.replace("{incident_id}", "{id}") in text


def test_the_readme_says_who_records_an_agencys_confirmation() -> None:
    (row,) = [line for line in README.splitlines() if "/acknowledge` |" in line]

    assert "record" in row
    assert "no account" in row
