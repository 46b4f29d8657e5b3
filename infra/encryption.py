"""The customer-managed KMS key that encrypts incidents, queues and topics at rest."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.config import StageConfig


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
        # CloudWatch alarms publish to the encrypted alarm topic; SNS delivers to encrypted SQS subscribers.
        for service in ("cloudwatch.amazonaws.com", "sns.amazonaws.com"):
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"Allow{service.split('.')[0].title()}",
                    principals=[iam.ServicePrincipal(service)],
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=["*"],  # in a key policy, "*" means this key
                )
            )
