"""Alarms and a dashboard: function errors and throttles, the intake's latency, dispatch queue age,
dead letters, API 5xx, and dispatch requests that could not be queued. Production alarms notify."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import StageConfig
from infra.constants import ALARM_PERIOD, FUNCTION_ERRORS, INTAKE_P99_MS, QUEUE_OLDEST_AGE_SECONDS
from infra.definitions import METRICS_NAMESPACE


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
        queues: Mapping[str, sqs.Queue],
        dead_letter_queues: Mapping[str, sqs.Queue],
        undelivered: sqs.Queue,
        api: apigw.RestApi,
    ) -> None:
        super().__init__(scope, id)
        stage = config.stage
        self.topic = sns.Topic(
            self, "Alarms", topic_name=f"{prefix}-alarms", master_key=key, enforce_ssl=True
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
        for queue_id, queue in queues.items():
            alarm(
                f"{queue_id}-oldest-message",
                queue.metric_approximate_age_of_oldest_message(period=ALARM_PERIOD, statistic="Maximum"),
                QUEUE_OLDEST_AGE_SECONDS[stage],
                f"{queue_id} requests are waiting too long: verified incidents are not being dispatched",
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
        enqueue_failed = cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name="DispatchEnqueueFailed",
            dimensions_map={"service": "verify-api"},
            period=ALARM_PERIOD,
            statistic="Sum",
        )
        alarm(
            "dispatch-enqueue-failed",
            enqueue_failed,
            1,
            "A verified incident could not be queued for dispatch (the reconciler retries within a minute)",
        )
        self.dashboard = self._dashboard(prefix, functions, queues, dead_letter_queues, api)

    def _dashboard(
        self,
        prefix: str,
        functions: Mapping[str, lambda_.Function],
        queues: Mapping[str, sqs.Queue],
        dead_letter_queues: Mapping[str, sqs.Queue],
        api: apigw.RestApi,
    ) -> cloudwatch.Dashboard:
        def incidents(name: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=name,
                dimensions_map={
                    "service": "intake-connect" if name == "IncidentRegistered" else "verify-api"
                },
                statistic="Sum",
                period=Duration.minutes(5),
                label=name,
            )

        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=f"{prefix}-operations")
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Incidents",
                left=[
                    incidents(n) for n in ("IncidentRegistered", "IncidentVerified", "IncidentRejectedPrank")
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
