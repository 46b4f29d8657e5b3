"""Alarms reach people, watch the right metrics, and the dashboard plots metrics the code really emits.

Expectations are written out here (metric names, dimensions, who may publish), not read back from the
modules that build them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from core.models import Flag, RejectionReason
from core.positions import Outcome
from infra.definitions import FUNCTIONS, FUNCTIONS_DIR
from tests.infra.conftest import INSTANCE_ARN
from tests.infra.helpers import Synthesized, as_list, get_att, ref, render, statements

APP_NAMESPACE = "Respon112"
FUNCTION_NAMES = {f.name for f in FUNCTIONS}


def alarms(config: Synthesized) -> dict[str, dict[str, Any]]:
    """Alarm name (without the stage prefix) -> properties."""
    found = {}
    for alarm in config.of_type("AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        name = props["AlarmName"]
        assert name.startswith(f"{config.prefix}-"), name
        found[name.removeprefix(f"{config.prefix}-")] = props
    return found


def metric_stats(props: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm reads: its single metric, or every metric of its math expression."""
    if "MetricName" in props:
        return [
            {
                "Namespace": props["Namespace"],
                "MetricName": props["MetricName"],
                "Dimensions": props.get("Dimensions", []),
            }
        ]
    return [m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]


def dimensions(metric: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}


# -- who may publish to the topics, and use the key ---------------------------------------------------------


def topic_policy(config: Synthesized, topic_name: str) -> dict[str, Any]:
    topic = config.topic(f"{config.prefix}-{topic_name}")
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in config.of_type("AWS::SNS::TopicPolicy").values()
        if ref(topic) in p["Properties"]["Topics"]
    ]
    assert isinstance(policy, dict)
    return policy


def alarm_arn_pattern(config: Synthesized) -> str:
    return f"arn:${{AWS::Partition}}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:{config.prefix}-*"


def test_cloudwatch_may_publish_this_stacks_alarms_to_the_alarm_topic(config: Synthesized) -> None:
    """enforce_ssl gives the topic a policy of its own, which replaces SNS's default: without an Allow for
    CloudWatch no alarm would ever be delivered."""
    topic = config.topic(f"{config.prefix}-alarms")
    allows = [s for s in statements(topic_policy(config, "alarms")) if s["Effect"] == "Allow"]
    assert len(allows) == 1, allows
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert as_list(allow["Action"]) == ["sns:Publish"]
    assert allow["Resource"] == ref(topic)
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": ref("AWS::AccountId")}
    assert render(allow["Condition"]["ArnLike"]["aws:SourceArn"]) == alarm_arn_pattern(config)
    # every alarm is named so that the pattern covers it (alarms() checks the prefix)
    assert alarms(config)


def test_every_alarm_notifies_the_topic_in_prod(prod: Synthesized) -> None:
    topic = prod.topic(f"{prod.prefix}-alarms")
    for name, props in alarms(prod).items():
        assert props["AlarmActions"] == [ref(topic)], name


def test_no_service_may_publish_to_the_agency_topic(config: Synthesized) -> None:
    """Only dispatch-worker publishes (its role allows it, test_iam); the topic policy allows nobody."""
    policy = topic_policy(config, "agency-notifications")
    assert [s["Effect"] for s in statements(policy)] == ["Deny"]


def test_service_principals_use_the_key_only_for_this_stack(config: Synthesized) -> None:
    policy = config.props(config.data_key())["KeyPolicy"]
    services = {}
    for statement in statements(policy):
        principal = statement["Principal"]
        if isinstance(principal, dict) and "Service" in principal:
            services[principal["Service"]] = statement
    assert set(services) == {"cloudwatch.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com"}
    expected_sources = {
        "cloudwatch.amazonaws.com": alarm_arn_pattern(config),
        "sns.amazonaws.com": (
            f"arn:${{AWS::Partition}}:sns:${{AWS::Region}}:${{AWS::AccountId}}:{config.prefix}-*"
        ),
        # the contact events' rule, delivering to its encrypted queue (infra/contact_events.py)
        "events.amazonaws.com": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/"
        f"{config.prefix}-contact-events",
    }
    for service, statement in services.items():
        assert statement["Effect"] == "Allow"
        assert set(as_list(statement["Action"])) == {"kms:Decrypt", "kms:GenerateDataKey"}, service
        assert set(statement["Condition"]) == {"StringEquals", "ArnLike"}, service
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ref("AWS::AccountId")}
        assert render(statement["Condition"]["ArnLike"]["aws:SourceArn"]) == expected_sources[service]


# -- the alarms ------------------------------------------------------------------------------------------


def connect_instance_id(config: Synthesized) -> Any:
    if config.name == "full":
        return INSTANCE_ARN.split("instance/")[1]
    return get_att(config.only("AWS::Connect::Instance"), "Id")


# name -> (metric, MetricGroup, the third dimension and its value)
CONNECT_ALARMS: dict[str, list[tuple[str, str, tuple[str, str] | None]]] = {
    "connect-flow-fatal-errors": [
        ("ContactFlowFatalErrors", "ContactFlow", ("ContactFlowName", "Respon 112"))
    ],
    "connect-flow-errors": [("ContactFlowErrors", "ContactFlow", ("ContactFlowName", "Respon 112"))],
    "connect-missed-calls": [("MissedCalls", "VoiceCalls", None)],
    "connect-calls-over-quota": [
        ("CallsBreachingConcurrencyQuota", "VoiceCalls", None),
        ("ThrottledCalls", "VoiceCalls", None),
    ],
    "connect-queue-wait": [("LongestQueueWaitTime", "Queue", ("QueueName", "Operator 112"))],
    "connect-queue-size": [("QueueSize", "Queue", ("QueueName", "Operator 112"))],
}


@pytest.mark.parametrize("name", CONNECT_ALARMS)
def test_connects_own_metrics_are_watched(config: Synthesized, name: str) -> None:
    props = alarms(config)[name]
    expected = []
    for metric, group, extra in CONNECT_ALARMS[name]:
        dims = {"InstanceId": connect_instance_id(config), "MetricGroup": group}
        if extra:
            dims[extra[0]] = extra[1]
        expected.append(("AWS/Connect", metric, dims))
    found = [(m["Namespace"], m["MetricName"], dimensions(m)) for m in metric_stats(props)]
    assert found == expected
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_the_flow_and_queue_names_are_the_ones_connect_reports(config: Synthesized) -> None:
    assert config.props(config.only("AWS::Connect::ContactFlow"))["Name"] == "Respon 112"
    assert config.props(config.only("AWS::Connect::Queue"))["Name"] == "Operator 112"


def test_spilling_past_the_warm_intake_alarms_in_prod(stage_default: Synthesized) -> None:
    found = alarms(stage_default).get("intake-connect-spillover")
    if stage_default.stage == "dev":  # no provisioned concurrency, nothing to spill from
        assert found is None
        return
    assert found is not None
    (metric,) = metric_stats(found)
    function = stage_default.function("intake-connect")
    assert metric["Namespace"] == "AWS/Lambda"
    assert metric["MetricName"] == "ProvisionedConcurrencySpilloverInvocations"
    dims = dimensions(metric)
    assert dims["FunctionName"] == ref(function)
    assert render(dims["Resource"]) == f"${{{function}}}:live"
    assert found["Threshold"] == 1


def test_failed_dispatch_requests_are_counted_from_both_senders(config: Synthesized) -> None:
    props = alarms(config)["dispatch-enqueue-failed"]
    found = {(m["Namespace"], m["MetricName"], dimensions(m)["service"]) for m in metric_stats(props)}
    assert found == {
        (APP_NAMESPACE, "DispatchEnqueueFailed", "verify-api"),
        (APP_NAMESPACE, "DispatchEnqueueFailed", "dispatch-reconciler"),
    }
    (expression,) = [m for m in props["Metrics"] if "Expression" in m]
    assert expression["ReturnData"] is True
    for metric in props["Metrics"]:
        if "MetricStat" in metric:
            assert f"FILL({metric['Id']}, 0)" in expression["Expression"]  # one silent sender is 0


def test_a_dispatch_still_overdue_pages(config: Synthesized) -> None:
    props = alarms(config)["dispatch-overdue"]
    (metric,) = metric_stats(props)
    assert (metric["Namespace"], metric["MetricName"]) == (APP_NAMESPACE, "DispatchOverdue")
    assert dimensions(metric) == {"service": "dispatch-reconciler"}
    assert props["Threshold"] == 1
    assert "DispatchOverdue" in emitted_metrics()


# -- the dashboard plots what the code emits ------------------------------------------------------------


# The metric names the code builds with an f-string, expanded the way the code builds them.
DYNAMIC_METRICS = {
    "IncidentRejected": {f"IncidentRejected{r.title().replace('_', '')}" for r in RejectionReason},
    "Aml": {f"Aml{outcome.title()}" for outcome in Outcome},
    "IncidentFlagged": {f"IncidentFlagged{flag.title().replace('_', '')}" for flag in Flag},
}


def emitted_metrics() -> set[str]:
    """Every metric name the functions' code adds (Powertools add_metric)."""
    names: set[str] = set()
    literal = re.compile(r"add_metric\(\s*name=\"(\w+)\"")
    conditional = re.compile(r"add_metric\(\s*name=\"(\w+)\" if \w+ else \"(\w+)\"")
    built = re.compile(r"add_metric\(\s*name=f\"(\w+)\{")
    for path in FUNCTIONS_DIR.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names.update(literal.findall(text))
        for pair in conditional.findall(text):
            names.update(pair)
        for prefix in built.findall(text):
            assert prefix in DYNAMIC_METRICS, f"{path}: say in DYNAMIC_METRICS what {prefix}{{…}} becomes"
            names |= DYNAMIC_METRICS[prefix]
    return names


def dashboard_metrics(config: Synthesized) -> list[list[Any]]:
    body = config.props(config.only("AWS::CloudWatch::Dashboard"))["DashboardBody"]
    text = "".join(part if isinstance(part, str) else '"TOKEN"' for part in body["Fn::Join"][1])
    text = text.replace('""TOKEN""', '"TOKEN"')
    widgets = json.loads(text)["widgets"]
    return [m for w in widgets for m in w["properties"].get("metrics", [])]


def test_the_code_emits_what_the_dashboard_plots(config: Synthesized) -> None:
    emitted = emitted_metrics()
    assert {
        "IncidentRegistered",
        "IncidentVerified",
        "IncidentRejectedPrank",
        "DispatchEnqueueFailed",
    } <= emitted
    plotted = [m for m in dashboard_metrics(config) if m[0] == APP_NAMESPACE]
    assert plotted
    for metric in plotted:
        _, name, dimension, service, *_ = metric
        assert name in emitted, f"the dashboard plots {name}, which no code emits"
        assert dimension == "service", metric
        assert service in FUNCTION_NAMES, metric


def test_the_dashboard_shows_the_112_line(config: Synthesized) -> None:
    plotted = {m[1] for m in dashboard_metrics(config) if m[0] == "AWS/Connect"}
    assert {"QueueSize", "LongestQueueWaitTime", "MissedCalls", "ContactFlowErrors"} <= plotted
