"""intake-backlog: registers the messages of a webhook delivery that intake-web queued because they did not
fit in the time of its answer (core/deliveries.py).

Each queue message holds some reports of one delivery. A message whose registration fails is retried by
SQS (partial batch failures) and ends in the dead-letter queue after five tries, never lost; reports it
had already registered are found by their message id on the next try, so none is registered or answered
twice.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json

from core.deliveries import BacklogMessage, DeliveryRegistrar
from core.incidents import IncidentService
from core.messaging import SqsReplyQueue
from core.observability import MetricUnit, logger, metrics, tracer
from core.repository import PATIENT_CONFIG, DynamoIncidentRepository, dynamodb_client
from core.settings import get_settings

_tracer = tracer()


class BacklogRecord(SqsRecordModel):
    body: Json[BacklogMessage]


processor = BatchProcessor(event_type=EventType.SQS, model=BacklogRecord)


@functools.cache
def default_registrar() -> DeliveryRegistrar:
    settings = get_settings()
    repository = DynamoIncidentRepository(settings.require("table_name"), dynamodb_client(PATIENT_CONFIG))
    return DeliveryRegistrar(
        IncidentService(repository, settings.regency), SqsReplyQueue(settings.require("reply_queue_url"))
    )


def handle_record(record: BacklogRecord, registrar: DeliveryRegistrar) -> None:
    incidents = registrar.register_all(record.body.reports)
    logger.info("queued reports registered", extra={"incident_ids": incidents})
    metrics.add_metric(name="QueuedReportsRegistered", unit=MetricUnit.Count, value=len(incidents))


@logger.inject_lambda_context
@_tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, registrar: DeliveryRegistrar | None = None
) -> Any:
    return process_partial_response(
        event=event,
        record_handler=functools.partial(handle_record, registrar=registrar or default_registrar()),
        processor=processor,
        context=context,
    )
