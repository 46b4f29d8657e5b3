"""The customer-managed KMS key that encrypts incidents, queues and topics at rest."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.config import StageConfig


def alarm_arns(prefix: str) -> str:
    """The ARN pattern of this stack's CloudWatch alarms (all named `<prefix>-…`, infra/observability.py)."""
    return f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:{prefix}-*"


def topic_arns(prefix: str) -> str:
    """The ARN pattern of this stack's SNS topics (all named `<prefix>-…`)."""
    return f"arn:{Aws.PARTITION}:sns:{Aws.REGION}:{Aws.ACCOUNT_ID}:{prefix}-*"


class Encryption(Construct):
    def __init__(self, scope: Construct, id: str, config: StageConfig, prefix: str) -> None:
        super().__init__(scope, id)
        self.key = kms.Key(
            self,
            "DataKey",
            alias=f"alias/{prefix}-data",
            description="Respon 112: incidents, dispatch queues and notification topics",
            enable_key_rotation=True,
            pending_window=Duration.days(30 if config.is_prod else 7),
            removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
        )
        # Two AWS services use the key on their own behalf, each only for this stack's resources in this
        # account (the confused-deputy conditions AWS documents for service principals):
        # - CloudWatch, when an alarm publishes to the encrypted alarm topic;
        # - SNS, when a subscription moves an undeliverable notification to its encrypted dead-letter queue.
        # Everything else (functions, DynamoDB, SQS consumers) uses the key through IAM roles of this account.
        for service, sources in (
            ("cloudwatch.amazonaws.com", alarm_arns(prefix)),
            ("sns.amazonaws.com", topic_arns(prefix)),
        ):
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"Allow{service.split('.')[0].title()}",
                    principals=[iam.ServicePrincipal(service)],
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=["*"],  # in a key policy, "*" means this key
                    conditions={
                        "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                        "ArnLike": {"aws:SourceArn": sources},
                    },
                )
            )
