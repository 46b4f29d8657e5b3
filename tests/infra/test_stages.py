"""What differs between dev and prod, and the context values that must stop a synth before it starts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from infra.config import ConfigError, StageConfig
from infra.definitions import TABLES
from tests.infra.conftest import CERTIFICATE_ARN, INSTANCE_ARN, PANEL_DOMAIN, new_app, synthesize
from tests.infra.helpers import Synthesized, ref

RETENTION_DAYS = {"dev": 14, "prod": 365}
# Resource types whose physical name the stack sets, and the property that holds it.
NAMED: dict[str, tuple[str, ...]] = {
    "AWS::DynamoDB::Table": ("TableName",),
    "AWS::SQS::Queue": ("QueueName",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::Lambda::Function": ("FunctionName",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::Cognito::UserPool": ("UserPoolName",),
    "AWS::Cognito::UserPoolClient": ("ClientName",),
    "AWS::ApiGateway::RestApi": ("Name",),
    "AWS::ApiGateway::Authorizer": ("Name",),
    "AWS::WAFv2::WebACL": ("Name",),
    "AWS::Events::Rule": ("Name",),
    "AWS::CloudWatch::Alarm": ("AlarmName",),
    "AWS::CloudWatch::Dashboard": ("DashboardName",),
    "AWS::KMS::Alias": ("AliasName",),
    "AWS::CloudFront::ResponseHeadersPolicy": ("ResponseHeadersPolicyConfig", "Name"),
}


def lookup(props: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = props
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def test_tables_are_kept_and_protected_in_prod_only(stage_default: Synthesized) -> None:
    is_prod = stage_default.stage == "prod"
    for design in TABLES:
        lid = stage_default.table(design.physical_name(stage_default.prefix))
        table = stage_default.resources[lid]
        assert table["DeletionPolicy"] == ("Retain" if is_prod else "Delete"), lid
        assert table["UpdateReplacePolicy"] == ("Retain" if is_prod else "Delete"), lid
        assert table["Properties"]["DeletionProtectionEnabled"] is is_prod, lid


def test_log_retention(stage_default: Synthesized) -> None:
    groups = stage_default.of_type("AWS::Logs::LogGroup")
    assert groups
    for lid, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == RETENTION_DAYS[stage_default.stage], lid


def test_only_prod_alarms_notify(stage_default: Synthesized) -> None:
    topic = stage_default.named("AWS::SNS::Topic", "TopicName", f"{stage_default.prefix}-alarms")
    alarms = stage_default.of_type("AWS::CloudWatch::Alarm")
    assert len(alarms) >= 10
    for lid, alarm in alarms.items():
        props = alarm["Properties"]
        if stage_default.stage == "prod":
            assert props["AlarmActions"] == [ref(topic)], lid
            assert props["OKActions"] == [ref(topic)], lid
        else:
            assert not props.get("AlarmActions"), lid
            assert not props.get("OKActions"), lid


def test_only_prod_keeps_the_intake_warm(stage_default: Synthesized) -> None:
    aliases = stage_default.of_type("AWS::Lambda::Alias")
    if stage_default.stage == "dev":
        assert aliases == {}
        return
    (alias,) = aliases.values()
    assert alias["Properties"]["FunctionName"] == ref(stage_default.function("intake-connect"))
    assert alias["Properties"]["ProvisionedConcurrencyConfig"]["ProvisionedConcurrentExecutions"] >= 1


def test_data_key_is_kept_in_prod(stage_default: Synthesized) -> None:
    is_prod = stage_default.stage == "prod"
    key = stage_default.resources[stage_default.data_key()]
    assert key["DeletionPolicy"] == ("Retain" if is_prod else "Delete")
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["Properties"]["PendingWindowInDays"] == (30 if is_prod else 7)


def test_user_pool_is_protected_in_prod(stage_default: Synthesized) -> None:
    pool = stage_default.resources[stage_default.only("AWS::Cognito::UserPool")]
    is_prod = stage_default.stage == "prod"
    assert pool["DeletionPolicy"] == ("Retain" if is_prod else "Delete")
    assert pool["Properties"]["DeletionProtection"] == ("ACTIVE" if is_prod else "INACTIVE")


def test_physical_names_carry_the_stage(stage_default: Synthesized) -> None:
    prefix = stage_default.prefix
    named_types: set[str] = set()
    for type_, path in NAMED.items():
        for lid, resource in stage_default.of_type(type_).items():
            name = lookup(resource.get("Properties", {}), path)
            if type_ == "AWS::Lambda::Function" and name is None:
                continue  # CDK's own provider functions (bucket auto-delete) name themselves
            assert isinstance(name, str), f"{lid}: {'.'.join(path)} = {name!r}"
            assert prefix in name, f"{lid}: {name!r} does not carry {prefix!r}"
            named_types.add(type_)
    assert named_types == set(NAMED)
    other = "respon112-prod" if stage_default.stage == "dev" else "respon112-dev"
    assert other not in str(stage_default.template)


# -- configuration errors ----------------------------------------------------------------------------------


def build_with(overrides: dict[str, Any], tmp_path: Path) -> None:
    new_app(overrides, tmp_path)


def test_unknown_stage_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="stage"):
        build_with({"stage": "test"}, tmp_path)


@pytest.mark.parametrize(
    "arn",
    [
        "9d1f0a3e-6c4b-4f57-8d3c-2b7a5e1f0c11",  # an instance id, not its ARN
        "arn:aws:connect:ap-southeast-1:12345:instance/9d1f0a3e",  # short account
        "arn:aws:connect:ap-southeast-1:123456789012:phone-number/5e1f0c11",  # another resource
        INSTANCE_ARN + "/",
    ],
)
def test_malformed_instance_arn_is_refused(tmp_path: Path, arn: str) -> None:
    with pytest.raises(ConfigError, match="connectInstanceArn"):
        build_with({"connectInstanceArn": arn}, tmp_path)


@pytest.mark.parametrize("agency", ["fire-dept", "Damkar", "X", "DAMKAR;DROP"])
def test_an_agency_that_is_no_type_code_is_refused(tmp_path: Path, agency: str) -> None:
    """Any type the directory may hold is taken (it is data: a regency adds Satpol PP without a release);
    what no code can be spelled like is refused."""
    subscriptions = {agency: [{"protocol": "email", "endpoint": "x@example.org"}]}
    with pytest.raises(ConfigError, match="no agency type code"):
        build_with({"agencySubscriptions": subscriptions}, tmp_path)


def test_unknown_subscription_protocol_is_refused(tmp_path: Path) -> None:
    subscriptions = {"POLICE": [{"protocol": "lambda", "endpoint": "arn:aws:lambda:x"}]}
    with pytest.raises(ConfigError, match="protocol"):
        build_with({"agencySubscriptions": subscriptions}, tmp_path)


def test_unknown_regency_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="regency"):
        build_with({"regency": "atlantis"}, tmp_path)


def test_context_values_reach_the_config() -> None:
    app = App(
        context={"stage": "prod", "powertoolsLayerVersion": 41, "prod": {"intakeProvisionedConcurrency": 3}}
    )
    config = StageConfig.from_context(app.node)
    assert config.powertools_layer_version == 41
    assert config.intake_provisioned_concurrency == 3
    assert config.is_prod


def test_panel_domain_needs_its_certificate(tmp_path: Path) -> None:
    """A domain without its certificate is dropped from CloudFront, yet it becomes the API's first CORS
    origin and the only one its 4xx/5xx responses allow: the panel would lose CORS on every error."""
    with pytest.raises(ConfigError, match="panel"):
        build_with({"panelDomainName": PANEL_DOMAIN}, tmp_path)


def test_panel_domain_with_its_certificate_is_accepted(tmp_path: Path) -> None:
    build_with({"panelDomainName": PANEL_DOMAIN, "panelCertificateArn": CERTIFICATE_ARN}, tmp_path)


@pytest.mark.parametrize("phone", ["+62333112", INSTANCE_ARN])
def test_malformed_phone_number_arn_is_refused(tmp_path: Path, phone: str) -> None:
    """A phone number (or another ARN) where the number's ARN belongs must fail as a configuration error,
    not deep inside the synth (or the deployment)."""
    with pytest.raises(ConfigError, match="connectPhoneNumberArn"):
        build_with({"connectInstanceArn": INSTANCE_ARN, "connectPhoneNumberArn": phone}, tmp_path)


def test_the_warm_intake_fits_in_its_reserved_concurrency(tmp_path: Path) -> None:
    """Provisioned environments come out of the function's reserved concurrency: Lambda refuses more."""
    with pytest.raises(ConfigError, match="intakeProvisionedConcurrency"):
        build_with({"stage": "prod", "prod": {"intakeProvisionedConcurrency": 21}}, tmp_path)


@pytest.mark.parametrize("number", ["0333421112", "62333421112", "+62 333 421112", "+0333421112"])
def test_a_backup_number_must_be_e164(tmp_path: Path, number: str) -> None:
    with pytest.raises(ConfigError, match="connectBackupNumber"):
        build_with({"connectBackupNumber": number}, tmp_path)


@pytest.mark.parametrize(
    ("key", "value"), [("connectVoice", "lupe"), ("connectVoice", "Lu pe"), ("connectVoiceEngine", "Fast")]
)
def test_the_voice_must_be_a_polly_voice_and_engine(tmp_path: Path, key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=key):
        build_with({key: value}, tmp_path)


# -- what production keeps when its stack goes -------------------------------------------------------------


def test_the_connect_instance_is_kept_in_prod(stage_default: Synthesized) -> None:
    instance = stage_default.resources[stage_default.only("AWS::Connect::Instance")]
    expected = "Retain" if stage_default.stage == "prod" else "Delete"
    assert instance.get("DeletionPolicy", "Delete") == expected
    assert instance.get("UpdateReplacePolicy", "Delete") == expected


def test_the_channel_secrets_are_kept_in_prod(stage_default: Synthesized) -> None:
    expected = "Retain" if stage_default.stage == "prod" else "Delete"
    secrets = stage_default.of_type("AWS::SecretsManager::Secret")
    assert len(secrets) == 3
    for logical_id in secrets:
        assert stage_default.resources[logical_id].get("DeletionPolicy", "Delete") == expected


def test_the_account_wide_api_gateway_logging_role_is_kept_in_every_stage(stage_default: Synthesized) -> None:
    """API Gateway has one logging role per account and region: destroying the dev stack must not take
    the role prod's API (or any other) logs with."""
    account = stage_default.resources[stage_default.only("AWS::ApiGateway::Account")]
    assert account["DeletionPolicy"] == "Retain"
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    assert stage_default.resources[role_id]["DeletionPolicy"] == "Retain"


# -- the prank policy (core.standing) per deployment -------------------------------------------------------


def test_a_configured_caller_policy_reaches_the_functions_that_read_it(tmp_path: Path) -> None:
    configured = synthesize("policy", {"callerPolicy": {"warnAfter": 2, "retentionDays": 60}}, tmp_path)
    for name, reads in {
        "intake-connect": True,
        "verify-api": True,
        "privacy-retention": True,
        "intake-web": False,
        "dispatch-worker": False,
    }.items():
        variables = configured.props(configured.function(name))["Environment"]["Variables"]
        if reads:
            assert json.loads(variables["CALLER_POLICY"]) == {"warnAfter": 2, "retentionDays": 60}, name
        else:
            assert "CALLER_POLICY" not in variables, name


def test_without_a_caller_policy_the_regencys_own_applies(stage_default: Synthesized) -> None:
    variables = stage_default.props(stage_default.function("intake-connect"))["Environment"]["Variables"]
    assert "CALLER_POLICY" not in variables
    assert "CALLER_LOOKUP_TIMEOUT_MS" not in variables  # the functions' default, 300 ms


@pytest.mark.parametrize(
    "policy",
    [
        {"historyDays": 3},  # shorter than the demotion's window and duration
        {"warnAfter": 0},
        {"blockAfter": 3},  # nothing blocks a 112 caller: no such key
        "[1, 2]",
        "{not json",
    ],
)
def test_a_caller_policy_that_cannot_work_fails_the_synth(tmp_path: Path, policy: Any) -> None:
    with pytest.raises(ConfigError, match="callerPolicy"):
        build_with({"callerPolicy": policy}, tmp_path)


@pytest.mark.parametrize("timeout", [0, 49, 2001, "fast", -1])
def test_the_lookup_timeout_is_bounded(tmp_path: Path, timeout: Any) -> None:
    with pytest.raises(ConfigError, match="callerLookupTimeoutMs"):
        build_with({"callerLookupTimeoutMs": timeout}, tmp_path)
