"""The Lambda functions of infra/definitions.py: one role each, with only the actions its code uses."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import ConfigError, StageConfig
from infra.constants import ARCHITECTURE, LOG_RETENTION, POWERTOOLS_LAYER_ARN, RUNTIME
from infra.definitions import (
    AGENCY_TOPIC,
    BUCKETS,
    CONNECT_INSTANCE_ENV,
    FUNCTIONS,
    FUNCTIONS_DIR,
    QUEUES,
    SEALING_KEY_ENV,
    SECRETS,
    TABLES,
    USER_POOL_ENV,
    FunctionDesign,
    TableAccess,
    failed_queue_name,
)
from infra.definitions import function as function_design
from infra.nag import acknowledge

# DynamoDB actions that write need the table key to encrypt; reads only to decrypt.
_DDB_WRITES = frozenset({"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"})
KMS_READ = ("kms:Decrypt", "kms:DescribeKey")
KMS_WRITE = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey")
# Producers of an SSE-KMS queue or topic generate a data key and decrypt it to reuse it.
KMS_PRODUCE = ("kms:Decrypt", "kms:GenerateDataKey")


# Why no function needs an asynchronous-invocation dead-letter queue, by how it is invoked.
_NO_ASYNC_DLQ = {
    "sync": "Invoked synchronously (Amazon Connect or API Gateway): the caller gets the error and retries; "
    "asynchronous dead-letter queues never apply.",
    "sqs": "Invoked by an SQS event source mapping: failed messages go to the source queue's dead-letter "
    "queue; asynchronous dead-letter queues never apply.",
    "stream": "Invoked by a DynamoDB stream event source mapping: a failing record is retried in order and, "
    "after its retries, sent to the mapping's on-failure queue; asynchronous dead-letter queues never apply.",
    "schedule": "Invoked by a schedule (the reconciler every minute, the retention sweep every hour): a "
    "failed run is repeated by the next one, so there is nothing to keep in a dead-letter queue.",
}


def _invocation(design: FunctionDesign) -> str:
    if design.source:
        return "sqs"
    if design.stream:
        return "stream"
    return "schedule" if design.schedule_minutes else "sync"


def agents_arn(instance_arn: str) -> str:
    """Every agent (user) of the Amazon Connect instance: who may have answered a 112 call."""
    return f"{instance_arn}/agent/*"


def construct_id(name: str) -> str:
    return "".join(part.title() for part in name.split("-"))


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: StageConfig,
        prefix: str,
        key: kms.IKey,
        tables: Mapping[str, dynamodb.Table],
        queues: Mapping[str, sqs.Queue],
        topics: Mapping[str, sns.Topic],
        user_pool: cognito.IUserPool,
        buckets: Mapping[str, s3.IBucket],
        secrets: Mapping[str, secretsmanager.ISecret],
        connect_instance_arn: str,
        extra_environment: Mapping[str, Mapping[str, str]],
        deployment_values: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        self._config = config
        self._connect_instance_arn = connect_instance_arn
        self._key = key
        self._tables = tables
        self._queues = queues
        self._topics = topics
        self._user_pool = user_pool
        self._buckets = buckets
        self._secrets = secrets
        self._failed: dict[str, sqs.Queue] = {
            design.name: self._failed_queue(design, prefix) for design in FUNCTIONS if design.stream
        }
        layer = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "Powertools",
            POWERTOOLS_LAYER_ARN.format(
                partition=Aws.PARTITION, region=Aws.REGION, version=config.powertools_layer_version
            ),
        )
        code = lambda_.Code.from_asset(
            str(FUNCTIONS_DIR), exclude=["**/__pycache__", "**/*.pyc", "**/.mypy_cache", "**/.pytest_cache"]
        )
        names: dict[str, str] = {t.env_var: tables[t.id].table_name for t in TABLES}
        names |= {q.env_var: queues[q.id].queue_url for q in QUEUES}
        names[AGENCY_TOPIC.env_var] = topics[AGENCY_TOPIC.id].topic_arn
        names[USER_POOL_ENV] = user_pool.user_pool_id
        names |= {b.env_var: buckets[b.id].bucket_name for b in BUCKETS}
        names |= {s.env_var: s.physical_name(prefix) for s in SECRETS}  # the name we gave it, not a token
        names[SEALING_KEY_ENV] = key.key_arn
        names[CONNECT_INSTANCE_ENV] = connect_instance_arn
        names |= dict(deployment_values or {})  # FunctionDesign.deployment_env: the panel's URL, the API's, …

        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        for design in FUNCTIONS:
            environment = design.env(
                stage=config.stage, regency=config.regency, names=names, settings=config.function_settings
            )
            environment |= dict(extra_environment.get(design.name, {}))
            self.functions[design.name] = self._function(design, prefix, layer, code, environment)

        # The entry points Connect and API Gateway call: an alias with provisioned concurrency for the
        # Connect intake in production, so a 112 caller never waits for a cold start.
        intake = self.functions["intake-connect"]
        self.intake_target: lambda_.IFunction = intake
        self.intake_alias: lambda_.Alias | None = None
        reserved = function_design("intake-connect").reserved_concurrency
        if reserved is not None and config.intake_provisioned_concurrency > reserved:
            raise ConfigError(
                f"intakeProvisionedConcurrency={config.intake_provisioned_concurrency}: at most the "
                f"intake's reserved concurrency ({reserved}, infra/definitions.py)"
            )
        if config.intake_provisioned_concurrency > 0:
            self.intake_target = self.intake_alias = lambda_.Alias(
                self,
                "IntakeLive",
                alias_name="live",
                version=intake.current_version,
                provisioned_concurrent_executions=config.intake_provisioned_concurrency,
            )

    def _function(
        self,
        design: FunctionDesign,
        prefix: str,
        layer: lambda_.ILayerVersion,
        code: lambda_.Code,
        environment: dict[str, str],
    ) -> lambda_.Function:
        cid = construct_id(design.name)
        log_group = logs.LogGroup(
            self,
            f"{cid}Logs",
            log_group_name=f"/aws/lambda/{prefix}-{design.name}",
            retention=LOG_RETENTION[self._config.stage],
            removal_policy=RemovalPolicy.RETAIN if self._config.is_prod else RemovalPolicy.DESTROY,
        )
        role = iam.Role(
            self,
            f"{cid}Role",
            role_name=f"{prefix}-{design.name}",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Respon 112 {design.name}: only what its code uses",
        )
        for statement in self.statements(design, log_group):
            role.add_to_policy(statement)
        for bucket in (self._buckets[b.id] for b in design.writes_to):
            bucket_id = Stack.of(self).get_logical_id(bucket.node.default_child)  # type: ignore[arg-type]
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/*]",
                "s3:PutObject on the archive's objects: each request is a new object under a generated key "
                "(channel/date/ULID), in this one bucket only; no read, list or delete.",
            )
        self.roles[design.name] = role

        function = lambda_.Function(
            self,
            cid,
            function_name=f"{prefix}-{design.name}",
            description=design.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=design.handler,
            code=code,
            layers=[layer],
            memory_size=design.memory_mb,
            timeout=Duration.seconds(design.timeout_seconds),
            environment=environment,
            role=role,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
            reserved_concurrent_executions=design.reserved_concurrency,
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray's xray:PutTraceSegments and xray:PutTelemetryRecords (added for active tracing), which "
            "support no resource-level permissions"
            + (
                "; and sns:Publish for SMS to a post's number, which has no resource ARN (publishing to any "
                "topic is denied by the statement NoTopics)."
                if design.sends_sms
                else "."
            ),
        )
        acknowledge(function, "Serverless-LambdaDLQ", _NO_ASYNC_DLQ[_invocation(design)])
        if design.source:
            function.add_event_source(
                sources.SqsEventSource(
                    self._queues[design.source.queue.id],
                    batch_size=design.source.batch_size,
                    max_batching_window=(
                        Duration.seconds(design.source.max_batching_window_seconds)
                        if design.source.max_batching_window_seconds
                        else None
                    ),
                    report_batch_item_failures=True,
                    max_concurrency=design.source.max_concurrency,
                )
            )
            acknowledge(
                function,
                "Serverless-LambdaEventSourceMappingDestination",
                "Messages that keep failing move to the queue's dead-letter queue (redrive policy, "
                "maxReceiveCount) with their body intact, which an on-failure destination would not keep.",
            )
        if design.stream:
            self._stream_source(function, design, cid)
        if design.schedule_minutes:
            schedule = events.Rule(
                self,
                f"{cid}Schedule",
                rule_name=f"{prefix}-{design.name}",
                description=f"Runs {design.name} every {design.schedule_minutes} minute(s)",
                schedule=events.Schedule.rate(Duration.minutes(design.schedule_minutes)),
                targets=[targets.LambdaFunction(function, retry_attempts=0)],  # the next run is the retry
            )
            # EventBridge invokes asynchronously: Lambda's own retries (two by default, and a throttled event
            # kept for up to six hours) would pile late sweeps onto the next ones. The next run is the retry.
            function.configure_async_invoke(
                retry_attempts=0, max_event_age=Duration.minutes(design.schedule_minutes)
            )
            acknowledge(
                function.node.find_child("EventInvokeConfig"),
                "Serverless-LambdaAsyncFailureDestination",
                "A failed or expired scheduled run carries no data to keep: the next run, a schedule period "
                "later, does the same sweep (and the function's errors alarm reports the failure).",
            )
            acknowledge(
                schedule,
                "Serverless-EventBusDLQ",
                "A missed run needs no replay: the next scheduled run does the same sweep a period later.",
            )
        return function

    def _messaging_statements(self, design: FunctionDesign) -> list[iam.PolicyStatement]:
        """SMS to a post's numbers and e-mail to its addresses (agency-delivery)."""
        statements: list[iam.PolicyStatement] = []
        if design.sends_sms:
            # An SMS to a phone number has no resource to name: allowed on "*", and denied on every topic,
            # so the function can text a number and publish nowhere else.
            statements.append(iam.PolicyStatement(sid="SendSms", actions=["sns:Publish"], resources=["*"]))
            statements.append(
                iam.PolicyStatement(
                    sid="NoTopics",
                    effect=iam.Effect.DENY,
                    actions=["sns:Publish"],
                    resources=[f"arn:{Aws.PARTITION}:sns:*:*:*"],
                )
            )
        if design.sends_email and self._config.agency_email_from:
            domain = self._config.agency_email_from.split("@", 1)[1]
            statements.append(
                iam.PolicyStatement(
                    sid="SendEmail",
                    actions=["ses:SendEmail"],
                    resources=[
                        f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:identity/{identity}"
                        for identity in (domain, self._config.agency_email_from)
                    ],
                    conditions={"StringEquals": {"ses:FromAddress": self._config.agency_email_from}},
                )
            )
        return statements

    def _failed_queue(self, design: FunctionDesign, prefix: str) -> sqs.Queue:
        """What a stream mapping's retries gave up on: the record's position, to look at and replay by
        hand (the incident's next change brings its statistics up to date anyway, docs/stats.md)."""
        failed = sqs.Queue(
            self,
            f"{construct_id(design.name)}Failed",
            queue_name=failed_queue_name(design.name, prefix),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self._key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            removal_policy=RemovalPolicy.RETAIN if self._config.is_prod else RemovalPolicy.DESTROY,
        )
        for rule in ("Serverless-SQSRedrivePolicy", "AwsSolutions-SQS3"):
            acknowledge(
                failed,
                rule,
                "It is itself the on-failure destination of the stream mapping: what it holds is only read "
                "by people, nothing gives up on it.",
            )
        return failed

    def _stream_source(self, function: lambda_.Function, design: FunctionDesign, cid: str) -> None:
        assert design.stream is not None
        stream = design.stream
        table = self._tables[stream.table.id]
        assert table.table_stream_arn is not None
        mapping = lambda_.EventSourceMapping(
            self,
            f"{cid}Stream",
            target=function,
            event_source_arn=table.table_stream_arn,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=stream.batch_size,
            max_batching_window=Duration.seconds(stream.max_batching_window_seconds),
            retry_attempts=stream.retry_attempts,
            bisect_batch_on_error=True,
            report_batch_item_failures=True,
            # Only an incident's own items; never the call records, rate counters, positions or dedupe
            # items that share the table.
            filters=[
                lambda_.FilterCriteria.filter(
                    {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "INCIDENT#"}]}}}}
                )
            ],
        )
        # The destination is set on the resource rather than with SqsDlq, whose grant adds wildcard KMS
        # actions (kms:GenerateDataKey*, kms:ReEncrypt*): the role gets exactly what sending needs instead.
        cfn = mapping.node.default_child
        assert isinstance(cfn, lambda_.CfnEventSourceMapping)
        cfn.add_property_override(
            "DestinationConfig.OnFailure.Destination", self._failed[design.name].queue_arn
        )
        mapping.node.add_dependency(self.roles[design.name])
        acknowledge(
            mapping,
            "Serverless-LambdaEventSourceMappingDestination",
            "It has one: DestinationConfig.OnFailure names the function's `-failed` queue, set on the "
            "resource (see above), which the rule reads only from the construct's properties.",
        )

    def _table_statements(self, index: int, access: TableAccess) -> list[iam.PolicyStatement]:
        """A table's statements: its actions, its indexes' actions, deletes limited to named partitions."""
        table = self._tables[access.table.id]
        statements: list[iam.PolicyStatement] = []
        if access.actions:
            statements.append(
                iam.PolicyStatement(
                    sid=f"Table{index}", actions=sorted(access.actions), resources=[table.table_arn]
                )
            )
        if access.index_actions:
            statements.append(
                iam.PolicyStatement(
                    sid=f"Table{index}Indexes",
                    actions=sorted(access.index_actions),
                    resources=[f"{table.table_arn}/index/{i.name}" for i in access.indexes],
                )
            )
        if access.deletes_under:
            statements.append(
                iam.PolicyStatement(
                    sid=f"Table{index}ScopedDeletes",
                    actions=["dynamodb:DeleteItem"],
                    resources=[table.table_arn],
                    conditions={
                        "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": list(access.deletes_under)}
                    },
                )
            )
        return statements

    def statements(self, design: FunctionDesign, log_group: logs.ILogGroup) -> list[iam.PolicyStatement]:
        """The IAM statements of a function, derived from what its definition says it touches."""
        statements = [
            iam.PolicyStatement(
                sid="WriteOwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        ]
        kms_actions: set[str] = set()
        for index, access in enumerate(design.tables):
            statements.extend(self._table_statements(index, access))
            kms_actions.update(KMS_WRITE if _DDB_WRITES & set(access.actions) else KMS_READ)
        if design.stream:
            # What Lambda's stream mapping calls with the function's role: the table's stream only (no
            # dynamodb:ListStreams, which would need Resource "*": the mapping names the stream), and the
            # on-failure queue.
            table = self._tables[design.stream.table.id]
            statements.append(
                iam.PolicyStatement(
                    sid="ReadStream",
                    actions=["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                    resources=[str(table.table_stream_arn)],
                )
            )
            statements.append(
                iam.PolicyStatement(
                    sid="SendFailedRecords",
                    actions=["sqs:SendMessage"],
                    resources=[self._failed[design.name].queue_arn],
                )
            )
            kms_actions.update(KMS_READ, KMS_PRODUCE)
        if design.sends_to:
            statements.append(
                iam.PolicyStatement(
                    sid="SendToQueues",
                    actions=["sqs:SendMessage"],
                    resources=[self._queues[q.id].queue_arn for q in design.sends_to],
                )
            )
            kms_actions.update(KMS_PRODUCE)
        if design.publishes_to:
            statements.append(
                iam.PolicyStatement(
                    sid="PublishToTopics",
                    actions=["sns:Publish"],
                    resources=[self._topics[t.id].topic_arn for t in design.publishes_to],
                )
            )
            kms_actions.update(KMS_PRODUCE)
        if design.writes_to:
            statements.append(
                iam.PolicyStatement(
                    sid="ArchiveObjects",
                    actions=["s3:PutObject"],
                    resources=[self._buckets[b.id].arn_for_objects("*") for b in design.writes_to],
                )
            )
            kms_actions.update(KMS_PRODUCE)  # SSE-KMS: a data key for each object (bucket keys cache it)
        if design.reads_secrets:
            statements.append(
                iam.PolicyStatement(
                    sid="ReadSecrets",
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[self._secrets[s.id].secret_arn for s in design.reads_secrets],
                )
            )
            kms_actions.update(KMS_READ)
        if design.opens_secrets:
            kms_actions.update(KMS_READ)
        statements += self._messaging_statements(design)
        if design.user_pool_actions:
            statements.append(
                iam.PolicyStatement(
                    sid="ReadOperators",
                    actions=sorted(design.user_pool_actions),
                    resources=[self._user_pool.user_pool_arn],
                )
            )
        if design.connect_agent_actions:
            statements.append(
                iam.PolicyStatement(
                    sid="DescribeAgents",
                    actions=sorted(design.connect_agent_actions),
                    resources=[agents_arn(self._connect_instance_arn)],
                )
            )
        if kms_actions:
            statements.append(
                iam.PolicyStatement(
                    sid="UseDataKey", actions=sorted(kms_actions), resources=[self._key.key_arn]
                )
            )
        return statements
