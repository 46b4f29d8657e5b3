"""agency-api: the public routes responders use, with no account. A post's page (`respond.html`, opened
from the link in every notification) reads the incident and reports its status with the link's token; an
agency's own system posts the same statuses to `/agency/status`, signed with its post's shared secret.

Each proof is checked before anything is read or written: the token's HMAC and expiry (in memory), the
signature and its timestamp (the post's sealed secret, opened with KMS). A bad or expired token answers
404 (a link that opens nothing says no more), a bad signature 401. A status moves the post's dispatch
forward only: a repeat answers 200 as the first did, a race lost 409. Behind WAF's per-address limit,
the public method throttling and this function's reserved concurrency.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter, ValidationError

from core import responder_links, signing
from core.agency_store import DynamoAgencyStore
from core.clock import Clock, utc_now
from core.errors import ConcurrentModification, IllegalTransition, IncidentNotFound, InvalidRequest
from core.http import (
    DOCUMENT_RESPONSE,
    document_response,
    error_response,
    json_loads,
    panel_cors,
    register_error_handlers,
)
from core.models import DispatchStatus, PostId
from core.observability import MetricUnit, logger, metrics, tracer
from core.ports import SecretSealer
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.responders import (
    AgencyStatusReport,
    NotResponding,
    PostDirectory,
    ResponderService,
    ResponderView,
    StatusReport,
)
from core.sealing import KmsSealer
from core.secrets import load_responder_secrets
from core.settings import get_settings

OPENAPI_FILE = Path(__file__).with_name("openapi.json")
API_TITLE = "Respon 112 — responders' API"
API_VERSION = "1.0.0"
MAX_SIGNED_BODY = 4096
_POST_ID: TypeAdapter[str] = TypeAdapter(PostId)  # a status and a note of 500 characters fit many times over

# The responders' page is served with the panel (CloudFront) and calls here: its origins only.
app = APIGatewayRestResolver(
    enable_validation=True, cors=panel_cors(allow_headers=["Content-Type"]), json_body_deserializer=json_loads
)
register_error_handlers(app)
_tracer = tracer()

Token = Annotated[
    str,
    PathParam(
        pattern=responder_links.TOKEN_PATTERN,
        max_length=responder_links.MAX_TOKEN_LENGTH,
        description="The link's token (after #t= in the link)",
    ),
]


@dataclass(frozen=True)
class Ports:
    service: ResponderService
    directory: PostDirectory
    sealer: SecretSealer  # opens a post's shared secret
    link_key: Callable[[], str]
    clock: Clock = utc_now


class Unverified(Exception):
    """A status whose signature does not hold: 401, nothing read further."""


def _ports() -> Ports:
    ports: Ports = app.context["ports"]
    return ports


@app.exception_handler([IncidentNotFound, NotResponding, responder_links.InvalidToken])
def _not_found(error: Exception) -> Response[Any]:
    # One answer for a forged, expired or unrelated link: it tells a prober nothing.
    logger.info("responder link refused", extra={"why": type(error).__name__})
    metrics.add_metric(name="ResponderLinkRefused", unit=MetricUnit.Count, value=1)
    return error_response(
        HTTPStatus.NOT_FOUND, "tautan tidak berlaku atau sudah kedaluwarsa (link not valid)"
    )


@app.exception_handler(Unverified)
def _unverified(_: Unverified) -> Response[Any]:
    metrics.add_metric(name="AgencyStatusUnsigned", unit=MetricUnit.Count, value=1)
    return error_response(HTTPStatus.UNAUTHORIZED, "signature")


@app.exception_handler([IllegalTransition, ConcurrentModification])
def _conflict(error: Exception) -> Response[Any]:
    code = "ILLEGAL_TRANSITION" if isinstance(error, IllegalTransition) else "CONFLICT"
    return error_response(HTTPStatus.CONFLICT, str(error), code=code)


def _grant(token: str) -> responder_links.ResponderGrant:
    ports = _ports()
    return responder_links.verify(ports.link_key(), token, ports.clock())


@app.get(
    "/respond/<token>",
    tags=["responders"],
    summary="What a post's page shows: the incident, as responders need it, and where its response stands",
    responses={404: {"description": "The link is malformed, forged or expired"}},
)
def show(token: Token) -> ResponderView:
    grant = _grant(token)
    expires = datetime.fromtimestamp(grant.expires_at, UTC)
    return _ports().service.view(grant.incident_id, grant.post_id, expires)


@app.post(
    "/respond/<token>",
    tags=["responders"],
    summary="A post reports its status (Diterima, Dalam perjalanan, Tiba di lokasi, Selesai)",
    responses={
        404: {"description": "The link is malformed, forged or expired"},
        409: {"description": "The incident is closed, or another writer won the race: read it again"},
        422: {"description": "Not a status a post reports"},
    },
)
def report(token: Token, request: Annotated[StatusReport, Body()]) -> ResponderView:
    grant = _grant(token)
    ports = _ports()
    _record(ports, grant.incident_id, grant.post_id, request)
    expires = datetime.fromtimestamp(grant.expires_at, UTC)
    return ports.service.view(grant.incident_id, grant.post_id, expires)


def _record(ports: Ports, incident_id: str, post_id: str, request: StatusReport) -> None:
    if request.status is DispatchStatus.NOTIFIED:
        raise InvalidRequest("status", "NOTIFIED is where a dispatch starts; report ACKNOWLEDGED or later")
    incident, agency = ports.service.report(incident_id, post_id, request.status, request.note)
    metrics.add_metric(
        name="AgencyStatusRepeated" if incident is None else "AgencyStatusReported",
        unit=MetricUnit.Count,
        value=1,
    )
    logger.info(
        "agency status",
        extra={"incident_id": incident_id, "post": post_id, "agency": agency, "status": request.status},
    )


@app.post(
    "/agency/status",
    tags=["agencies"],
    summary="An agency's system reports a post's status, signed with the post's shared secret",
    responses={
        401: {"description": "Signature missing, wrong, or its timestamp outside 5 minutes"},
        404: {"description": "The post was not sent this incident"},
        409: {"description": "The incident is closed, or another writer won the race: read it again"},
    },
)
def agency_status() -> dict[str, Any]:
    ports = _ports()
    event = app.current_event
    post_id = event.headers.get(signing.POST_HEADER) or ""
    raw = (event.body or "").encode("utf-8")
    request = _verified(ports, post_id, raw)
    _record(ports, request.incident_id, post_id, request)
    view = ports.service.view(request.incident_id, post_id)
    return {"incidentId": view.incident_id, "agency": view.agency, "status": view.status.value}


def _verified(ports: Ports, post_id: str, raw: bytes) -> AgencyStatusReport:
    """The body, once its signature holds with the post's secret; Unverified before anything else."""
    headers = app.current_event.headers
    if len(raw) > MAX_SIGNED_BODY or not post_id or len(post_id) > 64:
        raise Unverified
    try:
        _POST_ID.validate_python(post_id)
    except ValidationError:
        raise Unverified from None
    post = ports.directory.get_post(post_id)
    if post is None or post.sealed_secret is None:
        raise Unverified
    secret = ports.sealer.unseal(post.id, post.sealed_secret)
    problem = signing.verify(
        secret,
        headers.get(signing.TIMESTAMP_HEADER),
        headers.get(signing.SIGNATURE_HEADER),
        raw,
        int(ports.clock().timestamp()),
    )
    if problem:
        logger.info("agency status refused", extra={"post": post_id, "why": problem})
        raise Unverified
    try:
        return AgencyStatusReport.model_validate(json_loads(raw))
    except (ValueError, ValidationError) as error:
        detail = error.errors() if isinstance(error, ValidationError) else [{"msg": str(error)}]
        raise BodyRefused(detail) from None


class BodyRefused(Exception):
    def __init__(self, detail: list[Any]) -> None:
        super().__init__("invalid status")
        self.detail = [{"loc": ["body", *d.get("loc", ())], "msg": d.get("msg", "")} for d in detail]


@app.exception_handler(BodyRefused)
def _body_refused(error: BodyRefused) -> Response[Any]:
    return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid request", detail=error.detail)


# -- the OpenAPI document ---------------------------------------------------------------------------


@app.get("/agency/openapi.json", tags=["meta"], summary="This document (public)", responses=DOCUMENT_RESPONSE)
def openapi() -> Response[str]:
    return document_response(OPENAPI_FILE)


def openapi_schema() -> dict[str, Any]:
    """The routes' document, with the signed route's body and headers (read raw, so Powertools cannot
    declare them)."""
    document: dict[str, Any] = json.loads(app.get_openapi_json_schema(title=API_TITLE, version=API_VERSION))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["AgencyStatusReport"] = AgencyStatusReport.model_json_schema(
        by_alias=True, ref_template="#/components/schemas/{model}"
    )
    operation = document["paths"]["/agency/status"]["post"]
    operation["parameters"] = [
        {"name": name, "in": "header", "required": True, "schema": {"type": "string"}, "description": text}
        for name, text in (
            (signing.POST_HEADER, "The post's id in the directory"),
            (signing.TIMESTAMP_HEADER, "Unix seconds when signed; refused beyond 5 minutes either way"),
            (signing.SIGNATURE_HEADER, "v1=<hex HMAC-SHA256 of '<timestamp>.<body>' with the post's secret>"),
        )
    ]
    operation["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AgencyStatusReport"}}},
    }
    return document


# -- entry point -----------------------------------------------------------------------------------------


@functools.cache
def default_ports() -> Ports:
    settings = get_settings()
    store = DynamoAgencyStore(settings.require("directory_table_name"), dynamodb_client())
    repository = DynamoIncidentRepository(settings.require("table_name"), dynamodb_client())
    secrets_name = settings.require("responder_secrets_name")
    return Ports(
        service=ResponderService(repository, store),
        directory=store,
        sealer=KmsSealer(settings.require("sealing_key_arn")),
        link_key=lambda: load_responder_secrets(secrets_name).link_key,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@_tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, ports: Ports | None = None
) -> dict[str, Any]:
    app.append_context(ports=ports or default_ports())
    return app.resolve(event, context)
