"""Every resource Respon 112 runs on, declared once, as plain data.

The CDK constructs (infra/) and the local stack (local/) both build from this module, so the tables,
queues, topic, functions and user pool a developer runs locally are the ones `cdk deploy` creates.
Table key schemas live in `core.tables` because the Lambda code reads them too (infra/__init__.py puts
functions/ on the path); they are re-exported here. Nothing in this module imports AWS CDK or boto3.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from core.agencies import AGENCIES, ROUTES
from core.models import Category, Priority
from core.notices import OUTBOX_PK
from core.regency import REGENCIES
from core.replies import SEND_ATTEMPTS
from core.settings import policy_with
from core.tables import (
    CALLBACK_INDEX,
    CALLER_INDEX,
    DAY_INDEX,
    DIRECTORY,
    IDEMPOTENCY,
    INCIDENTS,
    STATS,
    STATUS_INDEX,
    TABLES,
    TYPE_INDEX,
    Index,
    Key,
    TableDesign,
)

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
PANEL_DIR = ROOT / "panel"

__all__ = [
    "ACK_DEADLINES_ENV",
    "AGENCY_TOPIC",
    "ANY_AWS_ENDPOINT",
    "API_FUNCTIONS",
    "BACKLOG_QUEUE",
    "BUCKETS",
    "CALLBACK_INDEX",
    "CALLER_INDEX",
    "CALLER_LOOKUP_TIMEOUT_ENV",
    "CALLER_POLICY_ENV",
    "CHANNEL_SECRETS",
    "CONNECT_INSTANCE_ENV",
    "CONTACT_EVENTS_QUEUE",
    "DAY_INDEX",
    "DELIVERY_QUEUE",
    "DEPLOYMENT_SETTINGS",
    "DIRECTORY",
    "DISPATCH_QUEUE",
    "EMAIL_FROM_ENV",
    "FUNCTIONS",
    "FUNCTIONS_DIR",
    "IDEMPOTENCY",
    "INCIDENTS",
    "OPERATOR_GROUPS",
    "OPERATOR_POOL",
    "PANEL_DIR",
    "PROJECT",
    "PUBLIC_API_ENV",
    "QUEUES",
    "RAW_BUCKET",
    "REPLY_QUEUE",
    "REPLY_SECRETS",
    "RESPONDER_PAGE_ENV",
    "RESPONDER_SECRETS",
    "ROOT",
    "SEALING_KEY_ENV",
    "SECRETS",
    "STATS",
    "STATUS_INDEX",
    "TABLES",
    "TYPE_INDEX",
    "UNDELIVERED_QUEUE",
    "USER_POOL_ENV",
    "ApiRoute",
    "AuthFlowName",
    "BucketDesign",
    "DeadLetterQueueDesign",
    "FunctionDesign",
    "Index",
    "Key",
    "PasswordPolicy",
    "QueueDesign",
    "QueueSource",
    "SecretDesign",
    "StreamSource",
    "TableAccess",
    "TableDesign",
    "TopicDesign",
    "UserGroup",
    "UserPoolDesign",
    "api_routes",
    "content_security_policy",
    "failed_queue_name",
    "function",
    "panel_config",
    "resource_prefix",
]

PROJECT = "respon112"
USER_POOL_ENV = "USER_POOL_ID"
SEALING_KEY_ENV = "SEALING_KEY_ARN"  # the data key, which seals the agency endpoints' secrets
CONNECT_INSTANCE_ENV = "CONNECT_INSTANCE_ARN"  # the Amazon Connect instance the 112 line runs on
RESPONDER_PAGE_ENV = "RESPONDER_PAGE_URL"  # the panel's origin, where respond.html is
PUBLIC_API_ENV = "PUBLIC_API_URL"  # the API's URL, whose /agency/status agencies' systems post to
EMAIL_FROM_ENV = "AGENCY_EMAIL_FROM"  # SES's verified sender ("" when e-mail to posts is not set up)
ACK_DEADLINES_ENV = "ACK_DEADLINES"  # the regency's acknowledgement deadlines, or a deployment's own
METRICS_NAMESPACE = "Respon112"


def resource_prefix(stage: str) -> str:
    return f"{PROJECT}-{stage}"


@dataclass(frozen=True)
class QueueDesign:
    id: str
    env_var: str  # the variable that gives a function the queue URL
    visibility_timeout_seconds: int
    max_receive_count: int  # deliveries before a message moves to the dead-letter queue
    retention_days: int = 4
    dlq_retention_days: int = 14

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}-{self.id}"

    def dlq_name(self, prefix: str) -> str:
        return f"{prefix}-{self.id}-dlq"


@dataclass(frozen=True)
class DeadLetterQueueDesign:
    """A queue that only ever receives what something else gave up on (it has no dead-letter queue of its
    own): people read it."""

    id: str
    retention_days: int = 14

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}-{self.id}"


@dataclass(frozen=True)
class TopicDesign:
    id: str
    env_var: str
    filter_attribute: str  # message attribute subscribers filter on

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}-{self.id}"


@dataclass(frozen=True)
class BucketDesign:
    id: str
    env_var: str


@dataclass(frozen=True)
class SecretDesign:
    id: str
    env_var: str  # the variable that gives a function the secret's name
    keys: tuple[str, ...]  # the JSON keys the secret holds
    generated: str | None = None  # the key the stack fills with a random value at creation, if any

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}/{self.id}"


@dataclass(frozen=True)
class TableAccess:
    """What a function does with one table: `actions` on the table itself, `index_actions` on exactly the
    `indexes` its code queries (never on every index of the table)."""

    table: TableDesign
    actions: tuple[str, ...]  # IAM actions on the table
    index_actions: tuple[str, ...] = ()  # IAM actions on the indexes below
    indexes: tuple[Index, ...] = ()  # the indexes its code queries
    # DeleteItem only on the items under these partition keys (IAM's dynamodb:LeadingKeys): a function
    # that must take its own bookkeeping out of a table may not delete anything else in it
    deletes_under: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if bool(self.index_actions) != bool(self.indexes):
            raise ValueError(f"{self.table.id}: index_actions and indexes go together")
        unknown = [index.name for index in self.indexes if index not in self.table.indexes]
        if unknown:
            raise ValueError(f"{self.table.id} has no index {unknown}")


@dataclass(frozen=True)
class QueueSource:
    """An SQS event source mapping: Lambda polls the queue and invokes the function with batches."""

    queue: QueueDesign
    batch_size: int = 10
    max_batching_window_seconds: int = 0
    # At most this many concurrent invocations from the mapping (Lambda's "maximum concurrency", 2 or
    # more). Unlike reserved concurrency it makes the pollers wait instead of invoking into throttles,
    # which would count as failed receives and push messages to the dead-letter queue.
    max_concurrency: int | None = None

    def __post_init__(self) -> None:
        if self.max_concurrency is not None and not 2 <= self.max_concurrency <= 1000:
            raise ValueError(f"{self.queue.id}: an event source's maximum concurrency is 2 to 1000")


@dataclass(frozen=True)
class StreamSource:
    """A DynamoDB stream event source mapping: Lambda reads the table's stream and invokes the function
    with batches, in order per item; a failed record is retried, with the ones after it, until it
    succeeds or `retry_attempts` run out (the function is idempotent, so repeats change nothing)."""

    table: TableDesign
    batch_size: int = 100
    max_batching_window_seconds: int = 1
    retry_attempts: int = 10

    def __post_init__(self) -> None:
        if not self.table.stream:
            raise ValueError(f"{self.table.id} has no stream")


def failed_queue_name(function_name: str, prefix: str) -> str:
    """The queue a stream mapping sends what its retries gave up on (CDK and the local stack)."""
    return f"{prefix}-{function_name}-failed"


@dataclass(frozen=True)
class FunctionDesign:
    name: str  # short name: the local Invoke API and the deployed name's suffix
    handler: str  # module.function under functions/
    description: str
    timeout_seconds: int
    memory_mb: int = 1024
    tables: tuple[TableAccess, ...] = ()
    sends_to: tuple[QueueDesign, ...] = ()
    publishes_to: tuple[TopicDesign, ...] = ()
    source: QueueSource | None = None
    stream: StreamSource | None = None  # a table's stream it reads (DynamoDB Streams)
    schedule_minutes: int | None = None  # run every N minutes (EventBridge Scheduler)
    api_spec: str | None = None  # committed OpenAPI document, relative to functions/, for API functions
    user_pool_actions: tuple[str, ...] = ()  # IAM actions on the operators' user pool (gets USER_POOL_ID)
    # IAM actions on the Amazon Connect instance's agents (gets CONNECT_INSTANCE_ARN)
    connect_agent_actions: tuple[str, ...] = ()
    writes_to: tuple[BucketDesign, ...] = ()  # buckets it puts objects in
    reads_secrets: tuple[SecretDesign, ...] = ()
    # Seals secrets with the stack's data key (kms:Encrypt, which writing its tables grants already): it
    # gets SEALING_KEY_ARN. verify-api seals the agency endpoints' shared secrets an admin sends.
    seals_secrets: bool = False
    # Opens sealed secrets (kms:Decrypt on the data key, which reading its tables grants already): gets
    # SEALING_KEY_ARN. agency-delivery signs records, agency-api checks statuses, with a post's secret.
    opens_secrets: bool = False
    # Sends SMS straight to phone numbers (sns:Publish to no topic) and e-mail through SES.
    sends_sms: bool = False
    sends_email: bool = False
    # Environment variables the stack fills with deployment values (the panel's URL, the API's URL).
    deployment_env: tuple[str, ...] = ()
    # Reserved concurrency: both a floor (this many executions are kept for it, whatever else runs in the
    # account) and a ceiling. The account needs at least 100 unreserved executions besides (docs/deploy.md).
    reserved_concurrency: int | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    # Deployment settings it reads (DEPLOYMENT_SETTINGS), given only when the deployment sets them: else the
    # function's own defaults (e.g. the regency's prank policy) apply.
    settings: tuple[str, ...] = ()

    def env(
        self,
        *,
        stage: str,
        regency: str,
        names: Mapping[str, str],
        settings: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """The function's environment; `names` maps each resource env var to its physical name/URL/ARN,
        `settings` the deployment's settings (context values, as their variables) to what they are."""
        needed = [t.table.env_var for t in self.tables]
        needed += [q.env_var for q in self.sends_to] + [t.env_var for t in self.publishes_to]
        needed += [USER_POOL_ENV] if self.user_pool_actions else []
        needed += [CONNECT_INSTANCE_ENV] if self.connect_agent_actions else []
        needed += [b.env_var for b in self.writes_to] + [s.env_var for s in self.reads_secrets]
        needed += [SEALING_KEY_ENV] if self.seals_secrets or self.opens_secrets else []
        needed += list(self.deployment_env)
        missing = [var for var in needed if var not in names]
        if missing:
            raise KeyError(f"{self.name}: no value for {missing}")
        unknown = [var for var in self.settings if var not in DEPLOYMENT_SETTINGS]
        if unknown:
            raise KeyError(
                f"{self.name}: no deployment setting {unknown}; one of {list(DEPLOYMENT_SETTINGS)}"
            )
        given = settings or {}
        return {
            "POWERTOOLS_SERVICE_NAME": self.name,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "STAGE": stage,
            "REGENCY": regency,
            **{var: names[var] for var in needed},
            **self.environment,
            **{var: given[var] for var in self.settings if var in given},
        }


# Settings a deployment may give some functions (context values, infra/config.py; locally, serve's options),
# by the variable that carries them: the prank policy's changes to the regency's own (core.standing, as a
# JSON object), and how long the intake waits for the caller's history (core.settings).
CALLER_POLICY_ENV = "CALLER_POLICY"
CALLER_LOOKUP_TIMEOUT_ENV = "CALLER_LOOKUP_TIMEOUT_MS"
DEPLOYMENT_SETTINGS = (CALLER_POLICY_ENV, CALLER_LOOKUP_TIMEOUT_ENV)


@dataclass(frozen=True)
class UserGroup:
    name: str
    description: str
    precedence: int


DISPATCH_QUEUE = QueueDesign(
    id="dispatch",
    env_var="DISPATCH_QUEUE_URL",
    # AWS guidance: at least 6x the consumer's timeout, so a slow batch is not redelivered mid-flight.
    visibility_timeout_seconds=6 * 20,
    max_receive_count=5,
)
REPLY_QUEUE = QueueDesign(
    id="replies",
    env_var="REPLY_QUEUE_URL",
    visibility_timeout_seconds=6 * 15,
    max_receive_count=SEND_ATTEMPTS,  # the sender records an operator's message FAILED on the last
)
# The messages of a webhook delivery that intake-web could not register in the time of its answer.
BACKLOG_QUEUE = QueueDesign(
    id="backlog",
    env_var="BACKLOG_QUEUE_URL",
    visibility_timeout_seconds=6 * 60,
    max_receive_count=5,
)
# Amazon Connect's contact events of the 112 line (an EventBridge rule sends them, infra/contact_events.py;
# locally the flow runner does). Five receives a minute apart: a call that ended before anyone registered
# its incident (the intake failed, the operator opens it late) is looked for again for about five minutes.
CONTACT_EVENTS_QUEUE = QueueDesign(
    id="contact-events",
    env_var="CONTACT_EVENTS_QUEUE_URL",
    visibility_timeout_seconds=6 * 10,
    max_receive_count=5,
)
# One message per incident x post x change (a dispatch, an escalation step): agency-delivery tells the post
# on its channels. Five receives, two minutes apart (the visibility timeout): an agency's endpoint down for
# about ten minutes is retried, then the delivery waits in the dead-letter queue, whose alarm calls a person
# to phone the post.
DELIVERY_QUEUE = QueueDesign(
    id="agency-deliveries",
    env_var="DELIVERY_QUEUE_URL",
    visibility_timeout_seconds=6 * 20,
    max_receive_count=5,
)
QUEUES: tuple[QueueDesign, ...] = (
    DISPATCH_QUEUE,
    REPLY_QUEUE,
    BACKLOG_QUEUE,
    CONTACT_EVENTS_QUEUE,
    DELIVERY_QUEUE,
)

# Every inbound POST of the public intake: byte for byte before anything parses it, or, when refused, its
# start under refused/ for days (core.storage, infra/channels.py).
RAW_BUCKET = BucketDesign(id="raw-reports", env_var="RAW_BUCKET_NAME")
BUCKETS: tuple[BucketDesign, ...] = (RAW_BUCKET,)

# What proves an inbound request genuine: read by intake-web only.
CHANNEL_SECRETS = SecretDesign(
    id="channel-secrets",
    env_var="CHANNEL_SECRETS_NAME",
    keys=("instagramVerifyToken", "instagramAppSecret", "twitterConsumerSecret", "amlToken"),
    generated="instagramVerifyToken",  # ours to choose; typed into Meta's dashboard
)
# What lets us write to citizens: read by reply-sender only, which thus cannot forge inbound requests.
REPLY_SECRETS = SecretDesign(
    id="reply-secrets",
    env_var="REPLY_SECRETS_NAME",
    keys=(
        "instagramPageAccessToken",
        # an operator's X direct messages, as the account (OAuth 1.0a user context)
        "xApiKey",
        "xApiKeySecret",
        "xAccessToken",
        "xAccessTokenSecret",
    ),
)
# The key of the responders' links (core/responder_links.py): agency-delivery signs them, agency-api checks
# them. Generated at creation; replacing it voids every link sent.
RESPONDER_SECRETS = SecretDesign(
    id="responder-secrets",
    env_var="RESPONDER_SECRETS_NAME",
    keys=("linkKey",),
    generated="linkKey",
)
SECRETS: tuple[SecretDesign, ...] = (CHANNEL_SECRETS, REPLY_SECRETS, RESPONDER_SECRETS)

AGENCY_TOPIC = TopicDesign(id="agency-notifications", env_var="AGENCY_TOPIC_ARN", filter_attribute="agency")

# Notifications SNS gave up on (an agency's SMS, e-mail or HTTPS endpoint, the alarm e-mail). Cloud only:
# those subscriptions exist only in the cloud; locally each agency is an inbox queue (local/aws.py) that
# SNS always delivers to, so there is nothing to catch.
UNDELIVERED_QUEUE = DeadLetterQueueDesign(id="undelivered-notifications")

FUNCTIONS: tuple[FunctionDesign, ...] = (
    FunctionDesign(
        name="intake-connect",
        handler="intake.connect.lambda_handler",
        description="Amazon Connect 112 contact flow: registers the call as an incident",
        # Connect waits at most 8 s (the flow sets 3-4 s); fail fast so the flow's retry and error branch fit.
        timeout_seconds=6,
        # BatchGetItem: the caller's record and a kept position by key (caller_snapshot); no index.
        tables=(TableAccess(INCIDENTS, ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:BatchGetItem")),),
        # Kept for the 112 path: a flood on the public intake or a runaway worker cannot take the
        # account's executions from it. 20 registrations at ~100 ms each is ~200 calls a second.
        reserved_concurrency=20,
        settings=(CALLER_POLICY_ENV, CALLER_LOOKUP_TIMEOUT_ENV),
    ),
    FunctionDesign(
        name="verify-api",
        handler="verify.api.lambda_handler",
        description="Operators' REST API: queue, claim, verify, reject, acknowledge, close",
        timeout_seconds=10,
        tables=(
            TableAccess(
                INCIDENTS,
                # BatchGetItem: a call an operator opens without its incident reads its caller's record
                ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchGetItem"),
                index_actions=("dynamodb:Query",),
                # the queue by status (list_by_status) and the supervisors' list of standings in it; the
                # callback desk (list_callbacks); a caller's history (caller_lookup) and each desk entry's
                # other incidents (recent_by_caller); past incidents by day (search)
                indexes=(STATUS_INDEX, CALLBACK_INDEX, CALLER_INDEX, DAY_INDEX),
                deletes_under=(OUTBOX_PK,),  # an agencies' notice out of the outbox once queued
            ),
            # The agency directory: read it (GET /agencies, routing at verify), change it (admins: an entry
            # and its history in one transaction of Puts), a type's posts (GET /agencies/posts).
            TableAccess(
                DIRECTORY,
                ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"),
                index_actions=("dynamodb:Query",),
                indexes=(TYPE_INDEX,),
            ),
            # the statistics' hours and days (GET /stats)
            TableAccess(STATS, ("dynamodb:Query",)),
        ),
        # dispatch requests at verification, and the notices of changes after it (core.notices); operators'
        # messages to citizens (REPLY_QUEUE)
        sends_to=(DISPATCH_QUEUE, REPLY_QUEUE),
        api_spec="verify/openapi.json",
        user_pool_actions=("cognito-idp:ListUsersInGroup",),  # GET /operators, reassign
        settings=(CALLER_POLICY_ENV, CALLER_LOOKUP_TIMEOUT_ENV),
        seals_secrets=True,  # an agency endpoint's shared secret, sealed before it is stored
        deployment_env=(ACK_DEADLINES_ENV,),  # an agency an update adds: its deadline to confirm
    ),
    FunctionDesign(
        name="intake-web",
        handler="intake.web.lambda_handler",
        description="Public intake: web report form, Instagram and X webhooks, AML positions",
        timeout_seconds=10,
        tables=(
            TableAccess(
                INCIDENTS,
                ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
                index_actions=("dynamodb:Query",),
                indexes=(CALLER_INDEX,),  # a caller's open incident, for AML (recent_by_caller)
            ),
        ),
        sends_to=(REPLY_QUEUE, BACKLOG_QUEUE),
        writes_to=(RAW_BUCKET,),
        reads_secrets=(CHANNEL_SECRETS,),
        api_spec="intake/openapi.json",
        # A cap for the public, unauthenticated routes (behind WAF and method throttling): at most 10
        # executions however hard they are hit, so they cannot use up the account's concurrency.
        reserved_concurrency=10,
    ),
    FunctionDesign(
        name="intake-backlog",
        handler="intake.backlog.lambda_handler",
        description="Registers the messages of a large webhook delivery that intake-web queued",
        # One queue message is at most 25 reports: well under a second on DynamoDB, and still under a
        # minute at the embedded DynamoDB's slowest (tests/integration/test_deliveries.py).
        timeout_seconds=60,
        memory_mb=512,
        tables=(TableAccess(INCIDENTS, ("dynamodb:GetItem", "dynamodb:PutItem")),),
        sends_to=(REPLY_QUEUE,),
        # At most 5 batches at a time (event source, not reserved concurrency: see QueueSource): a burst of
        # deliveries drains in seconds without taking the account's executions from the 112 path.
        source=QueueSource(BACKLOG_QUEUE, batch_size=1, max_concurrency=5),
    ),
    FunctionDesign(
        name="intake-calls",
        handler="intake.calls.lambda_handler",
        description="Amazon Connect contact events: the call's times on its incident, abandoned calls to the "
        "callback desk",
        timeout_seconds=10,
        memory_mb=512,
        # the call's record (GetItem, PutItem), its incident by the contact's DEDUPE item, the copy on the
        # incident, the ABANDONED flag (TransactWriteItems of Puts)
        tables=(TableAccess(INCIDENTS, ("dynamodb:GetItem", "dynamodb:PutItem")),),
        connect_agent_actions=("connect:DescribeUser",),  # who answered: the agent's username
        # At most 5 batches at a time: a surge's events wait in the queue rather than take the account's
        # executions from the 112 path (see QueueSource).
        source=QueueSource(CONTACT_EVENTS_QUEUE, batch_size=10, max_concurrency=5),
    ),
    FunctionDesign(
        name="reply-sender",
        handler="reply.sender.lambda_handler",
        description="Answers citizens on Instagram (Graph API) and X (direct messages); records an "
        "operator's message sent or failed",
        timeout_seconds=15,
        memory_mb=256,
        tables=(
            # an operator's message: its outcome on the incident (GetItem, a TransactWriteItems of Puts
            # conditional on the version)
            TableAccess(INCIDENTS, ("dynamodb:GetItem", "dynamodb:PutItem")),
            TableAccess(
                IDEMPOTENCY,
                ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
            ),  # each operator's message sent once, however often it was queued
        ),
        reads_secrets=(REPLY_SECRETS,),
        # Meta throttles sends per page: at most 2 batches at a time, held back by the event source mapping
        # (not reserved concurrency, whose throttles would count as failed receives, see QueueSource).
        source=QueueSource(REPLY_QUEUE, batch_size=5, max_concurrency=2),
    ),
    FunctionDesign(
        name="dispatch-worker",
        handler="dispatch.worker.lambda_handler",
        description="Forwards verified incidents to agencies through SNS",
        timeout_seconds=20,
        memory_mb=512,
        tables=(
            TableAccess(INCIDENTS, ("dynamodb:GetItem", "dynamodb:PutItem")),
            TableAccess(
                IDEMPOTENCY,
                ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
            ),
            TableAccess(DIRECTORY, ("dynamodb:Query",)),  # the directory: the posts' types and names
        ),
        publishes_to=(AGENCY_TOPIC,),
        sends_to=(DELIVERY_QUEUE,),  # each post of the dispatch, for agency-delivery
        source=QueueSource(DISPATCH_QUEUE, batch_size=10),
        deployment_env=(ACK_DEADLINES_ENV,),
    ),
    FunctionDesign(
        name="agency-delivery",
        handler="agency.delivery.lambda_handler",
        description="Tells each post of a dispatch on its own channels: SMS, e-mail, a signed HTTPS record",
        # An HTTPS endpoint gets 3 attempts of at most 5 s with 2.5 s of backoff; SMS and e-mail are quick.
        timeout_seconds=20,
        memory_mb=512,
        tables=(
            TableAccess(INCIDENTS, ("dynamodb:GetItem",)),  # the incident as it is when sent
            TableAccess(DIRECTORY, ("dynamodb:GetItem",)),  # the post and its type, read at sending time
            TableAccess(
                IDEMPOTENCY,
                ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
            ),  # each channel and address once
        ),
        reads_secrets=(RESPONDER_SECRETS,),  # signs the responders' links
        opens_secrets=True,  # the post's shared secret, which signs the record
        sends_sms=True,
        sends_email=True,
        deployment_env=(RESPONDER_PAGE_ENV, PUBLIC_API_ENV, EMAIL_FROM_ENV),
        source=QueueSource(DELIVERY_QUEUE, batch_size=5, max_concurrency=5),
    ),
    FunctionDesign(
        name="agency-api",
        handler="agency.api.lambda_handler",
        description="Responders' API: a post's page (signed link) and agencies' systems (signed statuses)",
        timeout_seconds=10,
        memory_mb=512,
        tables=(
            # the incident with its dispatches (GetItem, Query of its partition), a status moved (a
            # TransactWriteItems of Puts, conditional on the version)
            TableAccess(INCIDENTS, ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query")),
            TableAccess(DIRECTORY, ("dynamodb:GetItem",)),  # the post and its type
        ),
        reads_secrets=(RESPONDER_SECRETS,),  # checks the links
        opens_secrets=True,  # the post's shared secret, which signs an agency's status
        api_spec="agency/openapi.json",
        # Public and unauthenticated, like the intake: at most 5 executions however hard it is hit.
        reserved_concurrency=5,
    ),
    FunctionDesign(
        name="dispatch-reconciler",
        handler="dispatch.reconciler.lambda_handler",
        description="Re-queues verified incidents whose dispatch request was lost and agencies' notices "
        "left in the outbox; escalates unconfirmed dispatches",
        timeout_seconds=60,
        memory_mb=512,
        tables=(
            # VERIFIED and DISPATCHED incidents, oldest first (list_by_status); one past its deadline
            # with its dispatches (GetItem, Query of its partition), its escalation step (Puts); the
            # agencies' notices left in the outbox (Query), out of it once queued (its items only)
            TableAccess(
                INCIDENTS,
                ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"),
                deletes_under=(OUTBOX_PK,),
                index_actions=("dynamodb:Query",),
                indexes=(STATUS_INDEX,),
            ),
            TableAccess(DIRECTORY, ("dynamodb:Query",)),  # the regency-level posts of a type
        ),
        sends_to=(DISPATCH_QUEUE, DELIVERY_QUEUE),  # the escalation's deliveries
        deployment_env=(ACK_DEADLINES_ENV,),
        schedule_minutes=1,
        reserved_concurrency=1,  # one sweep at a time
    ),
    FunctionDesign(
        name="privacy-retention",
        handler="privacy.retention.lambda_handler",
        description="Masks callers' numbers in incidents older than the retention period (UU 27/2022)",
        timeout_seconds=120,
        memory_mb=512,
        tables=(
            TableAccess(
                INCIDENTS,
                ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
                index_actions=("dynamodb:Query",),
                indexes=(STATUS_INDEX,),  # each status's incidents, oldest first (incidents_between)
            ),
        ),
        schedule_minutes=60,
        reserved_concurrency=1,  # one sweep at a time: its marks say where the last one stopped
        settings=(CALLER_POLICY_ENV,),  # retentionDays
    ),
    FunctionDesign(
        name="stats-rollup",
        handler="stats.rollup.lambda_handler",
        description="Keeps the hourly and daily statistics as incidents change (the incidents' stream)",
        timeout_seconds=60,
        memory_mb=512,
        tables=(
            # an incident's items, read as they are now (one Query on its partition)
            TableAccess(INCIDENTS, ("dynamodb:Query",)),
            # its contribution (GetItem) replaced with the counters' deltas (TransactWriteItems of a Put or
            # Delete and Updates)
            TableAccess(
                STATS, ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
            ),
        ),
        stream=StreamSource(INCIDENTS),
    ),
)
API_FUNCTIONS: tuple[FunctionDesign, ...] = tuple(f for f in FUNCTIONS if f.api_spec)


def function(name: str) -> FunctionDesign:
    try:
        return next(f for f in FUNCTIONS if f.name == name)
    except StopIteration:
        raise KeyError(f"no function named {name!r}; one of {[f.name for f in FUNCTIONS]}") from None


@dataclass(frozen=True)
class ApiRoute:
    method: str  # GET, POST, …
    path: str  # API Gateway resource path, e.g. /incidents/{incident_id}
    function: str
    secured: bool  # behind the Cognito authorizer


_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def api_routes() -> list[ApiRoute]:
    """Every route of the REST API, from the OpenAPI documents the API functions commit next to their
    code: a route exists only if a function declares it, and its `security` decides the authorizer."""
    routes = []
    for design in API_FUNCTIONS:
        spec = json.loads((FUNCTIONS_DIR / str(design.api_spec)).read_text(encoding="utf-8"))
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                if method in _HTTP_METHODS:
                    secured = bool(operation.get("security", spec.get("security")))
                    routes.append(ApiRoute(method.upper(), path, design.name, secured))
    return routes


# The user pool's groups. Operator and supervisor work incidents (verify/auth.py); admin edits the agency
# directory and opens nothing else. Accounts are managed with IAM credentials (cognito-idp's Admin*
# actions), which no group of this pool grants (docs/decisions.md 32).
OPERATOR_GROUPS: tuple[UserGroup, ...] = (
    UserGroup("operator", "112 operators: verify, reject and dispatch incidents", precedence=30),
    UserGroup("supervisor", "Shift supervisors: everything operators do, plus oversight", precedence=20),
    UserGroup(
        "admin",
        "Agency directory editors: change agency types and posts (contacts, coverage, duty hours) in the "
        "panel and the API; no incidents. Accounts are managed with IAM credentials, not through this group.",
        precedence=10,
    ),
)


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int
    require_lowercase: bool
    require_uppercase: bool
    require_digits: bool
    require_symbols: bool
    temporary_password_validity_days: int


AuthFlowName = Literal[
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


@dataclass(frozen=True)
class UserPoolDesign:
    """The operators' user pool and the panel's app client, as both the CDK stack and the local stack
    create them (Cognito's own names for the auth flows, as CreateUserPoolClient takes them)."""

    id: str
    client_id: str
    password_policy: PasswordPolicy
    auth_flows: tuple[AuthFlowName, ...]
    admin_create_user_only: bool = True  # no self sign-up: administrators create every account

    def physical_name(self, prefix: str) -> str:
        return f"{prefix}-{self.id}"

    def client_name(self, prefix: str) -> str:
        return f"{prefix}-{self.client_id}"


OPERATOR_POOL = UserPoolDesign(
    id="operators",
    client_id="panel",
    password_policy=PasswordPolicy(
        min_length=12,
        require_lowercase=True,
        require_uppercase=True,
        require_digits=True,
        require_symbols=True,
        temporary_password_validity_days=3,
    ),
    # What the panel really calls (panel/js/auth.js): InitiateAuth with USER_PASSWORD_AUTH, then
    # REFRESH_TOKEN_AUTH. No SRP (nothing uses it), no admin or custom flows.
    auth_flows=("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"),
)


# The map's tiles: OpenStreetMap's by default (their tile usage policy suits a handful of operators); a
# deployment may name its own tile server (context mapTiles), which the panel's CSP then allows.
OSM_TILES: dict[str, Any] = {
    "tileUrl": "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": "© OpenStreetMap contributors",
    "maxZoom": 19,
    "subdomains": "abc",
}


def tile_source(tile_url: str) -> str:
    """The CSP source that allows a Leaflet tile URL template: its scheme and host, {s} as a wildcard."""
    match = re.match(r"^(https://)([^/]+)/", tile_url)
    if not match:
        raise ValueError(f"tile URL {tile_url!r}: an https:// URL template with a host")
    return match.group(1) + re.sub(r"\{s\}", "*", match.group(2))


def panel_config(
    *,
    stage: str,
    regency: str,
    api_url: str,
    region: str,
    user_pool_id: str,
    user_pool_client_id: str,
    cognito_endpoint: str | None = None,
    ccp_url: str | None = None,
    map_tiles: Mapping[str, Any] | None = None,
    caller_policy: str | None = None,
) -> dict[str, Any]:
    """The operators' panel's runtime configuration (`/config.json`): where the API and Cognito are, the
    Amazon Connect softphone if any, and the regency's reference data. The local stack serves it; the
    CDK stack writes it next to the panel's files at deploy (values may then be deploy-time tokens)."""
    served = REGENCIES[regency]
    policy = policy_with(served.caller_policy, caller_policy)
    return {
        "stage": stage,
        "apiUrl": api_url,  # "" means the panel's own origin (the local stack)
        "cognito": {
            "region": region,
            "userPoolId": user_pool_id,
            "clientId": user_pool_client_id,
            "endpoint": cognito_endpoint or f"https://cognito-idp.{region}.amazonaws.com/",
        },
        "connect": {"ccpUrl": ccp_url, "region": region} if ccp_url else None,
        "regency": {
            "code": served.code,
            "name": served.name,
            "timezone": served.timezone,
            "center": list(served.center),
            "districts": list(served.districts),
            "districtCenters": {name: list(point) for name, point in served.district_centers.items()},
        },
        "agencies": [
            {"code": agency.code, "nameId": agency.name_id, "nameEn": agency.name_en}
            for agency in AGENCIES.values()
        ],
        "routing": {category.value: list(ROUTES[category]) for category in Category},
        "priorities": [priority.value for priority in Priority],
        "map": dict(map_tiles or OSM_TILES),
        # What a caller's history spans (the rows' count of pranks "in 30 days"), as the functions read it.
        "callers": {"historyDays": policy.history_days},
    }


# Any AWS endpoint: what the policy allows when the caller does not name the exact ones (the local stack).
ANY_AWS_ENDPOINT = ("https://*.amazonaws.com", "https://*.amazoncognito.com")


def content_security_policy(
    *connect_sources: str,
    aws_endpoints: Sequence[str] = ANY_AWS_ENDPOINT,
    tile_url: str = OSM_TILES["tileUrl"],
) -> str:
    """The panel's Content-Security-Policy: its own files only; it talks to the API, Cognito and Amazon
    Connect's softphone, and shows OpenStreetMap tiles. CloudFront sends it in production, naming the
    region's Cognito endpoint and the API's origin as `aws_endpoints`; the local stack sends it too (adding
    its own endpoints), so a page that breaks the policy breaks in the tests."""
    connect = " ".join(("'self'", *aws_endpoints, *connect_sources))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: {tile_source(tile_url)}",
            f"connect-src {connect}",
            "frame-src https://*.my.connect.aws https://*.awsapps.com",
            "media-src 'self' blob:",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )
