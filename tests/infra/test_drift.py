"""Local and cloud cannot drift: the tables, queues, user pool and function environments the local stack
creates (local.aws.provision on moto, local.stack.LocalStack) are the ones the CDK stack declares.

Sets are compared, not the definitions looped over: a table or queue that only one side creates fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.definitions import FUNCTIONS, OPERATOR_POOL, QUEUES, TABLES, UNDELIVERED_QUEUE, TableDesign
from local.aws import Provisioned, client, provision, table_request
from local.config import Ports, free_port
from local.stack import LocalStack
from tests.infra.helpers import Synthesized, get_att

# What only the local stack sets (the Lambda runtime sets these in the cloud, or they point at moto) and
# what only the cloud sets (the panel's origins, which the local gateway handles itself).
LOCAL_ONLY = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ENDPOINT_URL",
    "GRAPH_API_URL",  # the local stand-in for Meta's Graph API (local/standins.py)
    "X_API_URL",  # and for X's direct messages
    # the embedded DynamoDB is slower to answer the caller's lookup (local/stack.py); a deployment sets it
    # only with the callerLookupTimeoutMs context value
    "CALLER_LOOKUP_TIMEOUT_MS",
    "AGENCY_PLAIN_HTTP_LOCALHOST",  # a .localhost agency endpoint over HTTP (python -m local receiver)
    "AWS_ENDPOINT_URL_CONNECT",  # the local stand-in for Amazon Connect's DescribeUser (local/standins.py)
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "LAMBDA_TASK_ROOT",
    "POWERTOOLS_TRACE_DISABLED",
    "PATH",
    "TZ",
    "LANG",
}
CLOUD_ONLY = {"CORS_ALLOW_ORIGINS"}
LOCAL_STAGE = "drift"
LOCAL_PREFIX = f"respon112-{LOCAL_STAGE}-"
# Queues only one side has. Cloud: the SNS subscriptions' dead-letter queue (the agencies' SMS, e-mail and
# HTTPS endpoints and the alarm e-mail exist only in the cloud, infra.definitions.UNDELIVERED_QUEUE).
# Local: an inbox per agency standing in for those endpoints (local/aws.py), read by `python -m local inbox`.
CLOUD_ONLY_QUEUES = {UNDELIVERED_QUEUE.id}
LOCAL_ONLY_QUEUE = re.compile(r"^inbox-[a-z0-9-]+$")


class Local:
    def __init__(self, stack: LocalStack, provisioned: Provisioned) -> None:
        self.stack = stack
        self.provisioned = provisioned
        self.endpoint = stack.aws.endpoint

    def client(self, service: str) -> Any:
        return client(service, self.endpoint)


@pytest.fixture(scope="session")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Local]:
    """The local stack's embedded AWS (moto's server on a free port) with every resource provisioned.

    moto keeps its state per process: it is reset before and after, so no other test sees these resources.
    """
    state: Path = tmp_path_factory.mktemp("local-state")
    stack = LocalStack(state, Ports(api=free_port(), lambda_=free_port(), aws=free_port()))
    stack.aws.start()
    reset = f"{stack.aws.endpoint}/moto-api/reset"
    try:
        requests.post(reset, timeout=10).raise_for_status()
        stack.provisioned = provision(stack.aws.endpoint, LOCAL_STAGE)
        yield Local(stack, stack.provisioned)
    finally:
        requests.post(reset, timeout=10)
        stack.aws.stop()


def key_schema(value: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in value]


def indexes(value: list[dict[str, Any]] | None) -> dict[str, tuple[Any, ...]]:
    return {
        i["IndexName"]: (key_schema(i["KeySchema"]), i["Projection"]["ProjectionType"]) for i in value or []
    }


@pytest.mark.parametrize("design", TABLES, ids=lambda d: d.id)
def test_table_keys_indexes_and_ttl_match(
    stage_default: Synthesized, local: Local, design: TableDesign
) -> None:
    cloud = stage_default.props(stage_default.table(design.physical_name(stage_default.prefix)))
    name = design.physical_name(f"respon112-{LOCAL_STAGE}")
    request = table_request(design, name)
    assert key_schema(cloud["KeySchema"]) == key_schema(request["KeySchema"])
    assert {(a["AttributeName"], a["AttributeType"]) for a in cloud["AttributeDefinitions"]} == {
        (a["AttributeName"], a["AttributeType"]) for a in request["AttributeDefinitions"]
    }
    assert indexes(cloud.get("GlobalSecondaryIndexes")) == indexes(request.get("GlobalSecondaryIndexes"))
    assert cloud["BillingMode"] == request["BillingMode"]
    assert bool(cloud.get("StreamSpecification")) == bool(request.get("StreamSpecification"))

    # The TTL the local stack sets after creating the table (moto answers as DynamoDB does).
    ttl = local.client("dynamodb").describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    local_ttl = ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None
    cloud_ttl = cloud.get("TimeToLiveSpecification")
    assert (cloud_ttl["AttributeName"] if cloud_ttl and cloud_ttl["Enabled"] else None) == local_ttl
    assert local_ttl == design.ttl_attribute


@pytest.mark.parametrize("design", QUEUES, ids=lambda d: d.id)
def test_queue_attributes_match(stage_default: Synthesized, local: Local, design: Any) -> None:
    sqs = local.client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=local.provisioned.queue_urls[design.id], AttributeNames=["All"]
    )["Attributes"]
    dlq_attributes = sqs.get_queue_attributes(
        QueueUrl=local.provisioned.queue_urls[f"{design.id}-dlq"], AttributeNames=["All"]
    )["Attributes"]
    prefix = stage_default.prefix
    cloud = stage_default.props(stage_default.queue(design.physical_name(prefix)))
    cloud_dlq_id = stage_default.queue(design.dlq_name(prefix))
    cloud_dlq = stage_default.props(cloud_dlq_id)

    assert cloud["VisibilityTimeout"] == int(attributes["VisibilityTimeout"])
    assert cloud["MessageRetentionPeriod"] == int(attributes["MessageRetentionPeriod"])
    redrive = json.loads(attributes["RedrivePolicy"])
    assert cloud["RedrivePolicy"]["maxReceiveCount"] == int(redrive["maxReceiveCount"])
    assert cloud["RedrivePolicy"]["deadLetterTargetArn"] == get_att(cloud_dlq_id, "Arn")
    assert redrive["deadLetterTargetArn"] == dlq_attributes["QueueArn"]
    assert cloud_dlq["MessageRetentionPeriod"] == int(dlq_attributes["MessageRetentionPeriod"])


def test_the_same_functions_with_the_same_variables(stage_default: Synthesized, local: Local) -> None:
    prefix = f"{stage_default.prefix}-"
    cloud: dict[str, set[str]] = {}
    for function in stage_default.of_type("AWS::Lambda::Function").values():
        name = function["Properties"].get("FunctionName")
        if isinstance(name, str) and name.startswith(prefix):
            variables = function["Properties"].get("Environment", {}).get("Variables", {})
            cloud[name.removeprefix(prefix)] = set(variables) - CLOUD_ONLY
    local_env = {design.name: set(local.stack._function_env(design)) - LOCAL_ONLY for design in FUNCTIONS}
    assert cloud == local_env


# -- the whole sets --------------------------------------------------------------------------------------


def cloud_names(config: Synthesized, type_: str, prop: str) -> set[str]:
    prefix = f"{config.prefix}-"
    return {
        r["Properties"][prop].removeprefix(prefix)
        for r in config.of_type(type_).values()
        if str(r["Properties"].get(prop, "")).startswith(prefix)
    }


def table_shape(key_schema_value: list[dict[str, str]], gsis: list[dict[str, Any]] | None) -> Any:
    return (tuple(key_schema(key_schema_value)), tuple(sorted(indexes(gsis).items())))


def test_the_same_tables_with_the_same_keys_and_indexes(stage_default: Synthesized, local: Local) -> None:
    cloud = {}
    for resource in stage_default.of_type("AWS::DynamoDB::Table").values():
        props = resource["Properties"]
        name = props["TableName"].removeprefix(f"{stage_default.prefix}-")
        cloud[name] = table_shape(props["KeySchema"], props.get("GlobalSecondaryIndexes"))
    ddb = local.client("dynamodb")
    local_tables = {}
    for name in ddb.list_tables()["TableNames"]:
        assert name.startswith(LOCAL_PREFIX), name
        table = ddb.describe_table(TableName=name)["Table"]
        local_tables[name.removeprefix(LOCAL_PREFIX)] = table_shape(
            table["KeySchema"], table.get("GlobalSecondaryIndexes")
        )
    assert cloud == local_tables


def test_the_same_queues(stage_default: Synthesized, local: Local) -> None:
    cloud = cloud_names(stage_default, "AWS::SQS::Queue", "QueueName")
    urls = local.client("sqs").list_queues(QueueNamePrefix=LOCAL_PREFIX)["QueueUrls"]
    local_queues = {url.rsplit("/", 1)[1].removeprefix(LOCAL_PREFIX) for url in urls}
    local_only = {name for name in local_queues if LOCAL_ONLY_QUEUE.match(name)}
    assert local_only, "no agency inboxes: is LOCAL_ONLY_QUEUE still right?"
    assert cloud - CLOUD_ONLY_QUEUES == local_queues - local_only
    assert cloud >= CLOUD_ONLY_QUEUES  # a cloud-only queue that no longer exists must leave the list


def test_the_same_user_pool_and_panel_client(stage_default: Synthesized, local: Local) -> None:
    cloud_pool = stage_default.props(stage_default.user_pool())
    (cloud_client,) = [
        r["Properties"] for r in stage_default.of_type("AWS::Cognito::UserPoolClient").values()
    ]
    idp = local.client("cognito-idp")
    pool_id = local.provisioned.user_pool_id
    local_pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    local_client = idp.describe_user_pool_client(
        UserPoolId=pool_id, ClientId=local.provisioned.user_pool_client_id
    )["UserPoolClient"]

    assert cloud_pool["UserPoolName"] == OPERATOR_POOL.physical_name(stage_default.prefix)
    assert local_pool["Name"] == OPERATOR_POOL.physical_name(f"respon112-{LOCAL_STAGE}")
    policy_keys = (
        "MinimumLength",
        "RequireLowercase",
        "RequireUppercase",
        "RequireNumbers",
        "RequireSymbols",
        "TemporaryPasswordValidityDays",
    )
    cloud_policy = cloud_pool["Policies"]["PasswordPolicy"]
    local_policy = local_pool["Policies"]["PasswordPolicy"]
    assert {k: cloud_policy[k] for k in policy_keys} == {k: local_policy[k] for k in policy_keys}
    assert (
        cloud_pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"]
        == local_pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"]
        is True
    )
    assert set(cloud_client["ExplicitAuthFlows"]) == set(local_client["ExplicitAuthFlows"])
    assert cloud_client["GenerateSecret"] is False
    assert "ClientSecret" not in local_client
