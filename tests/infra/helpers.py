"""Reading synthesized CloudFormation: find resources by type and physical name, follow references, and
render intrinsic functions as text so they can be compared with what a definition says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from aws_cdk import App
from aws_cdk.assertions import Template

from infra.definitions import resource_prefix
from infra.stack import Respon112Stack

Resource = dict[str, Any]


def ref(logical_id: str) -> dict[str, Any]:
    return {"Ref": logical_id}


def get_att(logical_id: str, attribute: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, attribute]}


def canonical(value: Any) -> str:
    """A stable text form of a value that may hold intrinsics, for sets and equality."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def render(value: Any) -> str:
    """An intrinsic as text: Ref X -> ${X}, GetAtt X.A -> ${X.A}, Fn::Join joined; literals as they are."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, dict) and len(value) == 1:
        (name, argument), *_ = value.items()
        if name == "Ref":
            return f"${{{argument}}}"
        if name == "Fn::GetAtt":
            target = argument if isinstance(argument, str) else ".".join(argument)
            return f"${{{target}}}"
        if name == "Fn::Join":
            separator, parts = argument
            return str(separator).join(render(part) for part in parts)
    raise AssertionError(f"cannot render {canonical(value)}")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(policy_document: dict[str, Any]) -> list[dict[str, Any]]:
    return as_list(policy_document.get("Statement", []))


def is_ssl_only(policy_document: dict[str, Any], action: str) -> bool:
    """The document denies `action` (e.g. sqs:*) to everyone when the request is not over TLS."""
    for statement in statements(policy_document):
        condition = statement.get("Condition", {}).get("Bool", {})
        principal = statement.get("Principal")
        if (
            statement.get("Effect") == "Deny"
            and action in as_list(statement.get("Action"))
            and condition.get("aws:SecureTransport") == "false"
            and principal in ("*", {"AWS": "*"})
        ):
            return True
    return False


@dataclass
class Synthesized:
    """One configuration, synthesized once: the app (its construct tree), the stack, the written output."""

    name: str
    context: dict[str, Any]
    app: App
    stack: Respon112Stack
    outdir: Path
    template: dict[str, Any] = field(repr=False)

    @property
    def stage(self) -> str:
        return str(self.stack.node.try_get_context("stage"))

    @property
    def prefix(self) -> str:
        return resource_prefix(self.stage)

    @cached_property
    def assertions(self) -> Template:
        return Template.from_json(self.template)

    @property
    def resources(self) -> dict[str, Resource]:
        resources: dict[str, Resource] = self.template["Resources"]
        return resources

    def of_type(self, type_: str) -> dict[str, Resource]:
        return {lid: r for lid, r in self.resources.items() if r["Type"] == type_}

    def props(self, logical_id: str) -> dict[str, Any]:
        properties: dict[str, Any] = self.resources[logical_id].get("Properties", {})
        return properties

    def named(self, type_: str, prop: str, name: str) -> str:
        """The logical id of the only resource of `type_` whose `prop` is `name`."""
        found = [lid for lid, r in self.of_type(type_).items() if r.get("Properties", {}).get(prop) == name]
        assert len(found) == 1, f"{type_} with {prop}={name!r}: found {found}"
        return found[0]

    def only(self, type_: str) -> str:
        found = list(self.of_type(type_))
        assert len(found) == 1, f"expected one {type_}, found {found}"
        return found[0]

    def function(self, name: str) -> str:
        return self.named("AWS::Lambda::Function", "FunctionName", f"{self.prefix}-{name}")

    def role(self, name: str) -> str:
        return self.named("AWS::IAM::Role", "RoleName", f"{self.prefix}-{name}")

    def table(self, physical_name: str) -> str:
        return self.named("AWS::DynamoDB::Table", "TableName", physical_name)

    def queue(self, physical_name: str) -> str:
        return self.named("AWS::SQS::Queue", "QueueName", physical_name)

    def topic(self, physical_name: str) -> str:
        return self.named("AWS::SNS::Topic", "TopicName", physical_name)

    def data_key(self) -> str:
        return self.only("AWS::KMS::Key")

    def user_pool(self) -> str:
        return self.only("AWS::Cognito::UserPool")

    def only_bucket(self, design_id: str) -> str:
        """The bucket of a BucketDesign (its construct id is the design id in TitleCase)."""
        title = "".join(part.title() for part in design_id.split("-"))
        (found,) = [lid for lid in self.of_type("AWS::S3::Bucket") if title in lid]
        return found

    def role_statements(self, role_id: str) -> Iterator[dict[str, Any]]:
        """Every statement of every policy attached to a role: inline, AWS::IAM::Policy, ManagedPolicy."""
        for policy in self.props(role_id).get("Policies", []):
            yield from statements(policy["PolicyDocument"])
        for type_ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for lid in self.of_type(type_):
                if ref(role_id) in self.props(lid).get("Roles", []):
                    yield from statements(self.props(lid)["PolicyDocument"])

    def report(self) -> dict[str, Any]:
        return read_validation_report(self.outdir)


def read_validation_report(outdir: Path) -> dict[str, Any]:
    """The validation plugins' report the synth writes next to the templates."""
    path = outdir / "validation-report.json"
    assert path.exists(), f"no validation report in {outdir}: did the validation plugins run?"
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return report


def plugin_reports(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {plugin["pluginName"]: plugin for plugin in report["pluginReports"]}
