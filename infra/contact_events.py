"""Amazon Connect's contact events of the 112 line, to the contact-events queue: an EventBridge rule on this
instance's "Amazon Connect Contact Event"s, the queue policy and key grant that let EventBridge deliver to
the encrypted queue (from this rule only), and what the queue's consumer (intake-calls) may ask Connect.

The rule's ARN is written from its name, not taken from the rule: the key's and the queue's policies name
it while the rule names the queue, and a reference would be a dependency cycle."""

from __future__ import annotations

import jsii
from aws_cdk import Aws
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces.aws_events import IRuleRef
from constructs import Construct

from infra.functions import agents_arn
from infra.nag import acknowledge, wildcard_resource

DETAIL_TYPE = "Amazon Connect Contact Event"
SOURCE = "aws.connect"


def rule_name(prefix: str) -> str:
    return f"{prefix}-contact-events"


def rule_arn(prefix: str) -> str:
    return f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:rule/{rule_name(prefix)}"


@jsii.implements(events.IRuleTarget)
class QueueTarget:
    """The queue as the rule's target, with a dead-letter queue for what EventBridge cannot deliver after
    its own retries (a day, by default). CDK's own SqsQueue target would also grant EventBridge the queue
    and key, conditioned on the account only (for an encrypted queue); ContactEvents grants them for this
    rule alone."""

    def __init__(self, queue: sqs.IQueue, dead_letters: sqs.IQueue) -> None:
        self._queue = queue
        self._dead_letters = dead_letters

    def bind(self, rule: IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        del rule, id
        return events.RuleTargetConfig(
            arn=self._queue.queue_arn,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=self._dead_letters.queue_arn),
        )


class ContactEvents(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        prefix: str,
        instance_arn: str,
        queue: sqs.Queue,
        dead_letters: sqs.Queue,
        key: kms.IKey,
        consumer_role: iam.IRole,
    ) -> None:
        super().__init__(scope, id)
        source_arn = rule_arn(prefix)
        self.rule = events.Rule(
            self,
            "Rule",
            rule_name=rule_name(prefix),
            description="Amazon Connect contact events of the 112 line: the calls' times, abandoned calls",
            # The instance's events only. AWS spells some keys in two cases (formats.md): either matches.
            event_pattern=events.EventPattern(
                source=[SOURCE],
                detail_type=[DETAIL_TYPE],
                detail={"$or": [{"instanceArn": [instance_arn]}, {"InstanceArn": [instance_arn]}]},
            ),
            targets=[QueueTarget(queue, dead_letters)],
        )
        # EventBridge sends to the queue, and to its dead-letter queue what it could not deliver, from this
        # rule of this account only (the confused-deputy conditions), through the encrypted queues' key.
        conditions = {
            "ArnEquals": {"aws:SourceArn": source_arn},
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
        }
        for target in (queue, dead_letters):
            target.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AllowContactEventsRule",
                    principals=[iam.ServicePrincipal("events.amazonaws.com")],
                    actions=["sqs:SendMessage"],
                    resources=[target.queue_arn],
                    conditions=conditions,
                )
            )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowEvents",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy, "*" means this key
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": source_arn},
                },
            )
        )
        acknowledge(
            consumer_role,
            wildcard_resource(consumer_role, agents_arn(instance_arn)),
            "connect:DescribeUser on the 112 instance's agents: a contact event names the agent who "
            "answered, any of the instance's users; read-only, one instance, no other Connect action.",
        )
