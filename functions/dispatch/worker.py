"""dispatch-worker: consumes dispatch requests from SQS and notifies the agencies of each incident.

Powertools' BatchProcessor reports partial failures, so one bad message is retried (and, after the
queue's maxReceiveCount, moved to the dead-letter queue) without redelivering the rest of the batch.
A message whose body is not a dispatch request fails validation the same way: kept, never dropped.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field, Json

from core.agency_directory import CachedDirectory, DirectoryService
from core.agency_store import DynamoAgencyStore
from core.dispatching import Dispatcher
from core.idempotency import IdempotentNotifier, dynamodb_persistence, notification_config
from core.messaging import SnsAgencyNotifier, SqsDeliveryQueue
from core.models import CamelModel, Incident, IncidentId
from core.notices import Notice
from core.notification import Addressee, addressee
from core.observability import logger, metrics, tracer
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.settings import get_settings

_tracer = tracer()


class DispatchRequest(CamelModel):
    incident_id: IncidentId
    version: int | None = Field(default=None, description="Incident version when queued; informational")
    notice: Notice | None = Field(default=None, description="A change after dispatch, for its posts")


class DispatchMessage(SqsRecordModel):
    body: Json[DispatchRequest]


processor = BatchProcessor(event_type=EventType.SQS, model=DispatchMessage)


def handle_record(record: DispatchMessage, dispatcher: Dispatcher) -> None:
    if record.body.notice is not None:
        dispatcher.forward(record.body.incident_id, record.body.notice)
        return
    result = dispatcher.dispatch(record.body.incident_id)
    logger.info(
        "dispatch request handled", extra={"incident_id": result.incident_id, "outcome": result.outcome}
    )


@functools.cache
def default_dispatcher() -> tuple[Dispatcher, IdempotentNotifier]:
    settings = get_settings()
    # The directory names each agency's posts in what it is sent, at most DIRECTORY_CACHE_SECONDS old.
    store = DynamoAgencyStore(settings.require("directory_table_name"), dynamodb_client())
    agencies = CachedDirectory(
        DirectoryService(store, settings.regency).snapshot, settings.directory_cache_seconds
    )

    def to(incident: Incident, agency: str) -> Addressee:
        return addressee(agencies.snapshot(), incident, agency)

    notifier = IdempotentNotifier(
        SnsAgencyNotifier(settings.require("agency_topic_arn"), settings.regency, addressee=to),
        dynamodb_persistence(settings.require("idempotency_table_name")),
        notification_config(),
    )
    repository = DynamoIncidentRepository(settings.require("table_name"), dynamodb_client())
    dispatcher = Dispatcher(
        repository,
        notifier,
        agencies=agencies.snapshot,
        deliveries=SqsDeliveryQueue(settings.require("delivery_queue_url")),
        ack_deadlines=settings.ack_deadlines_seconds(),
    )
    return dispatcher, notifier


@logger.inject_lambda_context
@_tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, dispatcher: Dispatcher | None = None
) -> Any:
    if dispatcher is None:
        dispatcher, notifier = default_dispatcher()
        notifier.config.register_lambda_context(context)
    return process_partial_response(
        event=event,
        record_handler=functools.partial(handle_record, dispatcher=dispatcher),
        processor=processor,
        context=context,
    )
