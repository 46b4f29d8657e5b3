"""The contact events' path in the stack: this instance's Amazon Connect Contact Events → the encrypted
contact-events queue (EventBridge may send from that rule only) → intake-calls (partial batch failures),
and the answer-time alarms against NENA's standard."""

from __future__ import annotations

from typing import Any

from infra.definitions import CONTACT_EVENTS_QUEUE
from tests.infra.conftest import INSTANCE_ARN
from tests.infra.helpers import Synthesized, as_list, get_att, is_ssl_only, ref, render, statements
from tests.infra.test_observability import alarms, dimensions, emitted_metrics, metric_stats


def instance_arn(config: Synthesized) -> Any:
    if config.name == "full":
        return INSTANCE_ARN
    return get_att(config.only("AWS::Connect::Instance"), "Arn")


def rule(config: Synthesized) -> dict[str, Any]:
    lid = config.named("AWS::Events::Rule", "Name", f"{config.prefix}-contact-events")
    return config.props(lid)


def rule_arn(config: Synthesized) -> str:
    account = "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}"
    return f"{account}:rule/{config.prefix}-contact-events"


def test_the_rule_takes_this_instances_contact_events(config: Synthesized) -> None:
    pattern = rule(config)["EventPattern"]
    assert pattern["source"] == ["aws.connect"]
    assert pattern["detail-type"] == ["Amazon Connect Contact Event"]
    # either spelling of the key (AWS's samples spell keys in two cases)
    assert pattern["detail"] == {
        "$or": [{"instanceArn": [instance_arn(config)]}, {"InstanceArn": [instance_arn(config)]}]
    }
    assert rule(config)["State"] == "ENABLED"


def test_the_rule_delivers_to_the_queue_and_what_it_cannot_to_its_dead_letter_queue(
    config: Synthesized,
) -> None:
    queue = config.queue(CONTACT_EVENTS_QUEUE.physical_name(config.prefix))
    dead_letters = config.queue(CONTACT_EVENTS_QUEUE.dlq_name(config.prefix))
    (target,) = rule(config)["Targets"]
    assert target["Arn"] == get_att(queue, "Arn")
    assert target["DeadLetterConfig"] == {"Arn": get_att(dead_letters, "Arn")}
    assert "RoleArn" not in target  # the queues' policies let EventBridge in, no role needed


def queue_policy(config: Synthesized, queue_id: str) -> dict[str, Any]:
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in config.of_type("AWS::SQS::QueuePolicy").values()
        if ref(queue_id) in p["Properties"]["Queues"]
    ]
    assert isinstance(policy, dict)
    return policy


def test_eventbridge_may_send_to_both_queues_from_this_rule_only(config: Synthesized) -> None:
    for name in (
        CONTACT_EVENTS_QUEUE.physical_name(config.prefix),
        CONTACT_EVENTS_QUEUE.dlq_name(config.prefix),
    ):
        queue = config.queue(name)
        policy = queue_policy(config, queue)
        assert is_ssl_only(policy, "sqs:*")
        allows = [s for s in statements(policy) if s["Effect"] == "Allow"]
        assert len(allows) == 1, allows
        (allow,) = allows
        assert allow["Principal"] == {"Service": "events.amazonaws.com"}
        assert as_list(allow["Action"]) == ["sqs:SendMessage"]
        assert allow["Resource"] == get_att(queue, "Arn")
        assert render(allow["Condition"]["ArnEquals"]["aws:SourceArn"]) == rule_arn(config)
        assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": ref("AWS::AccountId")}


def test_the_rule_arn_the_policies_name_is_the_rules(config: Synthesized) -> None:
    assert rule(config)["Name"] == f"{config.prefix}-contact-events"
    assert rule(config).get("EventBusName") in (None, "default")


def test_intake_calls_consumes_the_queue_reporting_partial_failures(config: Synthesized) -> None:
    function = config.function("intake-calls")
    queue = config.queue(CONTACT_EVENTS_QUEUE.physical_name(config.prefix))
    (mapping,) = [
        m["Properties"]
        for m in config.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == ref(function)
    ]
    assert mapping["EventSourceArn"] == get_att(queue, "Arn")
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 5}
    props = config.props(queue)
    assert props["VisibilityTimeout"] >= 6 * config.props(function)["Timeout"]
    assert props["RedrivePolicy"]["maxReceiveCount"] == 5


def test_intake_calls_knows_its_instance(config: Synthesized) -> None:
    variables = config.props(config.function("intake-calls"))["Environment"]["Variables"]
    assert variables["CONNECT_INSTANCE_ARN"] == instance_arn(config)


def test_the_queue_and_its_dead_letters_are_watched(config: Synthesized) -> None:
    found = alarms(config)
    assert "contact-events-oldest-message" in found
    assert "contact-events-dead-letters" in found
    assert "intake-calls" in found["contact-events-oldest-message"]["AlarmDescription"]


def test_the_answer_time_is_held_to_nenas_standard(config: Synthesized) -> None:
    """NENA-STA-020: 90 % of calls answered within 15 s, 95 % within 20 s (docs/callbacks.md)."""
    found = alarms(config)
    for percentile, seconds in ((90, 15), (95, 20)):
        props = found[f"answer-time-p{percentile}"]
        (metric,) = metric_stats(props)
        assert (metric["Namespace"], metric["MetricName"]) == ("Respon112", "AnswerTimeSeconds")
        assert dimensions(metric) == {"service": "intake-calls"}
        (stat,) = [m["MetricStat"] for m in props["Metrics"]]
        assert (stat["Stat"], stat["Period"]) == (f"p{percentile}", 900)  # a quarter hour
        assert props["Threshold"] == seconds
        assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert props["TreatMissingData"] == "notBreaching"  # no call in a quarter hour is no breach
    assert {
        "AnswerTimeSeconds",
        "QueueWaitSeconds",
        "CallAbandoned",
        "CallWithoutIncident",
    } <= emitted_metrics()
