"""intake.contact_event: Amazon Connect's contact events read tolerantly (events/connect/contact-event-*):
keys in any case, unknown fields and types ignored, hostile values bounded, the unreadable refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from core.calls import CallEvent, EventType
from core.models import DisconnectedBy
from intake.contact_event import Ignored, Unreadable, parse
from tests.support import EVENTS, load_event

NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
INSTANCE = "arn:aws:connect:ap-southeast-1:123456789012:instance/9d1f0a3e-6c4b-4f57-8d3c-2b7a5e1f0c11"
CONTACT = "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"
SAMPLES = sorted(p.stem for p in (EVENTS / "connect").glob("contact-event-*.json"))
VALID = [name for name in SAMPLES if not name.endswith("-invalid")]


def raw(name: str = "contact-event-connected-to-agent") -> dict[str, Any]:
    return load_event(f"connect/{name}.json")


def read(event: Any, instance: str | None = INSTANCE) -> CallEvent | Ignored:
    return parse(event if isinstance(event, str) else json.dumps(event), NOW, instance)


def test_there_is_a_sample_of_each_step_of_a_call() -> None:
    assert set(VALID) == {
        "contact-event-initiated",
        "contact-event-queued",
        "contact-event-connected-to-agent",
        "contact-event-disconnected-answered",
        "contact-event-disconnected-abandoned",
    }


@pytest.mark.parametrize("name", VALID)
def test_every_valid_sample_is_a_call_event_of_the_samples_call(name: str) -> None:
    event = read(raw(name))
    assert isinstance(event, CallEvent)
    assert event.contact_id == CONTACT
    assert event.initiated_at == datetime(2026, 11, 29, 3, 40, 10, 120000, tzinfo=UTC)


def test_the_answer_names_the_agent() -> None:
    event = read(raw())
    assert isinstance(event, CallEvent)
    assert event.type is EventType.CONNECTED_TO_AGENT
    assert event.answered_at == datetime(2026, 11, 29, 3, 40, 27, 900000, tzinfo=UTC)
    assert event.agent_id == "14c2e23e-14be-5070-9208-9fe232d2d9ca"
    assert event.agent_arn is not None
    assert event.agent_arn.endswith(f"/agent/{event.agent_id}")
    assert event.at == datetime(2026, 11, 29, 3, 40, 28, tzinfo=UTC)


def test_keys_and_values_are_read_in_any_case_as_aws_spells_them() -> None:
    """AWS's own sample: `AgentInfo` / `AgentArn` and `"channel": "Voice"`."""
    event = read(raw("contact-event-disconnected-answered"))
    assert isinstance(event, CallEvent)
    assert event.answered_at is not None
    assert event.agent_id == "14c2e23e-14be-5070-9208-9fe232d2d9ca"
    shouting = raw()
    shouting["detail"] = {key.upper(): value for key, value in shouting["detail"].items()}
    shouting["detail"]["EVENTTYPE"] = "connected_to_agent"
    again = read(shouting)
    assert isinstance(again, CallEvent)
    assert again.answered_at == event.answered_at


def test_the_abandoned_call_says_who_hung_up() -> None:
    event = read(raw("contact-event-disconnected-abandoned"))
    assert isinstance(event, CallEvent)
    assert event.disconnected_by is DisconnectedBy.CUSTOMER
    assert event.answered_at is None


@pytest.mark.parametrize(
    ("reason", "party"),
    [
        ("AGENT_DISCONNECT", DisconnectedBy.AGENT),
        ({"code": "customer_disconnect"}, DisconnectedBy.CUSTOMER),
        ("TELECOM_PROBLEM", DisconnectedBy.TELECOM),
        ("SOMETHING_NEW", DisconnectedBy.OTHER),
        (42, None),
        (None, None),
    ],
)
def test_a_disconnect_reason_as_it_may_come(reason: Any, party: DisconnectedBy | None) -> None:
    event = raw("contact-event-disconnected-abandoned")
    event["detail"]["disconnectReason"] = reason
    parsed = read(event)
    assert isinstance(parsed, CallEvent)
    assert parsed.disconnected_by is party


def test_a_transferred_contact_belongs_to_its_initial_contacts_call() -> None:
    event = raw()
    event["detail"]["contactId"] = "11111111-2222-4333-8444-555555555555"
    event["detail"]["initiationMethod"] = "TRANSFER"
    parsed = read(event)
    assert isinstance(parsed, CallEvent)
    assert parsed.contact_id == CONTACT


def test_a_contact_id_in_upper_case_is_the_same_call() -> None:
    event = raw()
    event["detail"]["initialContactId"] = CONTACT.upper()
    parsed = read(event)
    assert isinstance(parsed, CallEvent)
    assert parsed.contact_id == CONTACT


def test_unknown_fields_are_ignored() -> None:
    event = raw()
    event["detail"]["somethingNew"] = {"deep": [1, 2, 3]}
    event["detail"]["agentInfo"]["hierarchyGroups"] = {"level1": {"arn": "x"}}
    event["brandNew"] = True
    assert isinstance(read(event), CallEvent)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"eventType": "AMD_DISABLED_SOMETHING_NEW"}, "event type"),
        ({"eventType": None}, "event type"),
        ({"channel": "CHAT"}, "channel"),
        ({"channel": "task"}, "channel"),
        ({"initiationMethod": "OUTBOUND"}, "initiation method"),  # the desk's own callbacks
        ({"initiationMethod": "MONITOR"}, "initiation method"),
        ({"instanceArn": INSTANCE.replace("9d1f", "0000")}, "another Amazon Connect instance"),
    ],
)
def test_events_not_about_a_112_call_are_ignored(change: dict[str, Any], why: str) -> None:
    event = raw()
    event["detail"].update(change)
    ignored = read(event)
    assert isinstance(ignored, Ignored)
    assert why in ignored.why


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        '"a string"',
        json.dumps({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}),
        "[" * 100_000 + "]" * 100_000,  # nesting Python cannot parse
        '{"n": ' + "9" * 5000 + "}",  # an integer Python will not read
        json.dumps({"detail-type": "Amazon Connect Contact Event", "source": "aws.connect", "detail": []}),
    ],
    ids=["text", "array", "string", "another-event", "nested", "huge-int", "detail-not-object"],
)
def test_what_is_no_contact_event_is_unreadable(body: str) -> None:
    with pytest.raises(Unreadable):
        read(body)


def test_the_invalid_sample_is_unreadable() -> None:
    with pytest.raises(Unreadable, match="contact id"):
        read(raw("contact-event-invalid"))


@pytest.mark.parametrize(
    "contact",
    [None, "", "abc", "x" * 1000, "../DEDUPE#x", "5ca32fbd-8f92-46af-92a5-6b0f970f0efe#x", 12345, {"a": 1}],
)
def test_a_contact_id_of_another_shape_never_becomes_a_key(contact: Any) -> None:
    event = raw()
    event["detail"]["contactId"] = contact
    event["detail"]["initialContactId"] = contact
    with pytest.raises(Unreadable):
        read(event)


def test_deep_or_wide_bodies_are_refused_before_they_are_read() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(20):
        node["x"] = {}
        node = node["x"]
    wide = raw()
    wide["detail"]["agentInfo"] = deep
    with pytest.raises(Unreadable):
        read(wide)
    many = raw()
    many["detail"].update({f"k{n}": n for n in range(500)})
    with pytest.raises(Unreadable):
        read(many)


@pytest.mark.parametrize(
    "value",
    [
        "2099-01-01T00:00:00Z",  # the future
        "1999-12-31T23:59:59Z",  # before Amazon Connect
        "2026-11-29T03:40:27",  # no time zone
        "yesterday",
        "2026-13-45T99:99:99Z",
        12345,
        None,
        "2" * 500,
    ],
)
def test_a_time_that_cannot_be_trusted_is_absent(value: Any) -> None:
    event = raw()
    event["detail"]["agentInfo"]["connectedToAgentTimestamp"] = value
    parsed = read(event)
    assert isinstance(parsed, CallEvent)
    assert parsed.answered_at is None


def test_a_time_with_an_offset_is_kept_in_utc_to_the_millisecond() -> None:
    event = raw()
    event["detail"]["agentInfo"]["connectedToAgentTimestamp"] = "2026-11-29T10:40:27.900123+07:00"
    parsed = read(event)
    assert isinstance(parsed, CallEvent)
    assert parsed.answered_at == datetime(2026, 11, 29, 3, 40, 27, 900000, tzinfo=UTC)


@pytest.mark.parametrize(
    "arn",
    [
        "not an arn",
        INSTANCE + "/agent/" + "x" * 300,
        INSTANCE.replace("9d1f0a3e", "00000000") + "/agent/14c2e23e-14be-5070-9208-9fe232d2d9ca",
        INSTANCE + "/queue/14c2e23e-14be-5070-9208-9fe232d2d9ca",
        42,
    ],
    ids=["text", "long", "other-instance", "a-queue", "number"],
)
def test_an_agent_arn_of_another_shape_or_instance_names_nobody(arn: Any) -> None:
    event = raw()
    event["detail"]["agentInfo"]["agentArn"] = arn
    parsed = read(event)
    assert isinstance(parsed, CallEvent)
    assert (parsed.agent_id, parsed.agent_arn) == (None, None)
    assert parsed.answered_at is not None  # the answer is still known, only not by whom


def test_without_a_configured_instance_every_instances_events_are_read() -> None:
    event = raw()
    event["detail"]["instanceArn"] = INSTANCE.replace("9d1f", "0000")
    assert isinstance(read(event, instance=None), CallEvent)
