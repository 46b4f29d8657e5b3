"""The public channels in the cloud: the raw archive, the channel secret, the public routes, the replies."""

from __future__ import annotations

import json
from typing import Any

from infra.definitions import BACKLOG_QUEUE, RAW_BUCKET, REPLY_QUEUE, SECRETS, api_routes
from tests.infra.helpers import Synthesized, get_att, ref


def test_the_raw_archive_is_private_encrypted_versioned_and_expires(config: Synthesized) -> None:
    bucket = config.resources[config.only_bucket(RAW_BUCKET.id)]
    props = bucket["Properties"]
    encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert encryption["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == get_att(config.data_key(), "Arn")
    assert encryption["BucketKeyEnabled"] is True
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    assert "LoggingConfiguration" in props
    rule, refused = props["LifecycleConfiguration"]["Rules"]
    is_prod = config.stage == "prod"
    assert "Prefix" not in rule  # every object: what can be genuine keeps the archive's retention
    assert rule["ExpirationInDays"] == (730 if is_prod else 30)
    assert bool(rule.get("Transitions")) is is_prod  # dev expires before infrequent access would pay
    assert bucket["DeletionPolicy"] == ("Retain" if is_prod else "Delete")
    # What was refused (forged, unauthenticated, throttled) is gone within a week, old versions a day
    # later: S3 honours the shorter of two expirations that match an object.
    assert refused["Prefix"] == "refused/"
    assert refused["Status"] == "Enabled"
    assert refused["ExpirationInDays"] == 7
    assert refused["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert "Transitions" not in refused


def secret_named(config: Synthesized, name: str) -> dict[str, Any]:
    (props,) = [
        p
        for p in (config.props(s) for s in config.of_type("AWS::SecretsManager::Secret"))
        if p["Name"] == name
    ]
    return props


def test_the_channel_secret_is_encrypted_and_starts_with_a_generated_verify_token(
    config: Synthesized,
) -> None:
    secret = secret_named(config, f"{config.prefix}/channel-secrets")
    assert secret["KmsKeyId"] == get_att(config.data_key(), "Arn")
    generated = secret["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "instagramVerifyToken"
    assert set(json.loads(generated["SecretStringTemplate"])) == {
        "instagramAppSecret",
        "twitterConsumerSecret",
        "amlToken",
    }


def test_the_reply_secret_is_apart_encrypted_and_empty_until_the_tokens_are_put(
    config: Synthesized,
) -> None:
    secret = secret_named(config, f"{config.prefix}/reply-secrets")
    assert secret["KmsKeyId"] == get_att(config.data_key(), "Arn")
    assert json.loads(secret["SecretString"]) == {
        "instagramPageAccessToken": "",
        "xApiKey": "",
        "xApiKeySecret": "",
        "xAccessToken": "",
        "xAccessTokenSecret": "",
    }
    assert len(config.of_type("AWS::SecretsManager::Secret")) == len(SECRETS) == 3


def test_the_responders_link_key_is_generated_at_creation_and_encrypted(config: Synthesized) -> None:
    secret = secret_named(config, f"{config.prefix}/responder-secrets")
    assert secret["KmsKeyId"] == get_att(config.data_key(), "Arn")
    assert secret["GenerateSecretString"]["GenerateStringKey"] == "linkKey"
    assert json.loads(secret["GenerateSecretString"]["SecretStringTemplate"]) == {}


def methods(config: Synthesized) -> list[dict[str, Any]]:
    return [m["Properties"] for m in config.of_type("AWS::ApiGateway::Method").values()]


def test_the_public_intake_routes_have_no_authorizer_but_go_to_intake_web(config: Synthesized) -> None:
    public = [r for r in api_routes() if r.function == "intake-web"]
    assert {(r.method, r.path) for r in public} >= {
        ("POST", "/reports"),
        ("GET", "/webhooks/instagram"),
        ("POST", "/webhooks/instagram"),
        ("GET", "/webhooks/twitter"),
        ("POST", "/webhooks/twitter"),
        ("POST", "/aml"),
    }
    intake = get_att(config.function("intake-web"), "Arn")
    routed = [
        m
        for m in methods(config)
        if m["HttpMethod"] != "OPTIONS"
        and intake in m["Integration"].get("Uri", {}).get("Fn::Join", [None, []])[1]
    ]
    assert len(routed) == len(public)
    assert all(m["AuthorizationType"] == "NONE" for m in routed)


def test_replies_are_consumed_by_the_reply_sender_with_partial_failures(config: Synthesized) -> None:
    queue = config.queue(REPLY_QUEUE.physical_name(config.prefix))
    (mapping,) = [
        m["Properties"]
        for m in config.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == get_att(queue, "Arn")
    ]
    assert mapping["FunctionName"] == ref(config.function("reply-sender"))
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_backlog_is_drained_by_intake_backlog_one_message_at_a_time(config: Synthesized) -> None:
    queue = config.queue(BACKLOG_QUEUE.physical_name(config.prefix))
    (mapping,) = [
        m["Properties"]
        for m in config.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == get_att(queue, "Arn")
    ]
    assert mapping["FunctionName"] == ref(config.function("intake-backlog"))
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == 1
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 5}
    props = config.props(queue)
    assert props["VisibilityTimeout"] == 360  # six times the worker's 60 s
    assert props["RedrivePolicy"]["maxReceiveCount"] == 5


def test_waf_counts_large_bodies_instead_of_blocking_webhooks(config: Synthesized) -> None:
    acl = config.props(config.only("AWS::WAFv2::WebACL"))
    (common,) = [r for r in acl["Rules"] if r["Name"] == "AWSManagedRulesCommonRuleSet"]
    overrides = common["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"]
    assert overrides == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]
