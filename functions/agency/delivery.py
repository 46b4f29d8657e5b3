"""agency-delivery: consumes the delivery queue and tells each post on its own channels (SMS, e-mail, the
signed record by HTTPS), reading the post from the directory at sending time (core/agency_delivery.py).

A delivery that fails (a channel gave up after its retries) is reported as a partial batch failure: SQS
makes it visible again after the queue's visibility timeout, and after its receive count it moves to the
dead-letter queue, whose alarm calls a person to phone the post. Channels already sent are not sent again.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json

from core.agency_channels import AwsChannels
from core.agency_delivery import AgencyDelivery, DeliveryRequest
from core.agency_store import DynamoAgencyStore
from core.idempotency import IdempotentOnce, dynamodb_persistence
from core.observability import logger, metrics, tracer
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.sealing import KmsSealer
from core.secrets import load_responder_secrets
from core.settings import get_settings

_tracer = tracer()


class DeliveryMessage(SqsRecordModel):
    body: Json[DeliveryRequest]


processor = BatchProcessor(event_type=EventType.SQS, model=DeliveryMessage)


def handle_record(record: DeliveryMessage, delivery: AgencyDelivery) -> None:
    sent = delivery.deliver(record.body)
    logger.info(
        "delivery handled",
        extra={"incident_id": record.body.incident_id, "post": record.body.post_id, "sent": len(sent)},
    )


@functools.cache
def default_delivery() -> tuple[AgencyDelivery, IdempotentOnce]:
    settings = get_settings()
    secrets_name = settings.require("responder_secrets_name")
    once = IdempotentOnce(dynamodb_persistence(settings.require("idempotency_table_name")))
    delivery = AgencyDelivery(
        DynamoIncidentRepository(settings.require("table_name"), dynamodb_client()),
        DynamoAgencyStore(settings.require("directory_table_name"), dynamodb_client()),
        KmsSealer(settings.require("sealing_key_arn")),
        AwsChannels(settings.agency_email_from, plain_http_localhost=settings.plain_http_localhost),
        once,
        lambda: load_responder_secrets(secrets_name).link_key,
        settings.regency,
        settings.require("responder_page_url"),
        f"{settings.public_api_url.rstrip('/')}/agency/status" if settings.public_api_url else None,
    )
    return delivery, once


@logger.inject_lambda_context
@_tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, delivery: AgencyDelivery | None = None
) -> Any:
    if delivery is None:
        delivery, once = default_delivery()
        once.config.register_lambda_context(context)
    return process_partial_response(
        event=event,
        record_handler=functools.partial(handle_record, delivery=delivery),
        processor=processor,
        context=context,
    )
