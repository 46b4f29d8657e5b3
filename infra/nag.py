"""cdk-nag acknowledgments. Each is made on the narrowest construct, next to the resource it is about,
with the reason it is acceptable; anything not acknowledged fails the synth (infra/app.py)."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct


def managed_policy(path: str) -> str:
    """The AwsSolutions-IAM4 finding id for an AWS managed policy, e.g. `service-role/…`."""
    return f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{path}]"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge a cdk-nag rule (e.g. `AwsSolutions-IAM5[Resource::*]`) on `scope` and its children."""
    pack = rule.split("-", 1)[0]
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{pack}::{rule}", reason=reason))


def flatten(scope: IConstruct, value: str) -> str:
    """`value` (a string that may hold tokens: an ARN, a name) as cdk-nag writes it in a finding's id.

    cdk-nag resolves the value in its stack and flattens the result (its `flattenCfnReference`): a Ref
    becomes `<Name>`, a GetAtt `<Logical.Attribute>`, Fn::Join is joined. A stack bound to an account and a
    region resolves those to literals (and the partition too), one that is not keeps `<AWS::Region>`: an
    acknowledgment written with either form by hand is wrong in the other.
    """
    return _flatten(Stack.of(scope).resolve(value))


def wildcard_resource(scope: IConstruct, arn: str) -> str:
    """The AwsSolutions-IAM5 finding id for a wildcard resource such as `bucket.arn_for_objects("*")`."""
    return f"AwsSolutions-IAM5[Resource::{flatten(scope, arn)}]"


def _flatten(node: Any) -> str:
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict) and len(node) == 1:
        (name, argument), *_ = node.items()
        if name == "Fn::Join":
            delimiter, items = argument
            return str(delimiter).join(_flatten(item) for item in items)
        if name in ("Fn::Sub", "Fn::ImportValue"):
            return _flatten(argument)
        if name == "Fn::GetAtt":
            resource, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        if name == "Ref":
            return f"<{_flatten(argument)}>"
    return json.dumps(node, separators=(",", ":"))
