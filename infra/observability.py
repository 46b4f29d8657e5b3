"""Alarms and a dashboard: function errors and throttles, the intake's latency and warm capacity, the
112 flow and queue in Amazon Connect, the answer time against NENA's standard, dispatch queue age, dead
letters, API 5xx, and dispatch requests that could not be queued. Production alarms notify an SNS topic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Aws, Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from core.models import RejectionReason
from infra.config import StageConfig
from infra.constants import (
    ALARM_PERIOD,
    ANSWER_TIME_PERIOD,
    ANSWER_TIME_TARGETS,
    CONNECT_FLOW_ERRORS,
    CONNECT_QUEUE_SIZE,
    CONNECT_QUEUE_WAIT_SECONDS,
    FUNCTION_ERRORS,
    INTAKE_P99_MS,
    QUEUE_OLDEST_AGE_SECONDS,
)
from infra.definitions import METRICS_NAMESPACE
from infra.encryption import alarm_arns

CONNECT_NAMESPACE = "AWS/Connect"


# What a message waiting too long on each queue means for people.
QUEUE_WAITING = {
    "dispatch": "dispatch requests are waiting too long: verified incidents are not being dispatched",
    "replies": "replies to citizens are waiting too long: the Graph API or reply-sender is failing",
    "backlog": "messages of large webhook deliveries are waiting too long to become incidents: check "
    "intake-backlog",
    "contact-events": "Amazon Connect's contact events are waiting too long: calls' times are late on their "
    "incidents and abandoned calls late on the callback desk; check intake-calls",
    "agency-deliveries": "posts are not being told of their dispatches (SMS, e-mail, HTTPS): phone them and "
    "check agency-delivery; what failed five times waits in the agency-deliveries dead-letter queue",
}


def rejected_metric(reason: RejectionReason) -> str:
    """The metric verify-api emits for a rejection (core.incidents.IncidentService.reject)."""
    return f"IncidentRejected{reason.title().replace('_', '')}"


# The application's own metrics (Powertools EMF, namespace Respon112, dimension `service`), by the
# services that emit them (grep add_metric in functions/; tests/infra/test_observability.py checks it).
INCIDENT_METRICS: dict[str, tuple[str, ...]] = {
    "intake-connect": ("IncidentRegistered",),
    "intake-web": ("IncidentRegistered", "ReportRepeated"),
    "verify-api": (
        "IncidentRegistered",
        "IncidentVerified",
        *(rejected_metric(reason) for reason in RejectionReason),
    ),
}
PUBLIC_INTAKE_METRICS = (
    "ReportUnparsed",
    "ReportRateLimited",
    "WebhookSignatureRejected",
    "ArchiveFailed",
    "AmlAttached",
    "AmlSuperseded",
    "AmlKept",
    "AmlUnmatchable",
)
# What intake-calls measures of each 112 call (core/calls.py), in seconds or counts.
CALL_METRICS: dict[str, tuple[str, ...]] = {
    "intake-calls": ("AnswerTimeSeconds", "QueueWaitSeconds", "CallAbandoned", "CallWithoutIncident"),
}
DISPATCH_METRICS: dict[str, tuple[str, ...]] = {
    "dispatch-worker": ("AgencyNotified", "DispatchRefused"),
    "dispatch-reconciler": ("DispatchRequeued", "DispatchOverdue"),
}
# The callers' standing (core.standing): at intake (and its lookup failing: the standing is then NORMAL), the
# supervisors' decisions and the record not brought up to date, and the retention sweep's masked numbers.
CALLER_METRICS: dict[str, tuple[str, ...]] = {
    "intake-connect": ("CallerWarned", "CallerDemoted", "CallerLookupFailed"),
    "verify-api": ("CallerStandingLifted", "CallerStandingImposed", "CallerStandingNotRefreshed"),
    "privacy-retention": ("CallerNumbersMasked",),
}
# Where incidents are registered, for the share of each outcome among them.
REGISTERING = ("intake-connect", "intake-web", "verify-api")
# Both the API (right after a verification) and the reconciler (re-queueing a stalled one) queue dispatch
# requests, and both count the requests they could not queue.
ENQUEUE_FAILED = "DispatchEnqueueFailed"
ENQUEUE_FAILED_BY = ("verify-api", "dispatch-reconciler")


@dataclass(frozen=True)
class ConnectMetrics:
    """Where Amazon Connect reports the 112 line: the instance id, and the flow's and the queue's names
    (the dimensions of its metrics)."""

    instance_id: str
    flow_name: str
    queue_name: str

    def metric(self, name: str, group: str, statistic: str, **dimensions: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=CONNECT_NAMESPACE,
            metric_name=name,
            dimensions_map={"InstanceId": self.instance_id, "MetricGroup": group, **dimensions},
            period=ALARM_PERIOD,
            statistic=statistic,
            label=name,
        )

    def flow(self, name: str) -> cloudwatch.Metric:
        return self.metric(name, "ContactFlow", "Sum", ContactFlowName=self.flow_name)

    def queue(self, name: str) -> cloudwatch.Metric:
        return self.metric(name, "Queue", "Maximum", QueueName=self.queue_name)

    def calls(self, name: str) -> cloudwatch.Metric:
        return self.metric(name, "VoiceCalls", "Sum")


def app_metric(
    name: str, service: str, period: Duration = ALARM_PERIOD, statistic: str = "Sum"
) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": service},
        period=period,
        statistic=statistic,
        label=f"{name} ({service})" if statistic == "Sum" else f"{name} {statistic} ({service})",
    )


def answer_time(percentile: int, period: Duration = ANSWER_TIME_PERIOD) -> cloudwatch.Metric:
    """The 112 calls' answer time, ring to answer (intake-calls), at a percentile: NENA's measure."""
    return app_metric("AnswerTimeSeconds", "intake-calls", period, f"p{percentile}")


class Observability(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: StageConfig,
        prefix: str,
        key: kms.IKey,
        functions: Mapping[str, lambda_.Function],
        intake_alias: lambda_.Alias | None,
        queues: Mapping[str, sqs.Queue],
        dead_letter_queues: Mapping[str, sqs.Queue],
        undelivered: sqs.Queue,
        api: apigw.RestApi,
        connect: ConnectMetrics,
    ) -> None:
        super().__init__(scope, id)
        stage = config.stage
        self.topic = sns.Topic(
            self, "Alarms", topic_name=f"{prefix}-alarms", master_key=key, enforce_ssl=True
        )
        # enforce_ssl makes a topic policy of its own, which replaces SNS's default one: without this
        # statement CloudWatch could not publish a single alarm. Only this account's alarms of this stack
        # may (the confused-deputy conditions); the key lets CloudWatch encrypt (infra/encryption.py).
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisStacksAlarms",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": alarm_arns(prefix)},
                },
            )
        )
        if config.alarm_email:
            self.topic.add_subscription(
                subscriptions.EmailSubscription(config.alarm_email, dead_letter_queue=undelivered)
            )
        self.alarms: list[cloudwatch.Alarm] = []

        def alarm(
            name: str, metric: cloudwatch.IMetric, threshold: float, description: str, periods: int = 1
        ) -> None:
            created = cloudwatch.Alarm(
                self,
                name,
                alarm_name=f"{prefix}-{name}",
                alarm_description=description,
                metric=metric,
                threshold=threshold,
                evaluation_periods=periods,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            if config.is_prod:  # development alarms show in the console; only production pages people
                created.add_alarm_action(actions.SnsAction(self.topic))
                created.add_ok_action(actions.SnsAction(self.topic))
            self.alarms.append(created)

        for name, function in functions.items():
            alarm(
                f"{name}-errors",
                function.metric_errors(period=ALARM_PERIOD, statistic="Sum"),
                FUNCTION_ERRORS[stage],
                f"{name} raised errors",
            )
            alarm(
                f"{name}-throttles",
                function.metric_throttles(period=ALARM_PERIOD, statistic="Sum"),
                1,
                f"{name} was throttled: calls or messages are waiting",
            )
        intake = functions["intake-connect"]
        alarm(
            "intake-connect-latency",
            intake.metric_duration(period=ALARM_PERIOD, statistic="p99"),
            INTAKE_P99_MS[stage],
            "112 callers wait on the intake: its p99 is close to the flow's time limit",
            periods=3,
        )
        if intake_alias is not None:
            alarm(
                "intake-connect-spillover",
                intake_alias.metric(
                    "ProvisionedConcurrencySpilloverInvocations", period=ALARM_PERIOD, statistic="Sum"
                ),
                1,
                "112 calls found no warm intake environment and waited for a cold start: raise "
                "intakeProvisionedConcurrency",
            )
        for queue_id, queue in queues.items():
            alarm(
                f"{queue_id}-oldest-message",
                queue.metric_approximate_age_of_oldest_message(period=ALARM_PERIOD, statistic="Maximum"),
                QUEUE_OLDEST_AGE_SECONDS[stage],
                QUEUE_WAITING[queue_id],
            )
        for queue_id, queue in dead_letter_queues.items():
            alarm(
                f"{queue_id}-dead-letters",
                queue.metric_approximate_number_of_messages_visible(period=ALARM_PERIOD, statistic="Maximum"),
                1,
                f"{queue_id} requests failed {queue_id} repeatedly and wait in the dead-letter queue",
            )
        alarm(
            "undelivered-notifications",
            undelivered.metric_approximate_number_of_messages_visible(
                period=ALARM_PERIOD, statistic="Maximum"
            ),
            1,
            "SNS could not deliver a notification to an agency (or an alarm e-mail): call the agency",
        )
        alarm(
            "api-5xx",
            api.metric_server_error(period=ALARM_PERIOD, statistic="Sum"),
            1,
            "The operators' API answered 5xx",
        )
        # Either emitter's count; a service that emitted nothing in the minute counts as 0.
        enqueue_failed = cloudwatch.MathExpression(
            expression=" + ".join(f"FILL(m{i}, 0)" for i in range(len(ENQUEUE_FAILED_BY))),
            using_metrics={
                f"m{i}": app_metric(ENQUEUE_FAILED, service) for i, service in enumerate(ENQUEUE_FAILED_BY)
            },
            period=ALARM_PERIOD,
            label=ENQUEUE_FAILED,
        )
        alarm(
            "dispatch-enqueue-failed",
            enqueue_failed,
            1,
            "A verified incident could not be queued for dispatch, by the API or by the reconciler (which "
            "retries every minute): check the dispatch queue",
        )
        alarm(
            "dispatch-overdue",
            app_metric("DispatchOverdue", "dispatch-reconciler"),
            1,
            "A verified incident is still not dispatched ten minutes after its verification: call the "
            "agencies by phone and check the dispatch worker and its dead-letter queue",
        )

        alarm(
            "dispatch-escalated",
            app_metric("DispatchEscalated", "dispatch-reconciler"),
            1,
            "A post did not confirm a dispatch within its priority's deadline: its second contact, then the "
            "regency-level post, were told (the incident is flagged OVERDUE). Phone the post",
        )

        # The answer time against NENA-STA-020 (docs/callbacks.md): 90 % of calls answered within 15 s,
        # 95 % within 20 s. Over a quarter of an hour: too few calls in a minute for a percentile.
        for percentile, seconds in ANSWER_TIME_TARGETS:
            alarm(
                f"answer-time-p{percentile}",
                answer_time(percentile),
                seconds,
                f"112 calls are answered too slowly: {100 - percentile} % of the last quarter hour's calls "
                f"waited {seconds} s or more from ring to answer (NENA: {percentile} % within {seconds} s). "
                "More operators on the shift, or check the flow and the queue",
            )

        # Amazon Connect's own view of the 112 line.
        alarm(
            "connect-flow-fatal-errors",
            connect.flow("ContactFlowFatalErrors"),
            1,
            "The 112 flow failed with a system error: callers may have been cut off",
        )
        alarm(
            "connect-flow-errors",
            connect.flow("ContactFlowErrors"),
            CONNECT_FLOW_ERRORS[stage],
            "The 112 flow took an error branch (intake, queue or backup transfer): callers still reach the "
            "queue, but check the flow logs",
        )
        alarm(
            "connect-missed-calls",
            connect.calls("MissedCalls"),
            1,
            "A 112 call was offered to an operator who did not answer it within 20 seconds",
        )
        alarm(
            "connect-calls-over-quota",
            cloudwatch.MathExpression(
                expression="FILL(breaching, 0) + FILL(throttled, 0)",
                using_metrics={
                    "breaching": connect.calls("CallsBreachingConcurrencyQuota"),
                    "throttled": connect.calls("ThrottledCalls"),
                },
                period=ALARM_PERIOD,
                label="Calls refused by Connect's quotas",
            ),
            1,
            "Amazon Connect refused 112 calls: concurrent-call or call-rate quota reached (raise it)",
        )
        alarm(
            "connect-queue-wait",
            connect.queue("LongestQueueWaitTime"),
            CONNECT_QUEUE_WAIT_SECONDS[stage],
            "A 112 caller has been waiting this many seconds for an operator",
        )
        alarm(
            "connect-queue-size",
            connect.queue("QueueSize"),
            CONNECT_QUEUE_SIZE[stage],
            "This many 112 callers are waiting for an operator at once",
        )
        self.dashboard = self._dashboard(prefix, functions, queues, dead_letter_queues, api, connect)

    def _dashboard(
        self,
        prefix: str,
        functions: Mapping[str, lambda_.Function],
        queues: Mapping[str, sqs.Queue],
        dead_letter_queues: Mapping[str, sqs.Queue],
        api: apigw.RestApi,
        connect: ConnectMetrics,
    ) -> cloudwatch.Dashboard:
        five_minutes = Duration.minutes(5)
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=f"{prefix}-operations")
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Incidents",
                left=[
                    app_metric(name, service, five_minutes)
                    for service, names in INCIDENT_METRICS.items()
                    for name in names
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="112 intake latency (ms)",
                left=[
                    functions["intake-connect"].metric_duration(statistic=s)
                    for s in ("p50", "p99", "Maximum")
                ],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="112 line (Amazon Connect)",
                left=[connect.queue("QueueSize"), connect.calls("MissedCalls")],
                right=[connect.queue("LongestQueueWaitTime")],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="112 flow errors",
                left=[connect.flow("ContactFlowErrors"), connect.flow("ContactFlowFatalErrors")],
                width=12,
            ),
        )
        day = Duration.days(1)
        registered = {
            f"registered{n}": app_metric("IncidentRegistered", s, day) for n, s in enumerate(REGISTERING)
        }
        pranks = app_metric(rejected_metric(RejectionReason.PRANK), "verify-api", day)
        all_registered = " + ".join(f"FILL({key}, 0)" for key in registered)
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Reports by outcome, per day (the prank share on the right)",
                left=[
                    app_metric("IncidentVerified", "verify-api", day),
                    *(app_metric(rejected_metric(reason), "verify-api", day) for reason in RejectionReason),
                ],
                right=[
                    cloudwatch.MathExpression(
                        expression=f"100 * FILL(pranks, 0) / ({all_registered})",
                        using_metrics={"pranks": pranks, **registered},
                        label="PRANK rejections, % of reports registered",
                        period=day,
                    )
                ],
                period=day,
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Callers' standing",
                left=[
                    app_metric(name, service, five_minutes)
                    for service, names in CALLER_METRICS.items()
                    for name in names
                ],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="112 answer time, ring to answer (s; NENA: 90 % within 15, 95 % within 20)",
                left=[
                    answer_time(50, five_minutes),
                    answer_time(90, five_minutes),
                    answer_time(95, five_minutes),
                ],
                right=[
                    app_metric("QueueWaitSeconds", "intake-calls", five_minutes, "p90"),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Calls abandoned in the queue, and calls without an incident",
                left=[
                    app_metric(name, "intake-calls", five_minutes)
                    for name in CALL_METRICS["intake-calls"][2:]
                ],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Public intake",
                left=[app_metric(name, "intake-web", five_minutes) for name in PUBLIC_INTAKE_METRICS],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Dispatch",
                left=[
                    app_metric(name, service, five_minutes)
                    for service, names in DISPATCH_METRICS.items()
                    for name in names
                ],
                right=[app_metric(ENQUEUE_FAILED, service, five_minutes) for service in ENQUEUE_FAILED_BY],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Function errors", left=[f.metric_errors() for f in functions.values()], width=8
            ),
            cloudwatch.GraphWidget(
                title="Dispatch queues (oldest message, s)",
                left=[q.metric_approximate_age_of_oldest_message() for q in queues.values()],
                right=[
                    q.metric_approximate_number_of_messages_visible() for q in dead_letter_queues.values()
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Operators' API",
                left=[api.metric_latency(statistic="p99")],
                right=[api.metric_server_error()],
                width=8,
            ),
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms), width=24),
        )
        return dashboard
