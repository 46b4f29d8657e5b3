"""Resources are durable, encrypted and locked down: queues, tables, functions, logs, topics, buckets,
CloudFront and Cognito."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from infra.definitions import (
    AGENCY_TOPIC,
    DISPATCH_QUEUE,
    FUNCTIONS,
    INCIDENTS,
    OPERATOR_GROUPS,
    SEALING_KEY_ENV,
    TABLES,
    FunctionDesign,
)
from tests.infra.helpers import Synthesized, get_att, is_ssl_only, ref, render

FUNCTION_NAMES = [f.name for f in FUNCTIONS]


def key_arn(config: Synthesized) -> dict[str, Any]:
    return get_att(config.data_key(), "Arn")


def dead_letter_queues(config: Synthesized) -> set[str]:
    """Queues some redrive policy (a queue's or an SNS subscription's) sends to, and the queue meant for
    the SNS subscriptions' failures, which in a configuration without subscriptions has no referrer."""
    targets = {config.named("AWS::SQS::Queue", "QueueName", f"{config.prefix}-undelivered-notifications")}
    for type_ in ("AWS::SQS::Queue", "AWS::SNS::Subscription"):
        for lid in config.of_type(type_):
            redrive = config.props(lid).get("RedrivePolicy")
            if redrive:
                target = redrive["deadLetterTargetArn"]
                assert set(target) == {"Fn::GetAtt"}, target
                targets.add(target["Fn::GetAtt"][0])
    # and where a stream event source mapping sends what its retries gave up on
    for mapping in config.of_type("AWS::Lambda::EventSourceMapping").values():
        destination = (
            mapping["Properties"].get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        )
        if destination:
            targets.add(destination["Fn::GetAtt"][0])
    return targets


# -- queues ------------------------------------------------------------------------------------------------


def test_every_queue_but_a_dead_letter_queue_has_a_redrive_policy(config: Synthesized) -> None:
    queues = config.of_type("AWS::SQS::Queue")
    dlqs = dead_letter_queues(config)
    assert dlqs <= set(queues), "a redrive policy points outside the template"
    sources = set(queues) - dlqs
    assert sources, "no source queues"
    for lid in sources:
        redrive = config.props(lid).get("RedrivePolicy")
        assert redrive, f"{lid} has no dead-letter queue"
        assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] in queues
        assert redrive["maxReceiveCount"] >= 1


def test_queues_are_encrypted_with_the_data_key_and_tls_only(config: Synthesized) -> None:
    policies = config.of_type("AWS::SQS::QueuePolicy")
    for lid, queue in config.of_type("AWS::SQS::Queue").items():
        assert queue["Properties"].get("KmsMasterKeyId") == key_arn(config), lid
        documents = [p["Properties"]["PolicyDocument"] for p in policies.values()
                     if ref(lid) in p["Properties"]["Queues"]]  # fmt: skip
        assert any(is_ssl_only(d, "sqs:*") for d in documents), f"{lid} accepts requests without TLS"


def test_dispatch_queue_matches_its_design(config: Synthesized) -> None:
    props = config.props(config.queue(DISPATCH_QUEUE.physical_name(config.prefix)))
    assert props["VisibilityTimeout"] == DISPATCH_QUEUE.visibility_timeout_seconds
    assert props["RedrivePolicy"]["maxReceiveCount"] == DISPATCH_QUEUE.max_receive_count
    dlq = config.queue(DISPATCH_QUEUE.dlq_name(config.prefix))
    assert props["RedrivePolicy"]["deadLetterTargetArn"] == get_att(dlq, "Arn")
    # AWS guidance: visibility timeout at least six times the consumer's timeout.
    consumer = next(f for f in FUNCTIONS if f.source and f.source.queue == DISPATCH_QUEUE)
    assert props["VisibilityTimeout"] >= 6 * consumer.timeout_seconds


def test_every_sns_subscription_has_a_dead_letter_queue(full: Synthesized) -> None:
    subscriptions = full.of_type("AWS::SNS::Subscription")
    # three agency endpoints and the alarm e-mail
    assert len(subscriptions) == 4
    undelivered = full.named("AWS::SQS::Queue", "QueueName", f"{full.prefix}-undelivered-notifications")
    for lid, subscription in subscriptions.items():
        assert subscription["Properties"]["RedrivePolicy"] == {
            "deadLetterTargetArn": get_att(undelivered, "Arn")
        }, lid


# -- tables ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("design", TABLES, ids=lambda d: d.id)
def test_table_is_durable_and_encrypted(config: Synthesized, design: Any) -> None:
    props = config.props(config.table(design.physical_name(config.prefix)))
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {
        "KMSMasterKeyId": key_arn(config),
        "SSEEnabled": True,
        "SSEType": "KMS",
    }


# -- functions ---------------------------------------------------------------------------------------------


def design_of(name: str) -> FunctionDesign:
    return next(f for f in FUNCTIONS if f.name == name)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_runtime_architecture_tracing_and_layer(config: Synthesized, name: str) -> None:
    props = config.props(config.function(name))
    design = design_of(name)
    assert props["Runtime"] == "python3.14"
    assert props["Architectures"] == ["arm64"]
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Handler"] == design.handler
    assert props["Timeout"] == design.timeout_seconds
    assert props["MemorySize"] == design.memory_mb
    assert props.get("ReservedConcurrentExecutions") == design.reserved_concurrency
    layers = [render(layer) for layer in props["Layers"]]
    version = config.context["powertoolsLayerVersion"]
    assert layers == [
        "arn:${AWS::Partition}:lambda:${AWS::Region}:017000801446:layer:"
        f"AWSLambdaPowertoolsPythonV3-python314-arm64:{version}"
    ]


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_environment(config: Synthesized, name: str) -> None:
    design = design_of(name)
    variables = config.props(config.function(name))["Environment"]["Variables"]
    prefix = config.prefix
    assert variables["POWERTOOLS_SERVICE_NAME"] == name
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Respon112"
    assert variables["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert variables["STAGE"] == config.stage
    expected: dict[str, Any] = {
        a.table.env_var: ref(config.table(a.table.physical_name(prefix))) for a in design.tables
    }
    expected |= {q.env_var: ref(config.queue(q.physical_name(prefix))) for q in design.sends_to}
    expected |= {t.env_var: ref(config.topic(t.physical_name(prefix))) for t in design.publishes_to}
    expected |= {b.env_var: ref(config.only_bucket(b.id)) for b in design.writes_to}
    expected |= {s.env_var: s.physical_name(prefix) for s in design.reads_secrets}
    if design.seals_secrets:
        expected[SEALING_KEY_ENV] = get_att(config.data_key(), "Arn")
    assert expected, name
    for var, value in expected.items():
        assert variables.get(var) == value, var


def test_log_groups_have_a_retention(config: Synthesized) -> None:
    groups = config.of_type("AWS::Logs::LogGroup")
    assert len(groups) >= len(FUNCTION_NAMES) + 1  # one per function and the API's access logs
    for lid, group in groups.items():
        assert isinstance(group["Properties"].get("RetentionInDays"), int), lid
    for name in FUNCTION_NAMES:
        log_group = config.named("AWS::Logs::LogGroup", "LogGroupName", f"/aws/lambda/{config.prefix}-{name}")
        logging = config.props(config.function(name))["LoggingConfig"]
        assert logging == {"LogFormat": "JSON", "LogGroup": ref(log_group)}


# Written out, not read from the definitions: the 112 intake keeps 20 executions for itself whatever else
# runs, the public intake is capped at 10, the reconciler runs one sweep at a time; the reply sender and
# the backlog's worker are held back by their event source mappings instead (below).
RESERVED_CONCURRENCY = {
    "intake-connect": 20,
    "verify-api": None,
    "intake-web": 10,
    "intake-backlog": None,
    "intake-calls": None,
    "reply-sender": None,
    "dispatch-worker": None,
    "dispatch-reconciler": 1,
    "privacy-retention": 1,
    "agency-delivery": None,  # held back by its event source's maximum concurrency (5)
    "agency-api": 5,  # public, like the intake: capped
    "stats-rollup": None,  # one invocation per stream shard at a time, by Lambda's design
}


def test_reserved_concurrency_protects_the_112_path_and_caps_the_public_intake(config: Synthesized) -> None:
    found = {
        name: config.props(config.function(name)).get("ReservedConcurrentExecutions")
        for name in FUNCTION_NAMES
    }
    assert found == RESERVED_CONCURRENCY
    # Lambda keeps at least 100 executions of the account unreserved (docs/deploy.md: ask for the default
    # 1,000).
    assert sum(n for n in found.values() if n) <= 1000 - 100


def test_the_reply_sender_is_held_back_by_its_event_source_not_throttled(config: Synthesized) -> None:
    """Reserved concurrency on an SQS consumer throttles invocations the pollers already received, and a
    throttled batch comes back as a failed receive: enough of them move replies to the dead-letter queue.
    The mapping's maximum concurrency makes the pollers wait instead."""
    sender = config.function("reply-sender")
    assert "ReservedConcurrentExecutions" not in config.props(sender)
    (mapping,) = [
        m["Properties"]
        for m in config.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == ref(sender)
    ]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 2}


def test_the_reconciler_is_never_retried_asynchronously(config: Synthesized) -> None:
    """The schedule's target does not retry, and neither does Lambda's own asynchronous queue (two retries
    by default, and a throttled event kept for six hours): a late sweep only piles onto the next one."""
    reconciler = config.function("dispatch-reconciler")
    (invoke_config,) = [
        r["Properties"]
        for r in config.of_type("AWS::Lambda::EventInvokeConfig").values()
        if r["Properties"]["FunctionName"] == ref(reconciler)
    ]
    assert invoke_config["MaximumRetryAttempts"] == 0
    assert invoke_config["MaximumEventAgeInSeconds"] == 60  # the next run starts a minute later
    assert invoke_config["Qualifier"] == "$LATEST"
    (rule,) = [
        r
        for r in config.of_type("AWS::Events::Rule").values()
        if "ScheduleExpression" in r["Properties"]
        and r["Properties"]["Targets"][0]["Arn"] == get_att(reconciler, "Arn")
    ]
    (target,) = rule["Properties"]["Targets"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 0


def test_dispatch_worker_reports_partial_batch_failures(config: Synthesized) -> None:
    mappings = config.of_type("AWS::Lambda::EventSourceMapping")
    worker = config.function("dispatch-worker")
    queue = config.queue(DISPATCH_QUEUE.physical_name(config.prefix))
    (props,) = [m["Properties"] for m in mappings.values() if m["Properties"]["FunctionName"] == ref(worker)]
    assert props["EventSourceArn"] == get_att(queue, "Arn")
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BatchSize"] == design_of("dispatch-worker").source.batch_size  # type: ignore[union-attr]


def test_reconciler_runs_every_minute(config: Synthesized) -> None:
    reconciler = config.function("dispatch-reconciler")
    config.assertions.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(1 minute)",
            "State": "ENABLED",
            "Targets": [Match.object_like({"Arn": get_att(reconciler, "Arn")})],
        },
    )
    config.assertions.has_resource_properties(
        "AWS::Lambda::Permission",
        {"FunctionName": get_att(reconciler, "Arn"), "Principal": "events.amazonaws.com"},
    )


def test_the_retention_sweep_runs_every_hour_one_at_a_time_never_retried(config: Synthesized) -> None:
    sweep = config.function("privacy-retention")
    config.assertions.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(1 hour)",
            "State": "ENABLED",
            "Targets": [
                Match.object_like({"Arn": get_att(sweep, "Arn"), "RetryPolicy": {"MaximumRetryAttempts": 0}})
            ],
        },
    )
    (invoke_config,) = [
        r["Properties"]
        for r in config.of_type("AWS::Lambda::EventInvokeConfig").values()
        if r["Properties"]["FunctionName"] == ref(sweep)
    ]
    assert (invoke_config["MaximumRetryAttempts"], invoke_config["MaximumEventAgeInSeconds"]) == (0, 3600)


# -- topics and buckets ------------------------------------------------------------------------------------


def test_topics_are_encrypted_and_tls_only(config: Synthesized) -> None:
    topics = config.of_type("AWS::SNS::Topic")
    assert {config.topic(AGENCY_TOPIC.physical_name(config.prefix))} < set(topics)  # and the alarm topic
    policies = config.of_type("AWS::SNS::TopicPolicy")
    for lid, topic in topics.items():
        assert topic["Properties"].get("KmsMasterKeyId") == key_arn(config), lid
        documents = [p["Properties"]["PolicyDocument"] for p in policies.values()
                     if ref(lid) in p["Properties"]["Topics"]]  # fmt: skip
        assert any(is_ssl_only(d, "sns:Publish") for d in documents), lid


def test_buckets_are_private_and_tls_only(config: Synthesized) -> None:
    buckets = config.of_type("AWS::S3::Bucket")
    assert len(buckets) == 3  # the panel, the access logs and the raw archive of inbound reports
    policies = config.of_type("AWS::S3::BucketPolicy")
    for lid, bucket in buckets.items():
        assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, lid
        assert "BucketEncryption" in bucket["Properties"], lid
        documents = [p["Properties"]["PolicyDocument"] for p in policies.values()
                     if p["Properties"]["Bucket"] == ref(lid)]  # fmt: skip
        assert any(is_ssl_only(d, "s3:*") for d in documents), lid


# -- CloudFront --------------------------------------------------------------------------------------------


def test_panel_distribution_is_locked_down(config: Synthesized) -> None:
    distribution = config.props(config.only("AWS::CloudFront::Distribution"))["DistributionConfig"]
    oac = config.only("AWS::CloudFront::OriginAccessControl")
    panel = next(
        lid
        for lid, b in config.of_type("AWS::S3::Bucket").items()
        if "LoggingConfiguration" in b["Properties"]
    )
    (origin,) = distribution["Origins"]
    assert origin["DomainName"] == get_att(panel, "RegionalDomainName")
    assert origin["OriginAccessControlId"] == get_att(oac, "Id")
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    assert config.props(oac)["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    behavior = distribution["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    headers = config.only("AWS::CloudFront::ResponseHeadersPolicy")
    assert behavior["ResponseHeadersPolicyId"] == ref(headers)
    security = config.props(headers)["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 365 * 24 * 3600
    assert hsts["IncludeSubdomains"] is True
    assert hsts["Override"] is True
    csp = security["ContentSecurityPolicy"]
    assert csp["Override"] is True
    policy = render(csp["ContentSecurityPolicy"])
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    # The panel calls its API and the region's Cognito, nothing else of AWS.
    (connect_src,) = [d for d in policy.split("; ") if d.startswith("connect-src ")]
    rest_api = config.only("AWS::ApiGateway::RestApi")
    assert connect_src.split() == [
        "connect-src",
        "'self'",
        "https://cognito-idp.${AWS::Region}.amazonaws.com",
        f"https://${{{rest_api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}",
    ]
    assert distribution["Restrictions"]["GeoRestriction"] == {
        "Locations": config.context["panelAllowedCountries"],
        "RestrictionType": "whitelist",
    }


def test_custom_domain_enforces_tls_1_2(full: Synthesized) -> None:
    distribution = full.props(full.only("AWS::CloudFront::Distribution"))["DistributionConfig"]
    assert distribution["Aliases"] == [full.context["panelDomainName"]]
    assert distribution["ViewerCertificate"] == {
        "AcmCertificateArn": full.context["panelCertificateArn"],
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }


# -- Cognito -----------------------------------------------------------------------------------------------


def test_user_pool_requires_totp_and_strong_passwords(config: Synthesized) -> None:
    config.assertions.resource_count_is("AWS::Cognito::UserPool", 1)
    config.assertions.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "MfaConfiguration": "ON",
            "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
            "AdminCreateUserConfig": Match.object_like({"AllowAdminCreateUserOnly": True}),
            "Policies": {
                "PasswordPolicy": Match.object_like(
                    {
                        "MinimumLength": 12,
                        "RequireLowercase": True,
                        "RequireUppercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": True,
                    }
                )
            },
        },
    )


def test_operator_groups_exist(config: Synthesized) -> None:
    pool = config.only("AWS::Cognito::UserPool")
    groups = {
        g["Properties"]["GroupName"]: g["Properties"]
        for g in config.of_type("AWS::Cognito::UserPoolGroup").values()
    }
    assert set(groups) == {"operator", "supervisor", "admin"} == {g.name for g in OPERATOR_GROUPS}
    for group in OPERATOR_GROUPS:
        assert groups[group.name]["UserPoolId"] == ref(pool)
        assert groups[group.name]["Precedence"] == group.precedence


def test_panel_client_has_no_secret_and_only_the_panels_sign_in_flows(config: Synthesized) -> None:
    pool = config.only("AWS::Cognito::UserPool")
    (client,) = config.of_type("AWS::Cognito::UserPoolClient").values()
    props = client["Properties"]
    assert props["UserPoolId"] == ref(pool)
    assert props["GenerateSecret"] is False
    # What panel/js/auth.js calls: InitiateAuth with USER_PASSWORD_AUTH, then REFRESH_TOKEN_AUTH
    # (docs/decisions.md 13). No SRP (nothing uses it), no admin or custom flows, no OAuth.
    assert set(props["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }, json.dumps(props)
    assert props["AllowedOAuthFlowsUserPoolClient"] is False


def test_the_rollup_reads_the_incidents_stream_in_order_and_keeps_what_it_gives_up_on(
    config: Synthesized,
) -> None:
    rollup = config.function("stats-rollup")
    incidents = config.table(INCIDENTS.physical_name(config.prefix))
    assert config.props(incidents)["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    (props,) = [
        m["Properties"]
        for m in config.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == ref(rollup)
    ]
    assert props["EventSourceArn"] == get_att(incidents, "StreamArn")
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BisectBatchOnFunctionError"] is True
    assert props["MaximumRetryAttempts"] == 10
    failed = config.queue(f"{config.prefix}-stats-rollup-failed")
    assert props["DestinationConfig"] == {"OnFailure": {"Destination": get_att(failed, "Arn")}}
    (pattern,) = [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]
    assert pattern == {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "INCIDENT#"}]}}}}
