"""cdk-nag runs on every synth (AwsSolutions and Serverless packs as validation plugins), every
configuration is clean, and every acknowledgment is narrow, explained and still needed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from aws_cdk import App, Duration, Stack, Validations
from aws_cdk import aws_sqs as sqs
from constructs import IConstruct

from infra.app import build
from tests.infra.conftest import CONFIGURATIONS, context, new_app
from tests.infra.helpers import Synthesized, plugin_reports, read_validation_report

PACKS = ("AwsSolutions", "Serverless")
ACKNOWLEDGED = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
# The constructs Respon112Stack composes, one per concern.
CONCERNS = (
    "encryption",
    "data",
    "messaging",
    "auth",
    "hosting",
    "functions",
    "api",
    "connect",
    "observability",
)


def acknowledgments(app: App) -> Iterator[tuple[IConstruct, str, Any]]:
    """(construct, acknowledged id, reason) for every acknowledgment in the construct tree, App included."""
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == ACKNOWLEDGED:
                assert isinstance(entry.data, dict), f"{construct.node.path}: {entry.data!r}"
                for rule, reason in entry.data.items():
                    yield construct, str(rule), reason


def test_both_packs_run_and_pass(config: Synthesized) -> None:
    # Reaching here means app.synth() did not raise; the report proves both packs ran, and ran clean.
    plugins = plugin_reports(config.report())
    assert set(PACKS) <= set(plugins), f"packs that ran: {sorted(plugins)}"
    for pack in PACKS:
        assert plugins[pack]["conclusion"] == "success", plugins[pack]
        assert plugins[pack]["violations"] == [], plugins[pack]["violations"]


def test_an_unacknowledged_finding_fails_the_synth(tmp_path: Path) -> None:
    app, stack = new_app({}, tmp_path)
    # No dead-letter queue, no TLS-only policy, no encryption: findings nobody acknowledged.
    sqs.Queue(stack, "Offender", retention_period=Duration.days(1))
    with pytest.raises(RuntimeError, match="ValidationFailed") as raised:
        app.synth()
    report = read_validation_report(tmp_path)
    plugins = plugin_reports(report)
    offender = f"{stack.node.path}/Offender/Resource"
    found = {
        violation["ruleName"]
        for plugin in plugins.values()
        for violation in plugin["violations"]
        if any(c["constructPath"] == offender for c in violation["violatingConstructs"])
    }
    assert {"AwsSolutions-SQS3", "AwsSolutions-SQS4", "Serverless-SQSRedrivePolicy"} <= found, found
    assert plugins["AwsSolutions"]["conclusion"] == "failure"
    # The error names the report; the report names the rules (the message itself does not).
    assert "validation-report.json" in str(raised.value)


def test_every_acknowledgment_gives_a_reason(config: Synthesized) -> None:
    found = list(acknowledgments(config.app))
    assert found, "no acknowledgments found: is the metadata key right?"
    for construct, rule, reason in found:
        assert rule.split("::", 1)[0] in PACKS, f"{construct.node.path}: {rule}"
        assert isinstance(reason, str), f"{construct.node.path} {rule}: {reason!r}"
        # A reason says why the finding is acceptable, in a sentence, not a placeholder.
        assert len(reason.strip()) >= 30, f"{construct.node.path} {rule}: reason {reason!r}"


def test_acknowledgments_are_made_on_the_narrowest_construct(config: Synthesized) -> None:
    stack = config.stack
    # The stack's concerns (Functions, Api, Messaging, …) group many resources: too wide to acknowledge on.
    concerns = {getattr(stack, name).node.path for name in CONCERNS}
    for construct, rule, _ in acknowledgments(config.app):
        path = construct.node.path
        assert construct is not config.app, f"{rule} acknowledged on the App"
        assert not Stack.is_stack(construct), f"{rule} acknowledged on the stack {path}"
        assert path not in concerns, f"{rule} acknowledged on {path}, which holds a whole concern"


def test_every_acknowledgment_still_suppresses_a_finding(config: Synthesized) -> None:
    """An acknowledgment that suppresses nothing is stale: it would silently hide the finding it names if
    the code it excuses changed."""
    suppressed = {
        (violation["acknowledgedAt"], violation["acknowledgedId"])
        for plugin in config.report()["pluginReports"]
        for violation in plugin["suppressedViolations"]
    }
    made = {(construct.node.path, rule) for construct, rule, _ in acknowledgments(config.app)}
    assert made - suppressed == set(), "acknowledgments that suppress no finding"


# How `cdk synth` runs the app: the CLI always sets a region (its profile's, else us-east-1) and, with
# credentials, the account. The session's templates are environment-agnostic; these are bound.
BOUND_ENVIRONMENTS = {
    "cli-without-credentials": {"CDK_DEFAULT_REGION": "us-east-1"},
    "singapore-account": {"CDK_DEFAULT_REGION": "ap-southeast-1", "CDK_DEFAULT_ACCOUNT": "123456789012"},
}


@pytest.mark.parametrize("stage", ["dev", "prod", "full"])
@pytest.mark.parametrize("environment", BOUND_ENVIRONMENTS)
def test_a_stack_bound_to_a_region_and_account_synthesizes_clean(
    tmp_path: Path, stage: str, environment: str
) -> None:
    """Acknowledgments that name a resource by its ARN must match the ARN as cdk-nag renders it in a bound
    stack too (literal region, account and partition): `make synth` runs exactly this."""
    app = App(outdir=str(tmp_path), context=context(CONFIGURATIONS[stage]))
    with mock.patch.dict(os.environ, BOUND_ENVIRONMENTS[environment]):
        if "CDK_DEFAULT_ACCOUNT" not in BOUND_ENVIRONMENTS[environment]:
            os.environ.pop("CDK_DEFAULT_ACCOUNT", None)
        stack = build(app)
        app.synth()  # raises on any finding nobody acknowledged
    assert stack.region == BOUND_ENVIRONMENTS[environment]["CDK_DEFAULT_REGION"]
    plugins = plugin_reports(read_validation_report(tmp_path))
    for pack in PACKS:
        assert plugins[pack]["violations"] == [], plugins[pack]["violations"]
    # and every acknowledgment still suppresses a finding in the bound stack
    suppressed = {
        (violation["acknowledgedAt"], violation["acknowledgedId"])
        for plugin in plugins.values()
        for violation in plugin["suppressedViolations"]
    }
    made = {(construct.node.path, rule) for construct, rule, _ in acknowledgments(app)}
    assert made - suppressed == set(), "acknowledgments that suppress no finding"
