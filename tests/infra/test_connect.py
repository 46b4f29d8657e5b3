"""The 112 contact flow (infra/flows/emergency-112.json) and Amazon Connect in the stack.

The flow must be valid Flow language, and every caller must end with a human: whatever fails (the
intake function, an attribute update, a message), the call still reaches the operators' queue. The one
exception is when the queue itself cannot be set, where the caller hears the other emergency numbers
before the call ends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from infra.connect import DAYS, FLOW_PATH
from tests.infra.conftest import INSTANCE_ARN, PHONE_NUMBER_ARN
from tests.infra.helpers import Synthesized, get_att, ref

FLOW_TEXT = FLOW_PATH.read_text(encoding="utf-8")
FLOW: dict[str, Any] = json.loads(FLOW_TEXT)
ACTIONS: dict[str, dict[str, Any]] = {a["Identifier"]: a for a in FLOW["Actions"]}
FORBIDDEN = set("%:()\\/=$,;[]{}")
PLACEHOLDERS = {
    "IntakeFunctionArn",
    "OperatorsQueueArn",
    "InvocationTimeLimitSeconds",
    "GreetingText",
    "BusyText",
    "FallbackText",
}
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
TERMINAL = "DisconnectParticipant"
HUMAN = "TransferContactToQueue"


def transitions(action: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(kind, target) for each way out of an action: next, an error type or a condition."""
    out = action.get("Transitions", {})
    if "NextAction" in out:
        yield "next", out["NextAction"]
    for error in out.get("Errors", []):
        yield f"error:{error.get('ErrorType')}", error["NextAction"]
    for condition in out.get("Conditions", []):
        yield "condition", condition["NextAction"]


def reachable(start: str, avoiding: frozenset[str] = frozenset()) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        current = todo.pop()
        if current in seen or current in avoiding:
            continue
        seen.add(current)
        todo.extend(target for _, target in transitions(ACTIONS[current]))
    return seen


def of_type(type_: str) -> set[str]:
    return {identifier for identifier, a in ACTIONS.items() if a["Type"] == type_}


# -- the flow file ---------------------------------------------------------------------------------------


def test_flow_header() -> None:
    assert FLOW["Version"] == "2019-10-30"
    assert FLOW["StartAction"] in ACTIONS
    assert 0 < len(FLOW["Actions"]) <= 250


def test_identifiers_are_unique_and_valid() -> None:
    identifiers = [a["Identifier"] for a in FLOW["Actions"]]
    assert len(identifiers) == len(set(identifiers))
    for identifier in identifiers:
        assert 0 < len(identifier) <= 50, identifier
        assert not FORBIDDEN & set(identifier), identifier


def test_every_transition_leads_to_an_action() -> None:
    for identifier, action in ACTIONS.items():
        for kind, target in transitions(action):
            assert target in ACTIONS, f"{identifier} --{kind}--> {target}: no such action"
        if action["Type"] != TERMINAL:
            assert "NextAction" in action.get("Transitions", {}), f"{identifier} has no NextAction"


def test_every_action_is_reachable_from_the_start() -> None:
    assert reachable(FLOW["StartAction"]) == set(ACTIONS)


def test_lambda_invocation_is_synchronous_validated_and_time_limited() -> None:
    (invoke,) = [ACTIONS[i] for i in of_type("InvokeLambdaFunction")]
    params = invoke["Parameters"]
    assert params["ResponseValidation"] == {"ResponseType": "STRING_MAP"}
    assert params["InvocationTimeLimitSeconds"] == "${InvocationTimeLimitSeconds}"
    assert params["LambdaFunctionARN"] == "${IntakeFunctionArn}"
    assert params["InvocationType"] == "SYNCHRONOUS"
    errors = [target for kind, target in transitions(invoke) if kind.startswith("error:")]
    assert errors == ["set-operators-queue"], "the intake's failure must not keep the caller from a human"
    assert ACTIONS["set-operators-queue"]["Type"] == "UpdateContactTargetQueue"


def test_every_caller_reaches_a_human() -> None:
    """From every action, each of its transitions (normal or error) still leads to the operators' queue,
    except the fallback after the queue could not be set."""
    humans = of_type(HUMAN)
    assert humans, "no TransferContactToQueue"
    on_the_way = {identifier for identifier in ACTIONS if humans & reachable(identifier)}
    assert FLOW["StartAction"] in on_the_way
    fallback_entries: set[str] = set()
    for identifier in on_the_way:
        action = ACTIONS[identifier]
        for kind, target in transitions(action):
            if target in on_the_way:
                continue
            # The only way off the way to a human: setting the queue failed.
            off_the_way = f"{identifier} --{kind}--> {target} never reaches an operator"
            assert action["Type"] == "UpdateContactTargetQueue", off_the_way
            assert kind.startswith("error:"), off_the_way
            fallback_entries.add(target)
    assert fallback_entries, "no fallback when the queue cannot be set"
    messages = of_type("MessageParticipant")
    for entry in fallback_entries:
        # Every way from the fallback to the hang-up passes a message to the caller.
        assert not of_type(TERMINAL) & reachable(entry, avoiding=frozenset(messages)), (
            f"silent hang-up after {entry}"
        )
        assert of_type(TERMINAL) & reachable(entry), f"{entry} never ends"


def test_only_known_placeholders() -> None:
    assert set(PLACEHOLDER.findall(FLOW_TEXT)) == PLACEHOLDERS


# -- in the stack ----------------------------------------------------------------------------------------


def flow(config: Synthesized) -> tuple[str, dict[str, Any]]:
    content = config.props(config.only("AWS::Connect::ContactFlow"))["Content"]
    assert set(content) == {"Fn::Sub"}
    text, variables = content["Fn::Sub"]
    return text, variables


def intake_target(config: Synthesized) -> Any:
    """What Connect invokes: the function in dev, its `live` alias with provisioned concurrency in prod."""
    function = config.function("intake-connect")
    if config.stage == "dev":
        config.assertions.resource_count_is("AWS::Lambda::Alias", 0)
        return get_att(function, "Arn")
    alias = config.only("AWS::Lambda::Alias")
    props = config.props(alias)
    assert props["FunctionName"] == ref(function)
    assert props["Name"] == "live"
    assert props["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": 1}
    return ref(alias)


def instance_arn(config: Synthesized) -> Any:
    if config.name == "full":
        config.assertions.resource_count_is("AWS::Connect::Instance", 0)
        return INSTANCE_ARN
    return get_att(config.only("AWS::Connect::Instance"), "Arn")


def test_flow_is_the_committed_file_with_every_placeholder_filled(config: Synthesized) -> None:
    text, variables = flow(config)
    assert text == FLOW_TEXT
    assert set(variables) == PLACEHOLDERS
    assert variables["IntakeFunctionArn"] == intake_target(config)
    assert variables["OperatorsQueueArn"] == get_att(config.only("AWS::Connect::Queue"), "QueueArn")
    assert 1 <= int(variables["InvocationTimeLimitSeconds"]) <= 8  # Connect's limit
    for name in ("GreetingText", "BusyText", "FallbackText"):
        value = variables[name]
        assert isinstance(value, str), name
        assert value.strip(), name
        assert not {'"', "\\"} & set(value), f"{name} would break the flow's JSON"
    filled = PLACEHOLDER.sub(lambda m: "X" if m.group(1) in PLACEHOLDERS else m.group(0), text)
    json.loads(filled)


def test_flow_is_active_in_the_instance(config: Synthesized) -> None:
    props = config.props(config.only("AWS::Connect::ContactFlow"))
    assert props["InstanceArn"] == instance_arn(config)
    assert props["Type"] == "CONTACT_FLOW"
    assert props["State"] == "ACTIVE"


def test_intake_is_associated_and_invocable_by_this_instance_only(config: Synthesized) -> None:
    target = intake_target(config)
    instance = instance_arn(config)
    config.assertions.has_resource_properties(
        "AWS::Connect::IntegrationAssociation",
        {"InstanceId": instance, "IntegrationArn": target, "IntegrationType": "LAMBDA_FUNCTION"},
    )
    permissions = [
        p["Properties"]
        for p in config.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "connect.amazonaws.com"
    ]
    function_name = ref(config.only("AWS::Lambda::Alias")) if config.stage == "prod" else target
    assert permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": function_name,
            "Principal": "connect.amazonaws.com",
            "SourceAccount": {"Ref": "AWS::AccountId"},
            "SourceArn": instance,
        }
    ]


def test_dev_creates_an_instance(dev: Synthesized) -> None:
    instance = dev.props(dev.only("AWS::Connect::Instance"))
    assert instance["IdentityManagementType"] == "CONNECT_MANAGED"
    assert instance["Attributes"]["InboundCalls"] is True
    assert instance["Attributes"]["ContactflowLogs"] is True


def test_an_instance_arn_imports_the_instance(full: Synthesized) -> None:
    full.assertions.resource_count_is("AWS::Connect::Instance", 0)
    for type_ in ("AWS::Connect::Queue", "AWS::Connect::HoursOfOperation", "AWS::Connect::RoutingProfile"):
        (resource,) = full.of_type(type_).values()
        assert resource["Properties"]["InstanceArn"] == INSTANCE_ARN, type_


def test_hours_of_operation_never_close(config: Synthesized) -> None:
    hours = config.props(config.only("AWS::Connect::HoursOfOperation"))
    assert hours["TimeZone"] == "Asia/Jakarta"
    midnight = {"Hours": 0, "Minutes": 0}
    assert sorted(day["Day"] for day in hours["Config"]) == sorted(DAYS)
    assert len(DAYS) == 7
    for day in hours["Config"]:
        assert (day["StartTime"], day["EndTime"]) == (midnight, midnight), day
    queue = config.props(config.only("AWS::Connect::Queue"))
    assert queue["HoursOfOperationArn"] == get_att(
        config.only("AWS::Connect::HoursOfOperation"), "HoursOfOperationArn"
    )


def test_routing_profile_serves_the_queue(config: Synthesized) -> None:
    queue_arn = get_att(config.only("AWS::Connect::Queue"), "QueueArn")
    profile = config.props(config.only("AWS::Connect::RoutingProfile"))
    assert profile["DefaultOutboundQueueArn"] == queue_arn
    assert [q["QueueReference"] for q in profile["QueueConfigs"]] == [
        {"Channel": "VOICE", "QueueArn": queue_arn}
    ]
    assert {"Channel": "VOICE", "Concurrency": 1} in profile["MediaConcurrencies"]


@pytest.mark.parametrize("action", ["Create", "Update"])
def test_phone_number_is_routed_to_the_flow(full: Synthesized, action: str) -> None:
    (route,) = full.of_type("Custom::AWS").values()
    call_parts = route["Properties"][action]["Fn::Join"][1]
    flow_arn = get_att(full.only("AWS::Connect::ContactFlow"), "ContactFlowArn")
    assert flow_arn in call_parts
    text = "".join(part if isinstance(part, str) else "FLOW" for part in call_parts)
    call = json.loads(text)
    assert call["service"] == "Connect"
    assert call["action"] == "associatePhoneNumberContactFlow"
    assert call["parameters"] == {
        "PhoneNumberId": PHONE_NUMBER_ARN.split("phone-number/")[1],
        "InstanceId": INSTANCE_ARN,
        "ContactFlowId": "FLOW",
    }


def test_no_phone_number_route_without_a_phone_number(stage_default: Synthesized) -> None:
    stage_default.assertions.resource_count_is("Custom::AWS", 0)
