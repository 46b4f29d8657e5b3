"""What the docs say about the code's figures and rules, checked against the code: the reconciler's timing
(docs/decisions.md), who records an agency's confirmation (docs/api.md), the panels' requests in the cost
table (docs/costs.md), what the `admin` group grants (docs/deploy.md). The docs' shape, links, commands and
paths are tests/unit/test_docs_structure.py's."""

from __future__ import annotations

import re

from core.incidents import ESCALATE_AFTER
from core.settings import Settings
from infra.definitions import DISPATCH_QUEUE, ROOT, api_routes, function
from infra.definitions import OPERATOR_GROUPS as USER_POOL_GROUPS
from tests.panel_traffic import BUSIEST_RATE, IDLE_RATE, polls_per_second
from verify.auth import ADMIN_GROUP, OPERATOR_GROUPS

DOCS = ROOT / "docs"
DECISIONS = (DOCS / "decisions.md").read_text(encoding="utf-8")
API = (DOCS / "api.md").read_text(encoding="utf-8")
COSTS = (DOCS / "costs.md").read_text(encoding="utf-8")
DEPLOY = (DOCS / "deploy.md").read_text(encoding="utf-8")
# What a reader is told today; decisions.md also records what an earlier README said.
CURRENT = {path.name: path.read_text(encoding="utf-8") for path in [ROOT / "README.md", *DOCS.glob("*.md")]}
CURRENT.pop("decisions.md")


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


def test_the_api_doc_says_who_records_an_agencys_confirmation() -> None:
    (row,) = [line for line in API.splitlines() if "/acknowledge` |" in line]

    assert "record" in row
    assert "no account" in row


TIMES, DASH = "\u00d7", "\u2013"  # as docs/costs.md writes them


def cost_row(item: str) -> str:
    (row,) = [line for line in COSTS.splitlines() if line.startswith(f"| {item} |")]
    return row


def test_the_cost_table_counts_the_requests_an_open_panel_makes() -> None:
    """The cost estimate assumes what a panel really sends (tests/panel_traffic.py), not a guess."""
    found = re.search(
        rf"(\d+) panels {TIMES} ([\d.]+){DASH}([\d.]+) req/s {TIMES} ([\d.]+) M s"
        rf" = ([\d.]+){DASH}([\d.]+) M requests",
        cost_row("API Gateway (REST)"),
    )
    assert found, "the API Gateway row shows panels x rate x seconds = requests"
    panels, low, high, seconds, requests_low, requests_high = (float(g) for g in found.groups())

    # its rates span what a panel makes: from idle (1.1/s) to well past the incoming tab with an incident
    # open, within the busiest tab's bound (2.4/s)
    assert abs(low - IDLE_RATE) / IDLE_RATE < 0.1
    assert polls_per_second("queue", incident_open=True) <= high <= BUSIEST_RATE
    assert seconds == round(30 * 24 * 3600 / 1e6, 1)
    assert (requests_low, requests_high) == (
        round(panels * low * seconds, 1),
        round(panels * high * seconds, 1),
    )
    # the items that grow with each request use the same volume
    volume = f"{requests_low}{DASH}{requests_high} M"
    for item in ("WAF", "Lambda", "DynamoDB on demand"):
        assert volume in cost_row(item), item


def test_the_admin_group_says_it_edits_the_agency_directory_and_nothing_else() -> None:
    """The user pool's groups (infra/definitions.py) against what the API admits (verify/auth.py) and what
    decision 32 says: admin changes the directory, opens no incident, and manages no account."""
    others = [g for g in USER_POOL_GROUPS if g.name not in OPERATOR_GROUPS]

    assert [g.name for g in others] == [ADMIN_GROUP]
    (admin,) = others
    assert "agency directory" in admin.description.lower()
    assert "no incidents" in admin.description
    assert "manage accounts" not in admin.description.lower()
    assert ADMIN_GROUP not in OPERATOR_GROUPS  # incidents stay the operators'
    for name, text in CURRENT.items():
        assert "account managers in `admin`" not in text, name
        assert "grants nothing" not in text, name
    (line,) = [line for line in DEPLOY.splitlines() if line.startswith("| operators | Cognito user pool")]
    assert "`admin`, the agency directory's editors" in line
    text = decision(32)
    assert "grants nothing" not in text
    assert "agency directory" in text
    assert "/agencies" in text
