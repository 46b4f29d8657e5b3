"""Each function's role holds exactly what its definition (infra.definitions.FUNCTIONS) implies, no more."""

from __future__ import annotations

from typing import Any

import pytest

from infra.definitions import AGENCY_TOPIC, FUNCTIONS, FunctionDesign
from tests.infra.helpers import Synthesized, as_list, canonical, get_att, ref

FUNCTION_NAMES = [f.name for f in FUNCTIONS]
DDB_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
# KMS on the data key (tables, queues and topics are encrypted with it):
KMS_READ = {"kms:Decrypt", "kms:DescribeKey"}  # reading an encrypted table
KMS_WRITE = KMS_READ | {"kms:Encrypt", "kms:GenerateDataKey"}  # writing one
KMS_PRODUCE = {"kms:Decrypt", "kms:GenerateDataKey"}  # sending to an encrypted queue or topic
KMS_CONSUME = {"kms:Decrypt"}  # receiving from an encrypted queue
# What CDK's SqsEventSource grants the consumer on its queue.
SQS_CONSUME = {
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
}
XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}

Grant = tuple[str, str]  # (action, canonical resource)


def expected_grants(config: Synthesized, design: FunctionDesign) -> set[Grant]:
    prefix = config.prefix
    grants: set[Grant] = set()

    def allow(actions: set[str] | tuple[str, ...], resource: Any) -> None:
        grants.update((action, canonical(resource)) for action in actions)

    log_group = config.named("AWS::Logs::LogGroup", "LogGroupName", f"/aws/lambda/{prefix}-{design.name}")
    allow({"logs:CreateLogStream", "logs:PutLogEvents"}, get_att(log_group, "Arn"))
    kms: set[str] = set()
    for access in design.tables:
        table_arn = get_att(config.table(access.table.physical_name(prefix)), "Arn")
        allow(access.actions, table_arn)
        for index in access.table.indexes:
            allow(access.index_actions, {"Fn::Join": ["", [table_arn, f"/index/{index.name}"]]})
        kms |= KMS_WRITE if DDB_WRITES & set(access.actions) else KMS_READ
    for queue in design.sends_to:
        allow({"sqs:SendMessage"}, get_att(config.queue(queue.physical_name(prefix)), "Arn"))
        kms |= KMS_PRODUCE
    for topic in design.publishes_to:
        allow({"sns:Publish"}, ref(config.topic(topic.physical_name(prefix))))
        kms |= KMS_PRODUCE
    if design.user_pool_actions:
        allow(design.user_pool_actions, get_att(config.user_pool(), "Arn"))
    for bucket in design.writes_to:
        objects = {"Fn::Join": ["", [get_att(config.only_bucket(bucket.id), "Arn"), "/*"]]}
        allow({"s3:PutObject"}, objects)
        kms |= KMS_PRODUCE
    for _secret in design.reads_secrets:
        allow({"secretsmanager:GetSecretValue"}, ref(config.only("AWS::SecretsManager::Secret")))
        kms |= KMS_READ
    if design.source:
        allow(SQS_CONSUME, get_att(config.queue(design.source.queue.physical_name(prefix)), "Arn"))
        kms |= KMS_CONSUME
    allow(kms, get_att(config.data_key(), "Arn"))
    allow(XRAY, "*")
    return grants


def actual_grants(config: Synthesized, role_id: str) -> set[Grant]:
    grants: set[Grant] = set()
    for statement in config.role_statements(role_id):
        assert statement.get("Effect") == "Allow", statement
        assert not {"NotAction", "NotResource", "Condition"} & set(statement), statement
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                grants.add((action, canonical(resource)))
    return grants


def function_roles(config: Synthesized) -> dict[str, str]:
    return {name: config.role(name) for name in FUNCTION_NAMES}


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_role_has_exactly_the_grants_its_definition_implies(config: Synthesized, name: str) -> None:
    design = next(f for f in FUNCTIONS if f.name == name)
    actual = actual_grants(config, config.role(name))
    expected = expected_grants(config, design)
    assert actual - expected == set(), "granted beyond the definition"
    assert expected - actual == set(), "missing from the role"


def test_one_distinct_role_per_function(config: Synthesized) -> None:
    roles = function_roles(config)
    assert len(set(roles.values())) == len(FUNCTION_NAMES)
    for name, role_id in roles.items():
        function = config.props(config.function(name))
        assert function["Role"] == get_att(role_id, "Arn"), name
        trust = config.props(role_id)["AssumeRolePolicyDocument"]["Statement"]
        assert trust == [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
        ], name


def test_no_wildcard_actions_and_star_resources_only_for_xray(config: Synthesized) -> None:
    for name, role_id in function_roles(config).items():
        for statement in config.role_statements(role_id):
            actions = as_list(statement["Action"])
            for action in actions:
                # neither "*" nor "service:*", nor any other wildcard
                assert "*" not in action, f"{name}: wildcard in {action}"
            if "*" in as_list(statement["Resource"]):
                assert set(actions) <= XRAY, f"{name}: Resource * for {actions}"


def test_no_managed_policies_on_function_roles(config: Synthesized) -> None:
    for name, role_id in function_roles(config).items():
        assert "ManagedPolicyArns" not in config.props(role_id), name
        attached = [
            lid
            for lid in config.of_type("AWS::IAM::ManagedPolicy")
            if ref(role_id) in config.props(lid).get("Roles", [])
        ]
        assert attached == [], name


def test_intake_cannot_queue_publish_or_query(config: Synthesized) -> None:
    actions = {action for action, _ in actual_grants(config, config.role("intake-connect"))}
    assert not {a for a in actions if a.startswith(("sqs:", "sns:"))}, actions
    assert "dynamodb:Query" not in actions
    assert "dynamodb:Scan" not in actions


def test_reconciler_only_queries_the_status_index(config: Synthesized) -> None:
    grants = actual_grants(config, config.role("dispatch-reconciler"))
    dynamodb = {(action, resource) for action, resource in grants if action.startswith("dynamodb:")}
    assert {action for action, _ in dynamodb} == {"dynamodb:Query"}
    assert all("/index/" in resource for _, resource in dynamodb), dynamodb


def test_only_the_worker_publishes_to_agencies(config: Synthesized) -> None:
    topic = canonical(ref(config.topic(AGENCY_TOPIC.physical_name(config.prefix))))
    publishers = {
        name
        for name, role_id in function_roles(config).items()
        if ("sns:Publish", topic) in actual_grants(config, role_id)
    }
    assert publishers == {"dispatch-worker"}
