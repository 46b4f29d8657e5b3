"""Each function's role holds exactly what its code uses, no more.

The expectations below are written out by hand from what each function's code calls (functions/), not
derived from infra.definitions: a definition that grants more than the code uses, or less, fails here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from core.notices import OUTBOX_PK
from infra.definitions import AGENCY_TOPIC, FUNCTIONS, IDEMPOTENCY, INCIDENTS, STATUS_INDEX, TableAccess
from tests.infra.conftest import INSTANCE_ARN
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


@dataclass(frozen=True)
class Uses:
    """What a function's code calls, by physical name suffix (`incidents`, `incidents/by-status`, …)."""

    dynamodb: dict[str, set[str]] = field(default_factory=dict)  # table or table/index -> actions
    sends_to: tuple[str, ...] = ()  # queues
    publishes_to: tuple[str, ...] = ()  # topics
    consumes: str | None = None  # the queue of its event source mapping
    writes_to: tuple[str, ...] = ()  # buckets (design ids)
    reads_secret: str | None = None  # the secret's id: channel-secrets or reply-secrets
    user_pool: set[str] = field(default_factory=set)
    connect_agents: set[str] = field(default_factory=set)  # actions on the Connect instance's agents
    opens_secrets: bool = False  # kms:Decrypt on the data key (a post's sealed secret)
    sends_sms: bool = False  # sns:Publish to phone numbers: "*", with every topic denied (NoTopics)
    reads_stream: str | None = None  # the table whose stream its event source mapping reads
    gives_up_to: str | None = None  # that mapping's on-failure queue


GET_PUT = {"dynamodb:GetItem", "dynamodb:PutItem"}
QUERY = {"dynamodb:Query"}
BATCH_GET = {"dynamodb:BatchGetItem"}
OUTBOX_DELETE = f"dynamodb:DeleteItem@{OUTBOX_PK}"  # DeleteItem on the notices' outbox only

USES: dict[str, Uses] = {
    # register: one BatchGetItem of the caller's record and waiting AML position (caller_snapshot),
    # TransactWriteItems of Puts (incident, dedupe, audit); GetItem on a retry or when that read failed
    "intake-connect": Uses(dynamodb={"incidents": GET_PUT | BATCH_GET}),
    # the queue by status and the supervisors' list of standings in it; an incident with its timeline and a
    # number's audit trail (Query on the table); a caller's history (by-caller); transitions; GET /operators;
    # the callback desk and each of its callers' other incidents; the agency directory: all of it (Query),
    # an entry (GetItem), a change with its history (TransactWriteItems of Puts), a type's posts (its
    # index); sealing a secret is kms:Encrypt, which writing an encrypted table grants already
    "verify-api": Uses(
        dynamodb={
            # BatchGetItem: opening a call registers it; a queued notice out of the outbox (only there)
            "incidents": GET_PUT | QUERY | BATCH_GET | {OUTBOX_DELETE},
            "incidents/by-status": QUERY,
            "incidents/by-callback": QUERY,
            "incidents/by-caller": QUERY,
            "directory": GET_PUT | QUERY,
            "directory/by-type": QUERY,
            "incidents/by-day": QUERY,  # GET /search
            "stats": QUERY,  # GET /stats: a range of hours or days
        },
        sends_to=("dispatch", "replies"),  # replies: an operator's message to a citizen
        user_pool={"cognito-idp:ListUsersInGroup"},
    ),
    # reports, webhooks, AML: a caller's recent incidents (recent_by_caller), the rate-limit counter
    # and the rest of a delivery too large to register in the answer's time (SendMessageBatch)
    "intake-web": Uses(
        dynamodb={"incidents": GET_PUT | {"dynamodb:UpdateItem"}, "incidents/by-caller": QUERY},
        sends_to=("replies", "backlog"),
        writes_to=("raw-reports",),
        reads_secret="channel-secrets",  # inbound verification only
    ),
    # register (TransactWriteItems of Puts; GetItem when a message was registered before), ask where
    "intake-backlog": Uses(dynamodb={"incidents": GET_PUT}, sends_to=("replies",), consumes="backlog"),
    # the page token and X's credentials; an operator's message sent once (idempotency) and its outcome on
    # the incident (GetItem, TransactWriteItems of Puts conditional on the version)
    "reply-sender": Uses(
        dynamodb={
            "incidents": GET_PUT,
            "idempotency": GET_PUT | {"dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        },
        consumes="replies",
        reads_secret="reply-secrets",
    ),
    # a call's record and its copy on the incident, the contact's incident, the ABANDONED flag; who answered
    "intake-calls": Uses(
        dynamodb={"incidents": GET_PUT}, consumes="contact-events", connect_agents={"connect:DescribeUser"}
    ),
    "dispatch-worker": Uses(
        dynamodb={
            "incidents": GET_PUT,
            "idempotency": GET_PUT | {"dynamodb:UpdateItem", "dynamodb:DeleteItem"},
            "directory": QUERY,  # the posts' types and names: the whole directory, one Query
        },
        publishes_to=(AGENCY_TOPIC.id,),
        sends_to=("agency-deliveries",),  # each post of the dispatch
        consumes="dispatch",
    ),
    # VERIFIED and DISPATCHED incidents, oldest first (list_by_status); one past its acknowledgement
    # deadline with its dispatches and its escalation step; the regency-level posts (the directory)
    "dispatch-reconciler": Uses(
        # the agencies' notices left in the outbox: read (Query), queued, deleted
        dynamodb={
            "incidents/by-status": QUERY,
            "incidents": GET_PUT | QUERY | {OUTBOX_DELETE},
            "directory": QUERY,
        },
        sends_to=("dispatch", "agency-deliveries"),
    ),
    # the incident and the post at sending time, each channel once; the link key; the post's secret;
    # SMS to the number, e-mail through SES (only with agencyEmailFrom: its own statement, below)
    "agency-delivery": Uses(
        dynamodb={
            "incidents": {"dynamodb:GetItem"},
            "directory": {"dynamodb:GetItem"},
            "idempotency": GET_PUT | {"dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        },
        consumes="agency-deliveries",
        reads_secret="responder-secrets",
        opens_secrets=True,
        sends_sms=True,
    ),
    # the incident with its dispatches, a status moved (TransactWriteItems of Puts); the post; the link
    # key; the post's secret, which signs an agency's status
    "agency-api": Uses(
        dynamodb={"incidents": GET_PUT | QUERY, "directory": {"dynamodb:GetItem"}},
        reads_secret="responder-secrets",
        opens_secrets=True,
    ),
    # each status's old incidents (incidents_between), its marks (GetItem, PutItem), the masks (UpdateItem)
    "privacy-retention": Uses(
        dynamodb={"incidents": GET_PUT | {"dynamodb:UpdateItem"}, "incidents/by-status": QUERY}
    ),
    # an incident's partition (Query), its contribution (GetItem) replaced with the counters' deltas
    # (TransactWriteItems of a Put or Delete and Updates); the stream; what its retries give up on
    "stats-rollup": Uses(
        dynamodb={"incidents": QUERY, "stats": GET_PUT | {"dynamodb:UpdateItem", "dynamodb:DeleteItem"}},
        reads_stream="incidents",
        gives_up_to="stats-rollup-failed",
    ),
}


def test_every_function_has_its_expectation() -> None:
    assert set(USES) == set(FUNCTION_NAMES)


def expected_grants(config: Synthesized, name: str) -> set[Grant]:
    prefix = config.prefix
    uses = USES[name]
    grants: set[Grant] = set()

    def allow(actions: set[str] | tuple[str, ...], resource: Any) -> None:
        grants.update((action, canonical(resource)) for action in actions)

    log_group = config.named("AWS::Logs::LogGroup", "LogGroupName", f"/aws/lambda/{prefix}-{name}")
    allow({"logs:CreateLogStream", "logs:PutLogEvents"}, get_att(log_group, "Arn"))
    kms: set[str] = set()
    for target, actions in uses.dynamodb.items():
        table, _, index = target.partition("/")
        table_arn = get_att(config.table(f"{prefix}-{table}"), "Arn")
        allow(actions, {"Fn::Join": ["", [table_arn, f"/index/{index}"]]} if index else table_arn)
        kms |= KMS_WRITE if DDB_WRITES & actions else KMS_READ
    for queue in uses.sends_to:
        allow({"sqs:SendMessage"}, get_att(config.queue(f"{prefix}-{queue}"), "Arn"))
        kms |= KMS_PRODUCE
    for topic in uses.publishes_to:
        allow({"sns:Publish"}, ref(config.topic(f"{prefix}-{topic}")))
        kms |= KMS_PRODUCE
    if uses.user_pool:
        allow(uses.user_pool, get_att(config.user_pool(), "Arn"))
    for bucket in uses.writes_to:
        objects = {"Fn::Join": ["", [get_att(config.only_bucket(bucket), "Arn"), "/*"]]}
        allow({"s3:PutObject"}, objects)
        kms |= KMS_PRODUCE
    if uses.reads_secret:
        (secret,) = [
            s
            for s in config.of_type("AWS::SecretsManager::Secret")
            if config.props(s)["Name"] == f"{prefix}/{uses.reads_secret}"
        ]
        allow({"secretsmanager:GetSecretValue"}, ref(secret))
        kms |= KMS_READ
    if uses.consumes:
        allow(SQS_CONSUME, get_att(config.queue(f"{prefix}-{uses.consumes}"), "Arn"))
        kms |= KMS_CONSUME
    if uses.connect_agents:
        allow(uses.connect_agents, connect_agents(config))
    if uses.opens_secrets:
        kms |= KMS_READ
    if uses.sends_sms:
        allow({"sns:Publish"}, "*")
    if uses.reads_stream:
        stream = get_att(config.table(f"{prefix}-{uses.reads_stream}"), "StreamArn")
        allow({"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}, stream)
        kms |= KMS_READ
    if uses.gives_up_to:
        allow({"sqs:SendMessage"}, get_att(config.queue(f"{prefix}-{uses.gives_up_to}"), "Arn"))
        kms |= KMS_PRODUCE
    allow(kms, get_att(config.data_key(), "Arn"))
    allow(XRAY, "*")
    return grants


def connect_agents(config: Synthesized) -> Any:
    """Every agent of the 112 line's Connect instance: imported (its ARN) or created by the stack."""
    if config.name == "full":
        return f"{INSTANCE_ARN}/agent/*"
    return {"Fn::Join": ["", [get_att(config.only("AWS::Connect::Instance"), "Arn"), "/agent/*"]]}


# The statements that are not plain grants, checked by their own tests below: SMS to numbers and never to a
# topic (agency-delivery), e-mail from the one sender.
NO_TOPICS = {"Sid": "NoTopics", "Effect": "Deny", "Action": "sns:Publish"}


def actual_grants(config: Synthesized, role_id: str) -> set[Grant]:
    grants: set[Grant] = set()
    for statement in config.role_statements(role_id):
        if statement.get("Sid") in ("NoTopics", "SendEmail"):
            continue
        assert statement.get("Effect") == "Allow", statement
        assert not {"NotAction", "NotResource"} & set(statement), statement
        scope = ""
        if "Condition" in statement:
            # the one condition a grant may carry: deletes limited to named partitions (deletes_under)
            (leading,) = statement["Condition"]["ForAllValues:StringEquals"].values()
            assert statement["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": leading}}
            assert as_list(statement["Action"]) == ["dynamodb:DeleteItem"], statement
            scope = "@" + ",".join(as_list(leading))
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                grants.add((action + scope, canonical(resource)))
    return grants


def function_roles(config: Synthesized) -> dict[str, str]:
    return {name: config.role(name) for name in FUNCTION_NAMES}


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_role_has_exactly_the_grants_its_code_needs(config: Synthesized, name: str) -> None:
    actual = actual_grants(config, config.role(name))
    expected = expected_grants(config, name)
    assert actual - expected == set(), "granted beyond what the code uses"
    assert expected - actual == set(), "missing from the role"


def index_grants(config: Synthesized, name: str) -> set[str]:
    """The indexes a function's role may query, by name."""
    return {
        resource.split("/index/")[1].strip('"]}')
        for action, resource in actual_grants(config, config.role(name))
        if "/index/" in resource
    }


def test_each_function_queries_only_the_index_its_code_reads(config: Synthesized) -> None:
    found = {name: index_grants(config, name) for name in FUNCTION_NAMES}
    assert found == {
        "intake-connect": set(),  # the caller's record and a kept position are read by key (decision 42)
        "verify-api": {"by-status", "by-callback", "by-caller", "by-type", "by-day"},
        "intake-web": {"by-caller"},
        "intake-backlog": set(),
        "intake-calls": set(),
        "reply-sender": set(),
        "dispatch-worker": set(),
        "dispatch-reconciler": {"by-status"},
        "privacy-retention": {"by-status"},
        "agency-delivery": set(),
        "agency-api": set(),
        "stats-rollup": set(),
    }


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
                if statement.get("Sid") == "SendSms":  # a phone number has no ARN; topics are denied
                    assert (name, actions) == ("agency-delivery", ["sns:Publish"])
                    continue
                assert set(actions) <= XRAY, f"{name}: Resource * for {actions}"


def test_the_sms_sender_can_publish_to_no_topic_and_mail_from_one_sender_only(config: Synthesized) -> None:
    statements = {s.get("Sid"): s for s in config.role_statements(config.role("agency-delivery"))}
    deny = statements["NoTopics"]
    assert {k: deny[k] for k in NO_TOPICS} == NO_TOPICS
    assert "arn:" in json.dumps(deny["Resource"])
    assert ":sns:*:*:*" in json.dumps(deny["Resource"])
    if config.name == "full":
        mail = statements["SendEmail"]
        assert (mail["Effect"], mail["Action"]) == ("Allow", "ses:SendEmail")
        assert mail["Condition"] == {"StringEquals": {"ses:FromAddress": "112@banyuwangikab.example.go.id"}}
        assert "identity/banyuwangikab.example.go.id" in json.dumps(mail["Resource"])
    else:
        assert "SendEmail" not in statements  # no sender configured: no e-mail


def test_no_managed_policies_on_function_roles(config: Synthesized) -> None:
    for name, role_id in function_roles(config).items():
        assert "ManagedPolicyArns" not in config.props(role_id), name
        attached = [
            lid
            for lid in config.of_type("AWS::IAM::ManagedPolicy")
            if ref(role_id) in config.props(lid).get("Roles", [])
        ]
        assert attached == [], name


def test_intake_cannot_queue_or_publish_nor_query(config: Synthesized) -> None:
    # The 112 path reads by key only: the caller's record and a kept position (decision 42).
    grants = actual_grants(config, config.role("intake-connect"))
    actions = {action for action, _ in grants}
    assert not {a for a in actions if a.startswith(("sqs:", "sns:"))}, actions
    assert not {"dynamodb:Query", "dynamodb:Scan"} & actions, actions
    assert "dynamodb:BatchGetItem" in actions


def test_reconciler_writes_incidents_only_through_the_lifecycle(config: Synthesized) -> None:
    grants = actual_grants(config, config.role("dispatch-reconciler"))
    actions = {action for action, _ in grants if action.startswith("dynamodb:")}
    # the escalation step is a conditional TransactWriteItems of Puts; nothing updates, and it deletes only
    # in the notices' outbox
    assert actions == {"dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem", OUTBOX_DELETE}


def test_only_the_worker_publishes_to_agencies(config: Synthesized) -> None:
    topic = canonical(ref(config.topic(AGENCY_TOPIC.physical_name(config.prefix))))
    publishers = {
        name
        for name, role_id in function_roles(config).items()
        if ("sns:Publish", topic) in actual_grants(config, role_id)
    }
    assert publishers == {"dispatch-worker"}


def test_an_index_grant_names_its_indexes() -> None:
    """A definition cannot grant index actions without saying which indexes, nor name one the table lacks."""
    with pytest.raises(ValueError, match="go together"):
        TableAccess(INCIDENTS, (), index_actions=("dynamodb:Query",))
    with pytest.raises(ValueError, match="has no index"):
        TableAccess(IDEMPOTENCY, (), index_actions=("dynamodb:Query",), indexes=(STATUS_INDEX,))
