"""cdk-nag acknowledgments. Each is made on the narrowest construct, next to the resource it is about,
with the reason it is acceptable; anything not acknowledged fails the synth (infra/app.py)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def managed_policy(path: str) -> str:
    """The AwsSolutions-IAM4 finding id for an AWS managed policy, e.g. `service-role/…`."""
    return f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{path}]"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge a cdk-nag rule (e.g. `AwsSolutions-IAM5[Resource::*]`) on `scope` and its children."""
    pack = rule.split("-", 1)[0]
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{pack}::{rule}", reason=reason))
