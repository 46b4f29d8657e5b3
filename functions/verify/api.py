"""verify-api: the operators' REST API: queue, detail, the verify workflow (claim, verify, reject, …),
callers' history and standing, and the agency directory, one Powertools Router per concern (verify/routes/),
included by this entry module.

Routes parse and validate (Powertools + pydantic), identify the operator from the Cognito claims, call
core, and shape the answer. Errors: 401 no/bad token, 403 not an operator, 404 unknown incident, 409
lost race or a move the lifecycle does not allow, 422 a body or parameter that fails validation.
"""

from __future__ import annotations

import functools
import json
from http import HTTPStatus
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, SecurityScheme
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.agency_directory import CachedDirectory, DirectoryService
from core.agency_store import DynamoAgencyStore
from core.directory import CognitoDirectory
from core.errors import (
    CannotWrite,
    ConcurrentModification,
    DirectoryConflict,
    EntryNotFound,
    IllegalTransition,
    IncidentNotFound,
    NotAssignee,
    ReplyNotQueued,
)
from core.http import (
    DOCUMENT_RESPONSE,
    document_response,
    error_response,
    json_loads,
    panel_cors,
    register_error_handlers,
)
from core.incidents import IncidentService
from core.messaging import SqsDispatchQueue, SqsReplyQueue
from core.models import OperatorAccount
from core.observability import logger, metrics, tracer
from core.ports import OperatorDirectory
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.rollups import Counts, Readings, Row
from core.sealing import KmsSealer
from core.settings import get_settings
from core.stats_store import DynamoAggregates
from verify.conditional import apply_conditional_get
from verify.routes import (
    agencies,
    amend,
    callbacks,
    callers,
    conversations,
    dispatches,
    incidents,
    major_incidents,
    operators,
    queue,
    related,
    reports,
    review,
    search,
    stats,
)

OPENAPI_FILE = Path(__file__).with_name("openapi.json")
API_TITLE = "Respon 112 — operators' API"
API_VERSION = "1.0.0"
SECURITY_SCHEMES: dict[str, SecurityScheme] = {
    "cognito": HTTPBearer(bearerFormat="JWT", description="Cognito user pool IdToken")
}
# Included in this order, after this module's own route, so the OpenAPI document keeps its order: Powertools
# lists the paths with parameters first, then the others, each in the order they were registered.
ROUTES = (
    operators,
    queue,
    incidents,
    review,
    dispatches,
    amend,
    callbacks,
    callers,
    related,
    conversations,
    major_incidents,
    agencies,
    stats,
    search,
    reports,
)

app = APIGatewayRestResolver(
    enable_validation=True,
    cors=panel_cors(allow_headers=["Authorization", "Content-Type"]),
    json_body_deserializer=json_loads,
)
_tracer = tracer()


# -- errors ----------------------------------------------------------------------------------------


@app.exception_handler([IncidentNotFound, EntryNotFound])
def _not_found(error: Exception) -> Response[Any]:
    return error_response(HTTPStatus.NOT_FOUND, str(error))


@app.exception_handler(
    [IllegalTransition, NotAssignee, ConcurrentModification, DirectoryConflict, CannotWrite]
)
def _conflict(error: Exception) -> Response[Any]:
    code = {IllegalTransition: "ILLEGAL_TRANSITION", NotAssignee: "CLAIMED_BY_OTHER"}.get(
        type(error), error.code if isinstance(error, CannotWrite) else "CONFLICT"
    )
    extra = {"assignedTo": error.assigned_to} if isinstance(error, NotAssignee) else {}
    return error_response(HTTPStatus.CONFLICT, str(error), code=code, **extra)


@app.exception_handler(ReplyNotQueued)
def _not_queued(error: ReplyNotQueued) -> Response[Any]:
    # Recorded on the incident; only the queue failed: the same request again queues it, once.
    response = error_response(HTTPStatus.SERVICE_UNAVAILABLE, str(error), code="NOT_QUEUED")
    response.headers["Retry-After"] = "2"
    return response


register_error_handlers(app)


# -- the OpenAPI document, then the routers --------------------------------------------------------


@app.get(
    "/openapi.json",
    tags=["meta"],
    summary="This document (public: it describes the API, it holds no data)",
    responses=DOCUMENT_RESPONSE,
)
def openapi() -> Response[str]:
    return document_response(OPENAPI_FILE)


for module in ROUTES:
    app.include_router(module.router)


def openapi_schema() -> dict[str, Any]:
    """The document the routes describe; tests compare it with the committed openapi.json."""
    document: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(title=API_TITLE, version=API_VERSION, security_schemes=SECURITY_SCHEMES)
    )
    return document


# -- entry point -----------------------------------------------------------------------------------


@functools.cache
def default_ports() -> tuple[IncidentService, DirectoryService]:
    settings = get_settings()
    repository = DynamoIncidentRepository(
        settings.require("table_name"), dynamodb_client(), lookup_timeout_ms=settings.caller_lookup_timeout_ms
    )
    dispatch_queue = SqsDispatchQueue(settings.require("dispatch_queue_url"))
    store = DynamoAgencyStore(settings.require("directory_table_name"), dynamodb_client())
    sealer = KmsSealer(settings.require("sealing_key_arn"))
    # Verification routes with a copy of the directory at most DIRECTORY_CACHE_SECONDS old; this
    # environment's own changes drop it at once (other environments' copies age out).
    copy = CachedDirectory(
        DirectoryService(store, settings.regency).snapshot, settings.directory_cache_seconds
    )
    directory = DirectoryService(store, settings.regency, sealer, on_change=copy.invalidate)
    service = IncidentService(
        repository,
        settings.regency,
        dispatch_queue,
        caller_policy=settings.caller_policy,
        agencies=copy.snapshot,
        replies=SqsReplyQueue(settings.require("reply_queue_url")),
        ack_deadlines=settings.ack_deadlines_seconds(),
    )
    return service, directory


def default_service() -> IncidentService:
    return default_ports()[0]


@functools.cache
def default_stats() -> Readings:
    return DynamoAggregates(get_settings().require("stats_table_name"), dynamodb_client())


@functools.cache
def default_directory() -> OperatorDirectory:
    return CognitoDirectory(get_settings().require("user_pool_id"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@_tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(
    event: dict[str, Any],
    context: LambdaContext,
    service: IncidentService | None = None,
    directory: OperatorDirectory | None = None,
    agencies: DirectoryService | None = None,
    stats: Readings | None = None,
) -> dict[str, Any]:
    # The routes read these from the context (verify/routes/request.py); the operators' directory is built
    # on first use (only /operators and reassign need Cognito), the agency directory
    # and the statistics too (only /stats, /search and /reports need the stats table).
    app.append_context(
        service=service or default_service(),
        directory=directory or _LazyDirectory(),
        agencies=(lambda: agencies) if agencies else (lambda: default_ports()[1]),
        stats=stats or _LazyStats(),
    )
    return apply_conditional_get(APIGatewayProxyEvent(event), app.resolve(event, context))


class _LazyDirectory:
    def operators(self) -> list[OperatorAccount]:
        return default_directory().operators()


class _LazyStats:
    def rows(self, month: str) -> list[Row]:
        return default_stats().rows(month)

    def hours(self, first: str, last: str) -> list[tuple[str, Counts]]:
        return default_stats().hours(first, last)

    def days(self, first: str, last: str) -> list[tuple[str, Counts]]:
        return default_stats().days(first, last)
