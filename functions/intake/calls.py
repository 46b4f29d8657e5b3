"""intake-calls: records Amazon Connect's contact events on the 112 call's incident.

An EventBridge rule sends this instance's "Amazon Connect Contact Event"s to the contact-events queue;
locally the flow runner sends the same events to the same queue. Each event is merged into its call's record
(queued, answered and by whom, disconnected and by whom: core/calls.py), copied onto the incident the
intake or an operator registered for the contact, and a call abandoned in the queue is flagged ABANDONED
and put on the callback desk. Events are unordered and may repeat: the merge makes that harmless.

Partial batch failures (Powertools BatchProcessor): an event that cannot be read, or a call that ended
with no incident yet, is retried by SQS and kept in the dead-letter queue after its receives.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.agents import ConnectAgents
from core.calls import CallEvents
from core.clock import utc_now
from core.observability import MetricUnit, logger, metrics, tracer
from core.repository import PATIENT_CONFIG, DynamoIncidentRepository, dynamodb_client
from core.settings import get_settings
from intake.contact_event import Ignored, parse

_tracer = tracer()


class ContactEventRecord(SqsRecordModel):
    body: str  # EventBridge's event, read tolerantly by intake.contact_event


processor = BatchProcessor(event_type=EventType.SQS, model=ContactEventRecord)


@functools.cache
def default_recorder() -> tuple[CallEvents, str]:
    settings = get_settings()
    instance_arn = settings.require("connect_instance_arn")
    repository = DynamoIncidentRepository(settings.require("table_name"), dynamodb_client(PATIENT_CONFIG))
    return CallEvents(repository, ConnectAgents(instance_arn)), instance_arn


def handle_record(record: ContactEventRecord, recorder: CallEvents, instance_arn: str | None) -> None:
    event = parse(record.body, utc_now(), instance_arn)
    if isinstance(event, Ignored):
        logger.info("contact event ignored", extra={"message_id": record.messageId, "why": event.why})
        metrics.add_metric(name="ContactEventIgnored", unit=MetricUnit.Count, value=1)
        return
    recorded = recorder.record(event)
    logger.info(
        "contact event recorded",
        extra={
            "contact_id": event.contact_id,
            "event_type": event.type,
            "incident_id": recorded.incident_id,
            "changed": recorded.changed,
        },
    )


@logger.inject_lambda_context
@_tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(
    event: dict[str, Any],
    context: LambdaContext,
    recorder: CallEvents | None = None,
    instance_arn: str | None = None,
) -> Any:
    if recorder is None:
        recorder, instance_arn = default_recorder()
    return process_partial_response(
        event=event,
        record_handler=functools.partial(handle_record, recorder=recorder, instance_arn=instance_arn),
        processor=processor,
        context=context,
    )
