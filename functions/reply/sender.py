"""reply-sender: answers citizens on the social channel they wrote on (queued by the intake), through
Meta's Graph API (core/graph_api.py).

A reply the platform refuses for good (the user blocked us, the conversation window closed) is logged
and dropped; anything else (throttling, an outage, secrets not configured yet) is retried by SQS and
ends in the dead-letter queue, never lost.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json

from core.graph_api import GraphApiSender, ReplyRejected
from core.observability import MetricUnit, logger, metrics, tracer
from core.replies import Reply
from core.secrets import load_reply_secrets
from core.settings import get_settings

_tracer = tracer()

Sender = Callable[[Reply], str]


class ReplyMessage(SqsRecordModel):
    body: Json[Reply]


processor = BatchProcessor(event_type=EventType.SQS, model=ReplyMessage)


class NotConfigured(RuntimeError):
    pass


@functools.cache
def default_sender() -> Sender:
    """Sends through Meta's Graph API with the page token from the reply secrets (read per batch from
    Powertools' five-minute cache, so a token put after deployment is used without a restart)."""
    settings = get_settings()
    secrets_name = settings.require("reply_secrets_name")
    base_url = settings.graph_api_url

    def send(reply: Reply) -> str:
        token = load_reply_secrets(secrets_name).instagram_page_access_token
        if not token:
            raise NotConfigured("instagramPageAccessToken is not set in the reply secrets")
        return GraphApiSender(token, base_url).send(reply)

    return send


def handle_record(record: ReplyMessage, send: Sender) -> None:
    reply = record.body
    try:
        message_id = send(reply)
    except ReplyRejected as error:
        logger.error(
            "reply refused for good", extra={"incident_id": reply.incident_id, "problem": str(error)}
        )
        metrics.add_metric(name="ReplyRefused", unit=MetricUnit.Count, value=1)
        return
    logger.info("reply sent", extra={"incident_id": reply.incident_id, "message_id": message_id})
    metrics.add_metric(name="ReplySent", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@_tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext, send: Sender | None = None) -> Any:
    return process_partial_response(
        event=event,
        record_handler=functools.partial(handle_record, send=send or default_sender()),
        processor=processor,
        context=context,
    )
