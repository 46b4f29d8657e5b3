"""cfn-lint passes on every synthesized template (errors and warnings)."""

from __future__ import annotations

import json

from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]

from tests.infra.helpers import Synthesized

# The stack deploys to a region with Amazon Connect; ap-southeast-1 serves Indonesia, us-east-1 is
# cfn-lint's reference region.
REGIONS = ["ap-southeast-1", "us-east-1"]
IGNORED = [
    # W3005 "dependency already enforced by a GetAtt": CDK adds an explicit DependsOn on each function's
    # role (and role policy) although the function's Role property already GetAtts the role. Harmless and
    # not ours to change.
    "W3005",
]


def test_template_passes_cfn_lint(config: Synthesized) -> None:
    matches = lint(json.dumps(config.template), config=ManualArgs(regions=REGIONS, ignore_checks=IGNORED))
    assert [str(match) for match in matches] == []


def test_cfn_lint_reports_problems() -> None:
    """The linter is wired up: a broken template does not pass."""
    broken = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "x"}}}}
    matches = lint(json.dumps(broken), config=ManualArgs(regions=REGIONS, ignore_checks=IGNORED))
    assert matches
