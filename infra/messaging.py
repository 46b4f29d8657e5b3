"""SQS queues (each with its dead-letter queue) and the agency notification topic."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import StageConfig
from infra.definitions import AGENCY_TOPIC, QUEUES, UNDELIVERED_QUEUE, QueueDesign
from infra.nag import acknowledge

_PROTOCOLS = {
    "email": sns.SubscriptionProtocol.EMAIL,
    "sms": sns.SubscriptionProtocol.SMS,
    "https": sns.SubscriptionProtocol.HTTPS,
}


class Messaging(Construct):
    def __init__(self, scope: Construct, id: str, config: StageConfig, prefix: str, key: kms.IKey) -> None:
        super().__init__(scope, id)
        removal = RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for design in QUEUES:
            self.dead_letter_queues[design.id], self.queues[design.id] = self._queue(
                design, prefix, key, removal
            )

        # Notifications SNS could not deliver after its retries (an agency's phone off, an endpoint down)
        # land here instead of vanishing; an alarm watches it (infra/observability.py).
        self.undelivered = sqs.Queue(
            self,
            "UndeliveredNotifications",
            queue_name=UNDELIVERED_QUEUE.physical_name(prefix),
            retention_period=Duration.days(UNDELIVERED_QUEUE.retention_days),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            removal_policy=removal,
        )
        for rule in ("Serverless-SQSRedrivePolicy", "AwsSolutions-SQS3"):
            acknowledge(
                self.undelivered,
                rule,
                "This queue is the SNS subscriptions' dead-letter queue (their RedrivePolicy names it); its "
                "messages are read and handled by people.",
            )
        self.agency_topic = sns.Topic(
            self,
            "AgencyTopic",
            topic_name=AGENCY_TOPIC.physical_name(prefix),
            display_name="Respon 112",
            master_key=key,
            # The TLS-only Deny becomes the topic's whole policy. Only dispatch-worker publishes, and a role
            # of this account needs no topic policy for that: its own IAM policy allows sns:Publish. No AWS
            # service publishes here (compare the alarm topic, infra/observability.py).
            enforce_ssl=True,
        )
        # Each agency's endpoints receive only the messages addressed to it (message attribute filter).
        for agency, entries in config.agency_subscriptions.items():
            policy = {AGENCY_TOPIC.filter_attribute: sns.SubscriptionFilter.string_filter(allowlist=[agency])}
            for number, entry in enumerate(entries, start=1):
                sns.Subscription(
                    self,
                    f"{agency.title()}{entry.protocol.title()}{number}",
                    topic=self.agency_topic,
                    protocol=_PROTOCOLS[entry.protocol],
                    endpoint=entry.endpoint,
                    filter_policy=policy,
                    dead_letter_queue=self.undelivered,
                )

    def _queue(
        self, design: QueueDesign, prefix: str, key: kms.IKey, removal: RemovalPolicy
    ) -> tuple[sqs.Queue, sqs.Queue]:
        name = "".join(part.title() for part in design.id.split("-"))
        dead_letters = sqs.Queue(
            self,
            f"{name}DeadLetters",
            queue_name=design.dlq_name(prefix),
            retention_period=Duration.days(design.dlq_retention_days),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            removal_policy=removal,
        )
        acknowledge(
            dead_letters,
            "Serverless-SQSRedrivePolicy",
            "This is the dead-letter queue; after the cause is fixed its messages are moved back to the "
            "source queue (SQS message move task), not redriven onwards.",
        )
        queue = sqs.Queue(
            self,
            f"{name}Queue",
            queue_name=design.physical_name(prefix),
            visibility_timeout=Duration.seconds(design.visibility_timeout_seconds),
            retention_period=Duration.days(design.retention_days),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=dead_letters, max_receive_count=design.max_receive_count
            ),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            data_key_reuse=Duration.minutes(5),
            enforce_ssl=True,
            removal_policy=removal,
        )
        return dead_letters, queue
