"""cfn-lint passes on every synthesized template (errors and warnings), with the settings of the
repository's .cfnlintrc, so a bare `cfn-lint cdk.out/*.template.json` after `make synth` agrees."""

from __future__ import annotations

import json
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML comes with cfn-lint
from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]

from infra.definitions import ROOT
from tests.infra.helpers import Synthesized

SETTINGS: dict[str, Any] = yaml.safe_load((ROOT / ".cfnlintrc").read_text(encoding="utf-8"))
REGIONS: list[str] = SETTINGS["regions"]
IGNORED: list[str] = SETTINGS["ignore_checks"]


def test_the_settings_are_narrow() -> None:
    assert "ap-southeast-1" in REGIONS
    assert IGNORED == ["W3005"], "every ignored check needs its reason in .cfnlintrc"
    assert set(SETTINGS) == {"regions", "ignore_checks"}


def test_template_passes_cfn_lint(config: Synthesized) -> None:
    matches = lint(json.dumps(config.template), config=ManualArgs(regions=REGIONS, ignore_checks=IGNORED))
    assert [str(match) for match in matches] == []


def test_cfn_lint_reports_problems() -> None:
    """The linter is wired up: a broken template does not pass."""
    broken = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "x"}}}}
    matches = lint(json.dumps(broken), config=ManualArgs(regions=REGIONS, ignore_checks=IGNORED))
    assert matches
