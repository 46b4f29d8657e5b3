"""The public intake: the web report form, the Instagram and X webhooks, and Advanced Mobile Location.

Each POST passes its gate first, in memory (a webhook's signature, the AML token) or with one counter
(the web form's rate limit). What passed is archived raw (S3) before anything parses it, so a report that
cannot be parsed is still there for an operator: it becomes an incident flagged UNPARSED, with the
archive key, and the sender gets a 4xx that says what is wrong. What did not pass creates nothing and is
kept only briefly, cut short (intake/archiving.py). Each platform's message id makes its redeliveries
one incident; a delivery too large to register in the answer's time is finished by intake-backlog.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field, ValidationError

from core.clock import utc_now
from core.deliveries import BacklogUnavailable, Deadline, DeliveryRegistrar, Pending
from core.http import (
    DOCUMENT_RESPONSE,
    document_response,
    error_response,
    json_loads,
    register_error_handlers,
)
from core.incidents import IncidentService, Report
from core.messaging import SqsReplyQueue, SqsReportBacklog
from core.models import Channel, Flag, Location
from core.observability import MetricUnit, logger, metrics, tracer
from core.ports import RawArchive, ReplyQueue, ReportBacklog
from core.positions import PositionService
from core.ratelimit import RateLimit, RateLimiter
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.secrets import ChannelSecrets, load_channel_secrets
from core.settings import get_settings
from core.storage import S3RawArchive
from intake.aml_message import AmlFormatError, AmlMessage, parse_https, parse_sms
from intake.archiving import CHANNELS, RequestArchive, raw_body
from intake.signatures import meta_signature_valid, token_valid, x_crc_response, x_signature_valid
from intake.web_report import RECEIVED_EN, RECEIVED_ID, ReportReceived, WebReport
from intake.webhook_payloads import InstagramWebhook, TwitterWebhook, instagram_reports, twitter_reports

OPENAPI_FILE = Path(__file__).with_name("openapi.json")
API_TITLE = "Respon 112 — public intake"
API_VERSION = "1.0.0"
MAX_UNPARSED_TEXT = 4000
# No brace, bracket or quote: nothing the CRC signs is a JSON object or array (twitter_events relies on it).
CRC_TOKEN_PATTERN = r"^[A-Za-z0-9+/=_.~-]+$"  # noqa: S105 - a pattern, not a secret
# Meta waits 20 s for an answer, API Gateway 29 s, the function runs 10 s (infra/definitions.py). Messages
# are registered for at most INLINE_SECONDS, and never into the last HANDOFF_RESERVE_SECONDS of the
# function's time, which queuing the rest of a delivery (a few SendMessageBatch calls) and answering take.
INLINE_SECONDS = 4.0
HANDOFF_RESERVE_SECONDS = 4.0
DELIVERED = (
    "Accepted: `incidents` lists the messages registered now, `queued` how many more are being "
    "registered from the backlog queue"
)
NOT_QUEUED = "The rest of the delivery could not be queued: deliver it again (nothing is doubled)"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Ports:
    service: IncidentService
    positions: PositionService
    archive: RawArchive
    replies: ReplyQueue
    secrets: Callable[[], ChannelSecrets]
    limiter: RateLimiter
    backlog: ReportBacklog
    monotonic: Callable[[], float] = time.monotonic  # the deadline's clock


def _cors() -> CORSConfig | None:
    """The report form is served with the panel (CloudFront) and posts here: its origins only."""
    origins = get_settings().allowed_origins
    if not origins:
        return None
    return CORSConfig(
        allow_origin=origins[0],
        extra_origins=origins[1:],
        allow_headers=["Content-Type"],
        expose_headers=["Retry-After"],
    )


app = APIGatewayRestResolver(enable_validation=True, cors=_cors(), json_body_deserializer=json_loads)
_tracer = tracer()


def _ports() -> Ports:
    ports: Ports = app.context["ports"]
    return ports


def _archived() -> RequestArchive:
    archive: RequestArchive = app.context["archive"]
    return archive


def _header(name: str) -> str | None:
    wanted = name.lower()
    value = next((v for k, v in (app.current_event.headers or {}).items() if k.lower() == wanted), None)
    return str(value) if value is not None else None


def _unparsed(channel: Channel, problem: str) -> str:
    """Keep a report nobody could parse as an incident for an operator to read; its id."""
    raw = raw_body(app.current_event.raw_event)
    source = {"rawKey": _archived().keep() or "", "problem": problem[:256]}
    report = Report(
        channel=channel,
        actor=f"system:{channel.value.lower()}",
        dedupe_key=f"RAW#{hashlib.sha256(raw).hexdigest()}",  # a redelivery of the same bytes is one incident
        text=raw.decode("utf-8", "replace")[:MAX_UNPARSED_TEXT],
        source={k: v for k, v in source.items() if v},
        flags=(Flag.UNPARSED,),
    )
    incident, _ = _ports().service.register(report)
    metrics.add_metric(name="ReportUnparsed", unit=MetricUnit.Count, value=1)
    return incident.id


# -- errors ----------------------------------------------------------------------------------------


def _keep_refused_report(problem: str) -> dict[str, Any]:
    """A web report refused with a 4xx is still kept for an operator to read. Only the web form's body
    is validated by the resolver: the webhooks keep what they cannot parse themselves, after their
    signature or token checked out, and anything else (e.g. a bad query on /aml) is only refused."""
    if app.current_event.http_method == "POST" and app.current_event.path == "/reports":
        return {"incidentId": _unparsed(Channel.WEB, problem)}
    return {}


register_error_handlers(app, keep=_keep_refused_report)


# -- the web report form -----------------------------------------------------------------------------


@app.post(
    "/reports",
    tags=["reports"],
    summary="A citizen's report from the web form (112 is for emergencies)",
    status_code=202,
    responses={
        202: {"description": "Received: an operator will check it"},
        429: {"description": "Too many reports from this client; Retry-After says when to try again"},
    },
)
def post_report(request: Annotated[WebReport, Body()]) -> ReportReceived:
    location = Location.model_validate(request.location.model_dump())  # the district is checked in core
    source = {
        "name": request.name,
        "rawKey": _archived().keep(),
        "locationAccuracyM": None if request.accuracy_m is None else f"{request.accuracy_m:.0f}",
    }
    report = Report(
        channel=Channel.WEB,
        actor="system:web",
        caller=request.phone,
        dedupe_key=_web_dedupe_key(request),
        text=request.description,
        location=location,
        source={k: v for k, v in source.items() if v},
    )
    incident, _ = _ports().service.register(report)
    return ReportReceived(incident_id=incident.id, message=RECEIVED_ID, message_en=RECEIVED_EN)


def _web_dedupe_key(request: WebReport) -> str | None:
    """The form's id for this report, with a digest of what it says: sending it again after a lost
    answer is the same incident, but the same id with other words (an edited form, a bug, a guess) is
    a new one instead of being silently answered with the first."""
    if not request.client_report_id:
        return None
    content = request.model_dump_json(exclude={"client_report_id"}).encode("utf-8")
    return f"WEB#{request.client_report_id}#{hashlib.sha256(content).hexdigest()[:32]}"


# -- Instagram (Meta webhooks) ------------------------------------------------------------------------


@app.get(
    "/webhooks/instagram",
    tags=["webhooks"],
    summary="Meta's subscription handshake: echo hub.challenge when hub.verify_token is ours",
    responses={
        200: {"description": "hub.challenge, as text/plain", "content": {"text/plain": {"schema": {}}}},
        403: {"description": "Not our verify token"},
    },
)
def instagram_handshake(
    mode: Annotated[str, Query(alias="hub.mode", max_length=32)],
    verify_token: Annotated[str, Query(alias="hub.verify_token", max_length=256)],
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=256)],
) -> Response[Any]:
    if mode != "subscribe" or not token_valid(verify_token, _ports().secrets().instagram_verify_token):
        return error_response(HTTPStatus.FORBIDDEN, "hub.mode must be subscribe and hub.verify_token ours")
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body=challenge)


@app.post(
    "/webhooks/instagram",
    tags=["webhooks"],
    summary="Instagram messages (X-Hub-Signature-256 required)",
    responses={
        200: {"description": DELIVERED},
        401: {"description": "Signature missing or forged"},
        400: {"description": "Signed, but not a payload we can read (kept for an operator)"},
        503: {"description": NOT_QUEUED},
    },
)
def instagram_messages() -> Response[Any]:
    raw = raw_body(app.current_event.raw_event)
    if not meta_signature_valid(raw, _header("X-Hub-Signature-256"), _ports().secrets().instagram_app_secret):
        return _forged("X-Hub-Signature-256 is missing or does not match the body")
    _archived().keep()
    payload = _parse(raw, InstagramWebhook, Channel.INSTAGRAM)
    if isinstance(payload, Response):
        return payload
    if payload.object != "instagram":
        problem = f"object is {payload.object!r}, this endpoint takes instagram"
        return error_response(
            HTTPStatus.BAD_REQUEST, problem, incidentId=_unparsed(Channel.INSTAGRAM, problem)
        )
    return _deliver([Pending(report, sender) for report, sender in instagram_reports(payload)])


def _deliver(items: Sequence[Pending]) -> Response[Any]:
    """Register a signed delivery's messages: what fits in the time now, the rest through the backlog."""
    ports = _ports()
    registrar = DeliveryRegistrar(ports.service, ports.replies, ports.backlog)
    try:
        done = registrar.register(items, app.context["deadline"])
    except BacklogUnavailable as error:
        return error_response(HTTPStatus.SERVICE_UNAVAILABLE, f"{NOT_QUEUED} ({error})")
    body = {"incidents": done.incidents, "queued": done.queued}
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=body)


def _forged(problem: str) -> Response[Any]:
    """A webhook whose signature does not check out: nothing created, its start kept for days."""
    metrics.add_metric(name="WebhookSignatureRejected", unit=MetricUnit.Count, value=1)
    _archived().refuse("signature")
    return error_response(HTTPStatus.UNAUTHORIZED, problem)


def _parse(raw: bytes, model: type[M], channel: Channel) -> M | Response[Any]:
    """The signed payload as `model`, or a 400 (after keeping it as an UNPARSED incident)."""
    try:
        data = json_loads(raw)
        if not isinstance(data, dict):
            raise ValueError("the body is not a JSON object")
        return model.model_validate(data)
    except (ValueError, ValidationError) as error:
        problem = f"not a {channel.value.lower()} webhook payload: {error}"[:256]
        incident_id = _unparsed(channel, problem)
        return error_response(HTTPStatus.BAD_REQUEST, problem, incidentId=incident_id)


# -- X (Account Activity) --------------------------------------------------------------------------


class CrcAnswer(BaseModel):
    response_token: str


@app.get(
    "/webhooks/twitter",
    tags=["webhooks"],
    summary="X's challenge-response check (CRC)",
    responses={200: {"description": "The response token"}, 503: {"description": "Not configured yet"}},
)
def twitter_crc(
    # The CRC signs what it is given with the key that signs POST bodies: only a token's characters are
    # taken, so no JSON body (its braces and quotes) can be signed through here.
    crc_token: Annotated[str, Query(min_length=1, max_length=256, pattern=CRC_TOKEN_PATTERN)],
) -> Response[Any]:
    secret = _ports().secrets().twitter_consumer_secret
    if not secret:
        return error_response(HTTPStatus.SERVICE_UNAVAILABLE, "the X consumer secret is not configured")
    answer = CrcAnswer(response_token=x_crc_response(crc_token, secret))
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=answer.model_dump())


@app.post(
    "/webhooks/twitter",
    tags=["webhooks"],
    summary="Direct messages and mentions (x-twitter-webhooks-signature required)",
    responses={
        200: {"description": DELIVERED},
        401: {"description": "Signature missing or forged"},
        400: {"description": "Signed, but not an Account Activity JSON object: nothing is created"},
        503: {"description": NOT_QUEUED},
    },
)
def twitter_events() -> Response[Any]:
    raw = raw_body(app.current_event.raw_event)
    header = _header("x-twitter-webhooks-signature")
    if not x_signature_valid(raw, header, _ports().secrets().twitter_consumer_secret):
        return _forged("x-twitter-webhooks-signature is missing or does not match the body")
    # The CRC (GET) hands anyone HMAC(consumer secret, token) for any token: a valid signature over a
    # body equal to such a token. Tokens hold no brace, so a body that is not a JSON object proves
    # nothing about its sender and creates nothing; X only ever sends objects.
    try:
        data = json_loads(raw)
    except ValueError:  # not JSON, or JSON Python cannot hold (JSONDecodeError is a ValueError)
        data = None
    if not isinstance(data, dict):
        metrics.add_metric(name="WebhookPayloadRefused", unit=MetricUnit.Count, value=1)
        _archived().refuse("not an Account Activity object")
        return error_response(HTTPStatus.BAD_REQUEST, "the body is not an X Account Activity JSON object")
    _archived().keep()
    payload = TwitterWebhook.model_validate(data)  # takes any object: what it cannot read, it skips
    return _deliver([Pending(report) for report in twitter_reports(payload)])


# -- Advanced Mobile Location --------------------------------------------------------------------------


class SmsRelay(BaseModel):
    """An AML SMS as our SMS gateway relays it."""

    sender: str = Field(alias="from", min_length=3, max_length=32, description="The handset's number")
    text: str = Field(min_length=5, max_length=320, description='The SMS body: A"ML=1;…')


@app.post(
    "/aml",
    tags=["aml"],
    summary="A handset's position: ELS HTTPS (form) or a relayed AML SMS (JSON); token required",
    responses={
        200: {
            "description": "Received. outcome: ATTACHED (on the caller's 112-call incident), "
            "SUPERSEDED (that incident has a newer or finer fix), KEPT (30 minutes, for the call), "
            "UNMATCHABLE, NO_POSITION, or DISCARDED (ELS HTTPS without a usable position: still 2xx)"
        },
        401: {"description": "Missing or wrong token"},
    },
)
def aml(token: Annotated[str | None, Query(max_length=256)] = None) -> Response[Any]:
    ports = _ports()
    bearer = (_header("Authorization") or "").removeprefix("Bearer ").strip() or None
    if not token_valid(bearer or token, ports.secrets().aml_token):
        _archived().refuse("token")
        return error_response(HTTPStatus.UNAUTHORIZED, "an AML sender must present the shared token")
    _archived().keep()
    raw = raw_body(app.current_event.raw_event)
    now = utc_now()
    if (_header("Content-Type") or "").startswith("application/json"):
        try:
            relay = SmsRelay.model_validate_json(raw)
            message = parse_sms(relay.text, relay.sender, now)
        except ValidationError as error:
            detail = [
                {"loc": ["body", *e["loc"]], "type": e["type"], "msg": e["msg"]} for e in error.errors()
            ]
            return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, "not a relayed AML SMS", detail=detail)
        except AmlFormatError as error:
            return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, f"not a valid AML SMS: {error}")
    else:
        # ELS HTTPS: every field optional, and the sender wants 2xx even for what we discard.
        form = {key: values[0] for key, values in parse_qs(raw.decode("utf-8", "replace")).items()}
        try:
            message = parse_https(form, now)
        except AmlFormatError as error:
            logger.warning("AML HTTPS message discarded", extra={"problem": str(error)})
            return Response(
                200, content_types.APPLICATION_JSON, {"outcome": "DISCARDED", "reason": str(error)}
            )
    return _located(ports, message)


def _located(ports: Ports, message: AmlMessage) -> Response[Any]:
    for warning in message.warnings:
        logger.warning("AML message accepted with a warning", extra={"warning": warning})
    if message.fix is None:
        return Response(200, content_types.APPLICATION_JSON, {"outcome": "NO_POSITION"})
    result = ports.positions.receive(message.fix)
    body = {
        "outcome": result.outcome.value,
        **({"incidentId": result.incident_id} if result.incident_id else {}),
    }
    return Response(200, content_types.APPLICATION_JSON, body)


# -- the OpenAPI document ---------------------------------------------------------------------------


@app.get("/intake/openapi.json", tags=["meta"], summary="This document (public)", responses=DOCUMENT_RESPONSE)
def openapi() -> Response[str]:
    return document_response(OPENAPI_FILE)


def openapi_schema() -> dict[str, Any]:
    """The routes' document, with the bodies the webhook routes read themselves (they check signatures
    over the raw bytes before parsing, so Powertools cannot declare them)."""
    document: dict[str, Any] = json.loads(app.get_openapi_json_schema(title=API_TITLE, version=API_VERSION))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (InstagramWebhook, TwitterWebhook, SmsRelay):
        schemas[model.__name__] = model.model_json_schema(
            by_alias=True, ref_template="#/components/schemas/{model}"
        )
    paths = document["paths"]

    def json_body(name: str) -> dict[str, Any]:
        return {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }

    paths["/webhooks/instagram"]["post"]["requestBody"] = json_body("InstagramWebhook")
    paths["/webhooks/twitter"]["post"]["requestBody"] = json_body("TwitterWebhook")
    form_fields = (
        "v",
        "emergency_number",
        "source",
        "time",
        "location_latitude",
        "location_longitude",
        "location_time",
        "location_accuracy",
        "location_source",
        "location_confidence",
        "device_number",
        "device_imei",
    )
    paths["/aml"]["post"]["requestBody"] = {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": {f: {"type": "string"} for f in form_fields}}
            },
            "application/json": {"schema": {"$ref": "#/components/schemas/SmsRelay"}},
        },
    }
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
        positions=PositionService(repository),
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


def _rate_limited(ports: Ports, event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The web form's limit per client address, checked before the body is even read."""
    if event.get("path") != "/reports" or event.get("httpMethod") != "POST":
        return None
    client = str(((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp") or "unknown")
    if ports.limiter.allow(client):
        return None
    metrics.add_metric(name="ReportRateLimited", unit=MetricUnit.Count, value=1)
    body = {"statusCode": 429, "message": "too many reports from this address; for an emergency call 112"}
    headers = {"Content-Type": "application/json", "Retry-After": str(ports.limiter.retry_after_seconds)}
    # Answered before the resolver runs, so the CORS headers it would add are added here: without them
    # the form would see a network error instead of "try again later".
    request_headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    origin = request_headers.get("origin")
    if origin and origin in get_settings().allowed_origins:
        headers |= {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Expose-Headers": "Retry-After",
            "Vary": "Origin",
        }
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
