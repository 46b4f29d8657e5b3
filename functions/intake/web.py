"""intake-web: the public intake's API, one Powertools Router per channel (intake/routes/: the web report
form, the Instagram and X webhooks, Advanced Mobile Location), and the gate in front of them.

Each POST passes its gate first, in memory (a webhook's signature, the AML token) or with one counter
(the web form's rate limit, checked here before the resolver reads the body). What passed is archived raw
(S3) before anything parses it, so a report that cannot be parsed is still there for an operator: it
becomes an incident flagged UNPARSED, with the archive key, and the sender gets a 4xx that says what is
wrong. What did not pass creates nothing and is kept only briefly, cut short (intake/archiving.py). Each
platform's message id makes its redeliveries one incident; a delivery too large to register in the
answer's time is finished by intake-backlog.
"""

from __future__ import annotations

import functools
import json
from http import HTTPStatus
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.deliveries import Deadline
from core.http import (
    DOCUMENT_RESPONSE,
    document_response,
    error_response,
    json_loads,
    panel_cors,
    register_error_handlers,
)
from core.incidents import IncidentService
from core.messaging import SqsReplyQueue, SqsReportBacklog
from core.models import Channel
from core.observability import MetricUnit, logger, metrics, tracer
from core.positions import PositionService
from core.ratelimit import RateLimit, RateLimiter
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.secrets import load_channel_secrets
from core.settings import get_settings
from core.storage import S3RawArchive
from intake.archiving import CHANNELS, RequestArchive
from intake.routes import aml, instagram, reports, twitter
from intake.routes.request import Ports, PublicRequest, Refused, Unreadable

OPENAPI_FILE = Path(__file__).with_name("openapi.json")
API_TITLE = "Respon 112 — public intake"
API_VERSION = "1.0.0"
# Meta waits 20 s for an answer, API Gateway 29 s, the function runs 10 s (infra/definitions.py). Messages
# are registered for at most INLINE_SECONDS, and never into the last HANDOFF_RESERVE_SECONDS of the
# function's time, which queuing the rest of a delivery (a few SendMessageBatch calls) and answering take.
INLINE_SECONDS = 4.0
HANDOFF_RESERVE_SECONDS = 4.0
ROUTES = (reports, instagram, twitter, aml)  # in the OpenAPI document's order

# The report form is served with the panel (CloudFront) and posts here: its origins only.
CORS = panel_cors(allow_headers=["Content-Type"])
app = APIGatewayRestResolver(enable_validation=True, cors=CORS, json_body_deserializer=json_loads)
for module in ROUTES:
    app.include_router(module.router)
register_error_handlers(app, keep=reports.keep_refused_report)
_tracer = tracer()


@app.exception_handler(Refused)
def _refused(refused: Refused) -> Response[Any]:
    """A request that did not pass its gate: nothing created, the start of its body kept for days."""
    return PublicRequest(app).refuse(refused.refusal)


@app.exception_handler(Unreadable)
def _unreadable(unreadable: Unreadable) -> Response[Any]:
    """Past its gate, but nothing we can read: a 400, after keeping it as an UNPARSED incident."""
    incident_id = PublicRequest(app).unparsed(unreadable.channel, unreadable.problem)
    return error_response(HTTPStatus.BAD_REQUEST, unreadable.problem, incidentId=incident_id)


# -- the OpenAPI document ---------------------------------------------------------------------------


@app.get("/intake/openapi.json", tags=["meta"], summary="This document (public)", responses=DOCUMENT_RESPONSE)
def openapi() -> Response[str]:
    return document_response(OPENAPI_FILE)


def openapi_schema() -> dict[str, Any]:
    """The routes' document, with the bodies the routes read themselves (READ_BODIES: the webhooks check
    signatures over the raw bytes before parsing, so Powertools cannot declare them)."""
    document: dict[str, Any] = json.loads(app.get_openapi_json_schema(title=API_TITLE, version=API_VERSION))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for body in (body for routes in ROUTES for body in routes.READ_BODIES):
        for model in body.models:
            schemas[model.__name__] = model.model_json_schema(
                by_alias=True, ref_template="#/components/schemas/{model}"
            )
        document["paths"][body.path][body.method]["requestBody"] = {"required": True, "content": body.content}
    return document


# -- entry point -----------------------------------------------------------------------------------------


@functools.cache
def default_ports() -> Ports:
    settings = get_settings()
    repository = DynamoIncidentRepository(settings.require("table_name"), dynamodb_client())
    secrets_name = settings.require("channel_secrets_name")
    rate = RateLimit(settings.report_rate_limit, settings.report_rate_window_seconds)
    return Ports(
        service=IncidentService(repository, settings.regency),
        positions=PositionService(repository, regency=settings.regency),
        archive=S3RawArchive(settings.require("raw_bucket_name")),
        replies=SqsReplyQueue(settings.require("reply_queue_url")),
        secrets=lambda: load_channel_secrets(secrets_name),
        limiter=RateLimiter(repository, rate),
        backlog=SqsReportBacklog(settings.require("backlog_queue_url")),
    )


def _inline_seconds(context: LambdaContext) -> float:
    """How long this invocation may register messages before queuing the rest."""
    left = context.get_remaining_time_in_millis() / 1000 - HANDOFF_RESERVE_SECONDS
    return max(0.0, min(INLINE_SECONDS, left))


def _rate_limited(ports: Ports, event: dict[str, Any]) -> dict[str, Any] | None:
    """The web form's limit per client address, checked before the body is even read."""
    if event.get("path") != "/reports" or event.get("httpMethod") != "POST":
        return None
    client = str(((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp") or "unknown")
    if ports.limiter.allow(client):
        return None
    metrics.add_metric(name="ReportRateLimited", unit=MetricUnit.Count, value=1)
    body = {"statusCode": 429, "message": "too many reports from this address; for an emergency call 112"}
    headers = {"Content-Type": "application/json", "Retry-After": str(ports.limiter.retry_after_seconds)}
    # Answered before the resolver runs, so the CORS headers it adds to its answers are added here, from
    # its configuration: without them the form would see a network error instead of "try again later".
    if CORS is not None:
        headers |= CORS.to_dict(APIGatewayProxyEvent(event).headers.get("Origin"))
    return {"statusCode": 429, "headers": headers, "body": json.dumps(body), "isBase64Encoded": False}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@_tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, ports: Ports | None = None
) -> dict[str, Any]:
    ports = ports or default_ports()
    archive = RequestArchive(ports.archive, event)
    status: int | None = None
    try:
        limited = _rate_limited(ports, event)
        if limited is not None:
            archive.refuse("rate limit")
            return limited
        if event.get("httpMethod") == "POST" and CHANNELS.get(str(event.get("path"))) is Channel.WEB:
            archive.keep()  # any body within the form's limit may be a citizen's: kept whole
        app.append_context(
            ports=ports, archive=archive, deadline=Deadline(_inline_seconds(context), ports.monotonic)
        )
        response = app.resolve(event, context)
        status = response.get("statusCode")
        return response
    finally:
        if event.get("httpMethod") == "POST":
            archive.settle(status)  # a POST nothing vouched for (a 4xx before its gate, a failure)
