"""The tolerant Amazon Connect event: the samples in events/connect/, and whatever else may arrive."""

from __future__ import annotations

from typing import Any

import pytest

from core.incidents import SYSTEM_INTAKE, IncidentService, Report
from core.models import Channel, Flag
from core.regency import REGENCIES
from intake.connect_event import MAX_SOURCE_ATTRIBUTES, MAX_SOURCE_VALUE, ContactFlowEvent
from tests.fakes import InMemoryIncidentRepository, RecordingDispatchQueue
from tests.support import EVENTS, Clock, load_event

INSTANCE_ARN = "arn:aws:connect:ap-southeast-1:123456789012:instance/9d1f0a3e-6c4b-4f57-8d3c-2b7a5e1f0c11"
# The contact flow's invocations; the folder also holds the contact events (test_contact_event.py).
SAMPLES = sorted(p.name for p in (EVENTS / "connect").glob("contact-flow*.json"))


def test_there_are_samples() -> None:
    assert {"contact-flow.json", "contact-flow-minimal.json", "contact-flow-invalid.json"} <= set(SAMPLES)


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_parses_into_a_report(name: str) -> None:
    event = ContactFlowEvent.parse(load_event(f"connect/{name}"))
    report = event.to_report()
    assert isinstance(report, Report)
    assert report.actor == SYSTEM_INTAKE
    assert report.dedupe_key is not None
    assert report.dedupe_key.startswith("CONTACT#")


# -- the valid sample -----------------------------------------------------------------------------


def test_valid_sample() -> None:
    event = ContactFlowEvent.parse(load_event("connect/contact-flow.json"))
    report = event.to_report()
    assert report.caller == "+6281234567890"
    assert report.channel is Channel.VOICE
    assert report.dedupe_key == "CONTACT#5ca32fbd-8f92-46af-92a5-6b0f970f0efe"
    assert report.contact_id == "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"
    assert report.source == {
        "connectChannel": "VOICE",
        "initiationMethod": "INBOUND",
        "instanceArn": INSTANCE_ARN,
        "dialledNumber": "+62333112112",
        "languageCode": "id-ID",
        "initialContactId": "5ca32fbd-8f92-46af-92a5-6b0f970f0efe",
        "attribute.language": "id-ID",
    }


def test_customer_endpoint_wins_over_the_caller_parameter() -> None:
    raw = load_event("connect/contact-flow.json")
    raw["Details"]["Parameters"]["caller"] = "+6289999999999"
    assert ContactFlowEvent.parse(raw).caller() == "+6281234567890"


def test_transfer_keeps_the_initial_contact_id() -> None:
    raw = load_event("connect/contact-flow.json")
    raw["Details"]["ContactData"]["ContactId"] = "transferred-leg"
    event = ContactFlowEvent.parse(raw)
    assert event.dedupe_key() == "CONTACT#5ca32fbd-8f92-46af-92a5-6b0f970f0efe"
    assert event.to_report().contact_id == "transferred-leg"


@pytest.mark.parametrize("channel", ["CHAT", "chat", "Chat"])
def test_chat_channel(channel: str) -> None:
    raw = load_event("connect/contact-flow.json")
    raw["Details"]["ContactData"]["Channel"] = channel
    assert ContactFlowEvent.parse(raw).channel() is Channel.CHAT


# -- the minimal sample ---------------------------------------------------------------------------


def test_minimal_sample_has_no_caller() -> None:
    report = ContactFlowEvent.parse(load_event("connect/contact-flow-minimal.json")).to_report()
    assert report.caller is None
    assert report.channel is Channel.VOICE
    assert report.dedupe_key == "CONTACT#d7f9e2a0-3c5b-4e1f-a8d2-6b4c0e9f1a37"
    assert "dialledNumber" not in report.source
    assert not any(key.startswith("attribute.") for key in report.source)


def test_minimal_sample_falls_back_to_the_caller_parameter() -> None:
    raw = load_event("connect/contact-flow-minimal.json")
    raw["Details"]["Parameters"] = {"caller": "081234567890"}
    assert ContactFlowEvent.parse(raw).caller() == "081234567890"


@pytest.mark.parametrize("address", [None, "", "   ", ["+6281234567890"]])
def test_endpoint_without_a_usable_address_falls_back_to_the_parameter(address: Any) -> None:
    raw = load_event("connect/contact-flow-minimal.json")
    raw["Details"]["ContactData"]["CustomerEndpoint"] = {"Address": address, "Type": "TELEPHONE_NUMBER"}
    raw["Details"]["Parameters"] = {"caller": "+6281234567890"}
    assert ContactFlowEvent.parse(raw).caller() == "+6281234567890"


@pytest.mark.parametrize("caller", [None, "", "  ", {"number": "0812"}, ["0812"], True])
def test_caller_parameter_of_the_wrong_kind_is_no_caller(caller: Any) -> None:
    raw = load_event("connect/contact-flow-minimal.json")
    raw["Details"]["Parameters"] = {"caller": caller}
    assert ContactFlowEvent.parse(raw).caller() is None


# -- the invalid sample ---------------------------------------------------------------------------


def test_invalid_sample_still_gives_a_report() -> None:
    report = ContactFlowEvent.parse(load_event("connect/contact-flow-invalid.json")).to_report()
    assert report.channel is Channel.OTHER
    assert report.caller == "anonymous"
    assert report.dedupe_key == "CONTACT#0b7f3c1e-2f55-4c1a-9d0e-8e3b6a4c2d19"  # ContactId: no initial id
    assert report.source == {
        "connectChannel": "TASK",
        "initiationMethod": "QUEUE_TRANSFER",
        "instanceArn": "42",
    }


def test_invalid_sample_registers_as_an_unknown_caller() -> None:
    report = ContactFlowEvent.parse(load_event("connect/contact-flow-invalid.json")).to_report()
    service = IncidentService(
        InMemoryIncidentRepository(), REGENCIES["banyuwangi"], RecordingDispatchQueue(), Clock()
    )
    incident, created = service.register(report)
    assert created is True
    assert incident.caller is None
    assert incident.flags == [Flag.CALLER_UNKNOWN]
    assert incident.channel is Channel.OTHER


# -- anything else --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        [{"Details": {}}],
        "ContactFlowEvent",
        42,
        {},
        {"Details": None},
        {"Details": "text"},
        {"Details": {"ContactData": []}},
        {"Details": {"ContactData": {"CustomerEndpoint": "+6281234567890", "Attributes": ["a"]}}},
    ],
)
def test_anything_else_is_an_empty_event(raw: Any) -> None:
    event = ContactFlowEvent.parse(raw)
    assert event.caller() is None
    assert event.dedupe_key() is None
    assert event.channel() is Channel.OTHER
    assert event.source() == {}
    report = event.to_report()
    assert (report.caller, report.dedupe_key, report.contact_id) == (None, None, None)


def test_numeric_contact_id_is_text() -> None:
    event = ContactFlowEvent.parse({"Details": {"ContactData": {"ContactId": 1234}}})
    assert event.dedupe_key() == "CONTACT#1234"


# -- bounds on what is copied into the incident ---------------------------------------------------


def _with_attributes(attributes: dict[str, Any]) -> ContactFlowEvent:
    raw = load_event("connect/contact-flow.json")
    raw["Details"]["ContactData"]["Attributes"] = attributes
    return ContactFlowEvent.parse(raw)


def test_attribute_count_is_bounded() -> None:
    source = _with_attributes({f"key{i:03d}": f"value{i}" for i in range(MAX_SOURCE_ATTRIBUTES * 3)}).source()
    copied = [key for key in source if key.startswith("attribute.")]
    assert len(copied) == MAX_SOURCE_ATTRIBUTES
    assert copied[0] == "attribute.key000"


def test_attribute_value_length_is_bounded() -> None:
    source = _with_attributes({"note": "x" * (MAX_SOURCE_VALUE * 4)}).source()
    assert source["attribute.note"] == "x" * MAX_SOURCE_VALUE


def test_attribute_key_length_is_bounded() -> None:
    source = _with_attributes({"k" * 500: "v"}).source()
    [key] = [key for key in source if key.startswith("attribute.")]
    assert len(key) == 64
    assert source[key] == "v"


def test_every_source_value_is_bounded() -> None:
    raw = load_event("connect/contact-flow.json")
    raw["Details"]["ContactData"]["InstanceARN"] = "arn:" + "a" * 5000
    source = ContactFlowEvent.parse(raw).source()
    assert len(source["instanceArn"]) == MAX_SOURCE_VALUE
    assert all(len(value) <= MAX_SOURCE_VALUE for value in source.values())


def test_attribute_values_that_are_not_text_are_dropped() -> None:
    source = _with_attributes(
        {"nested": {"a": 1}, "list": [1], "flag": True, "empty": " ", "count": 3}
    ).source()
    assert {k: v for k, v in source.items() if k.startswith("attribute.")} == {"attribute.count": "3"}
