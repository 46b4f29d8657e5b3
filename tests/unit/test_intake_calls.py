"""intake.calls (intake-calls): SQS batches of contact events (events/sqs/contact-events-batch*.json) reach
the call's incident; what cannot be read, or a call that ended with no incident yet, is retried by SQS."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from core.calls import CallEvents
from core.contacts import contact_dedupe_key
from core.incidents import IncidentService, Report
from core.models import Channel, Flag
from core.regency import REGENCIES
from intake.calls import lambda_handler
from tests.fakes import FakeAgents, InMemoryIncidentRepository
from tests.support import Clock, FakeLambdaContext, load_event

CONTACT = "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"
INSTANCE = "arn:aws:connect:ap-southeast-1:123456789012:instance/9d1f0a3e-6c4b-4f57-8d3c-2b7a5e1f0c11"
AGENT_ARN = f"{INSTANCE}/agent/14c2e23e-14be-5070-9208-9fe232d2d9ca"


class Setup:
    def __init__(self) -> None:
        self.repo = InMemoryIncidentRepository()
        self.clock = Clock()
        self.recorder = CallEvents(self.repo, FakeAgents({AGENT_ARN: "operator3"}), self.clock)
        self.service = IncidentService(self.repo, REGENCIES["banyuwangi"], clock=self.clock)

    def register(self) -> str:
        report = Report(
            channel=Channel.VOICE,
            actor="system:intake",
            caller="+6281234567890",
            dedupe_key=contact_dedupe_key(CONTACT),
            contact_id=CONTACT,
        )
        return self.service.register(report)[0].id

    def handle(self, batch: dict[str, Any]) -> list[str]:
        response = lambda_handler(batch, FakeLambdaContext(), recorder=self.recorder, instance_arn=INSTANCE)
        return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


@pytest.fixture
def setup() -> Setup:
    return Setup()


def batch(*bodies: str) -> dict[str, Any]:
    """An SQS batch of the contact-events queue (the sample's first record) carrying `bodies`."""
    template = load_event("sqs/contact-events-batch.json")["Records"][0]
    records = []
    for n, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record["messageId"] = f"event-{n}"
        record["body"] = body
        record["md5OfBody"] = hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()
        records.append(record)
    return {"Records": records}


def event(name: str) -> str:
    return json.dumps(load_event(f"connect/contact-event-{name}.json"))


def test_the_sample_batch_reaches_the_incident(setup: Setup) -> None:
    incident_id = setup.register()
    assert setup.handle(load_event("sqs/contact-events-batch.json")) == []
    call = setup.service.detail(incident_id).call
    assert call is not None
    assert (call.answered_by, call.queue_wait_seconds) == ("operator3", 9.45)
    assert call.disconnected_at is not None


def test_an_abandoned_call_is_flagged_through_the_queue(setup: Setup) -> None:
    incident_id = setup.register()
    assert setup.handle(batch(event("disconnected-abandoned"), event("queued"), event("initiated"))) == []
    incident = setup.repo.get(incident_id)
    assert Flag.ABANDONED in incident.flags
    assert [i.id for i in setup.repo.list_callbacks(25).items] == [incident_id]


def test_the_invalid_batch_fails_every_record_and_changes_nothing(setup: Setup) -> None:
    setup.register()
    with pytest.raises(BatchProcessingError):  # all failed: Powertools raises, SQS keeps them
        setup.handle(load_event("sqs/contact-events-batch-invalid.json"))
    assert setup.repo.call_records == {}


def test_an_unreadable_event_fails_alone(setup: Setup) -> None:
    incident_id = setup.register()
    assert setup.handle(batch(event("queued"), "not json", event("initiated"))) == ["event-1"]
    assert setup.service.detail(incident_id).call is not None


def test_events_that_are_not_about_a_112_call_are_acknowledged(setup: Setup) -> None:
    outbound = load_event("connect/contact-event-queued.json")
    outbound["detail"]["initiationMethod"] = "OUTBOUND"  # the callback desk's own call
    chat = load_event("connect/contact-event-queued.json")
    chat["detail"]["channel"] = "CHAT"
    assert setup.handle(batch(json.dumps(outbound), json.dumps(chat))) == []
    assert setup.repo.call_records == {}


def test_an_ended_call_without_an_incident_is_retried_and_the_rest_go_through(setup: Setup) -> None:
    assert setup.handle(batch(event("initiated"), event("disconnected-answered"))) == ["event-1"]
    assert CONTACT in setup.repo.call_records  # merged already: the retry only looks for the incident


def test_a_redelivered_batch_changes_nothing(setup: Setup) -> None:
    incident_id = setup.register()
    sample = load_event("sqs/contact-events-batch.json")
    setup.handle(sample)
    before = (setup.repo.get(incident_id), setup.repo.call_records[CONTACT])
    setup.handle(sample)
    assert (setup.repo.get(incident_id), setup.repo.call_records[CONTACT]) == before
