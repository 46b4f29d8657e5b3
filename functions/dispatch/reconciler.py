"""dispatch-reconciler, scheduled every minute: re-queues VERIFIED incidents whose dispatch request never
arrived, queues the agencies' notices the operators' API left in the outbox (core/notices.py), and
escalates DISPATCHED ones whose agencies did not confirm by their deadline (core/escalation.py).

Verification commits first and queues second; if the queueing failed (or the message went missing),
this sweep finds the incident through the status index and queues it again. One that stays VERIFIED
ten minutes after verification is escalated (DispatchOverdue, an error log) on every run.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from core.agency_directory import CachedDirectory, DirectoryService
from core.agency_store import DynamoAgencyStore
from core.escalation import Escalator
from core.incidents import IncidentService
from core.messaging import SqsDeliveryQueue, SqsDispatchQueue
from core.observability import logger, metrics, tracer
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.settings import get_settings

_tracer = tracer()


@functools.cache
def default_service() -> IncidentService:
    settings = get_settings()
    repository = DynamoIncidentRepository(settings.require("table_name"), dynamodb_client())
    return IncidentService(
        repository, settings.regency, SqsDispatchQueue(settings.require("dispatch_queue_url"))
    )


@functools.cache
def default_escalator() -> Escalator:
    settings = get_settings()
    repository = DynamoIncidentRepository(settings.require("table_name"), dynamodb_client())
    store = DynamoAgencyStore(settings.require("directory_table_name"), dynamodb_client())
    directory = CachedDirectory(
        DirectoryService(store, settings.regency).snapshot, settings.directory_cache_seconds
    )
    return Escalator(
        repository,
        SqsDeliveryQueue(settings.require("delivery_queue_url")),
        directory.snapshot,
        settings.ack_deadlines_seconds(),
    )


@logger.inject_lambda_context
@_tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(
    event: dict[str, Any],
    context: LambdaContext,
    service: IncidentService | None = None,
    grace: timedelta | None = None,
    escalator: Escalator | None = None,
) -> dict[str, Any]:
    grace = grace or timedelta(seconds=get_settings().dispatch_grace_seconds)
    service = service or default_service()
    requeued = service.requeue_stalled(grace)
    notices = service.requeue_notices(grace)
    # Escalation does not wait on re-queueing: a failure there still lets this run escalate.
    escalated = (escalator or default_escalator()).sweep()
    return {"requeued": requeued, "notices": notices, "escalated": escalated}
