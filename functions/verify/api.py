"""verify-api: the operators' REST API: queue, detail, and the verify workflow (claim, verify, reject, …).

Routes parse and validate (Powertools + pydantic), identify the operator from the Cognito claims, call
core, and shape the answer. Errors: 401 no/bad token, 403 not an operator, 404 unknown incident, 409
lost race or a move the lifecycle does not allow, 422 a body or parameter that fails validation.
"""

from __future__ import annotations

import functools
import json
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, SecurityScheme
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.directory import CognitoDirectory
from core.errors import (
    ConcurrentModification,
    IllegalTransition,
    IncidentNotFound,
    NotAssignee,
)
from core.http import (
    DOCUMENT_RESPONSE,
    document_response,
    error_response,
    json_loads,
    panel_cors,
    register_error_handlers,
)
from core.ids import ULID_PATTERN
from core.incidents import IncidentService, VerifyCommand
from core.messaging import SqsDispatchQueue
from core.models import (
    Agency,
    Channel,
    Incident,
    IncidentDetail,
    Location,
    OperatorAccount,
    Page,
    Rejection,
    Status,
)
from core.observability import logger, metrics, tracer
from core.ports import OperatorDirectory
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.settings import get_settings
from verify.auth import Operator, current_operator, current_supervisor
from verify.conditional import apply_conditional_get
from verify.schemas import (
    AcknowledgeRequest,
    CloseRequest,
    ErrorBody,
    ManualChannel,
    Me,
    OpenIncidentRequest,
    ReassignRequest,
    RejectRequest,
    VerifyRequest,
)

OPENAPI_FILE = Path(__file__).with_name("openapi.json")
API_TITLE = "Respon 112 — operators' API"
API_VERSION = "1.0.0"
SECURITY_SCHEMES: dict[str, SecurityScheme] = {
    "cognito": HTTPBearer(bearerFormat="JWT", description="Cognito user pool IdToken")
}
SECURED: list[dict[str, list[str]]] = [{"cognito": []}]


app = APIGatewayRestResolver(
    enable_validation=True,
    cors=panel_cors(allow_headers=["Authorization", "Content-Type"]),
    json_body_deserializer=json_loads,
)

IncidentIdParam = Annotated[str, PathParam(pattern=ULID_PATTERN, description="Incident id (ULID)")]
CurrentOperator = Annotated[Operator, Depends(current_operator)]
CurrentSupervisor = Annotated[Operator, Depends(current_supervisor)]

_tracer = tracer()


def _service() -> IncidentService:
    service: IncidentService = app.context["service"]
    return service


Service = Annotated[IncidentService, Depends(_service)]


def _directory() -> OperatorDirectory:
    directory: OperatorDirectory = app.context["directory"]
    return directory


Directory = Annotated[OperatorDirectory, Depends(_directory)]


def _responses(ok: str, *codes: int, status: int = 200) -> dict[int, Any]:
    """OpenAPI responses: the success (schema from the return annotation) and the errors it may give."""
    described = {
        400: "The body is not JSON (or not UTF-8)",
        401: "No token, or a token the user pool did not sign",
        403: "The user is not in a group allowed to do this",
        404: "No such incident",
        409: "Lost a race, or the incident is not in a state that allows this",
    }
    errors = {
        code: {"description": described[code], "content": {"application/json": {"model": ErrorBody}}}
        for code in codes
    }
    return {status: {"description": ok}, **errors}


# -- errors ----------------------------------------------------------------------------------------


@app.exception_handler(IncidentNotFound)
def _not_found(error: IncidentNotFound) -> Response[Any]:
    return error_response(HTTPStatus.NOT_FOUND, str(error))


@app.exception_handler([IllegalTransition, NotAssignee, ConcurrentModification])
def _conflict(error: Exception) -> Response[Any]:
    code = {IllegalTransition: "ILLEGAL_TRANSITION", NotAssignee: "CLAIMED_BY_OTHER"}.get(
        type(error), "CONFLICT"
    )
    extra = {"assignedTo": error.assigned_to} if isinstance(error, NotAssignee) else {}
    return error_response(HTTPStatus.CONFLICT, str(error), code=code, **extra)


register_error_handlers(app)


# -- routes ----------------------------------------------------------------------------------------


@app.get(
    "/openapi.json",
    tags=["meta"],
    summary="This document (public: it describes the API, it holds no data)",
    responses=DOCUMENT_RESPONSE,
)
def openapi() -> Response[str]:
    return document_response(OPENAPI_FILE)


def openapi_schema() -> dict[str, Any]:
    """The document the routes below describe; tests compare it with the committed openapi.json."""
    document: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(title=API_TITLE, version=API_VERSION, security_schemes=SECURITY_SCHEMES)
    )
    return document


@app.get(
    "/me",
    security=SECURED,
    tags=["operators"],
    summary="The signed-in operator",
    responses=_responses("Who you are", 401, 403),
)
def me(operator: CurrentOperator) -> Me:
    return Me(username=operator.username, groups=sorted(operator.groups))


@app.get(
    "/operators",
    security=SECURED,
    tags=["operators"],
    summary="Operators and supervisors (to hand an incident over)",
    responses=_responses("Everyone in the operator and supervisor groups", 401, 403),
)
def list_operators(operator: CurrentOperator, directory: Directory) -> list[OperatorAccount]:
    return directory.operators()


@app.get(
    "/incidents",
    security=SECURED,
    tags=["incidents"],
    summary="The queue: incidents in one status, oldest first",
    responses=_responses("One page of the queue", 401, 403),
)
def list_incidents(
    operator: CurrentOperator,
    service: Service,
    status: Annotated[Status, Query(description="Status to list")] = Status.RECEIVED,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=1024, description="nextCursor of the previous page")
    ] = None,
) -> Page:
    return service.queue(status, limit, cursor)


@app.post(
    "/incidents",
    security=SECURED,
    tags=["incidents"],
    summary="Open an incident by hand (walk-in, radio), or the incident of a 112 call that has none",
    description="201 with a new incident; 200 with the one that already existed: the same "
    "`clientRequestId` again, or (VOICE) a call the intake or another operator already registered.",
    status_code=201,
    responses={
        **_responses("The new incident, RECEIVED", 400, 401, 403, status=201),
        200: {
            "description": "The incident that already existed for this request or call",
            "content": {"application/json": {"model": Incident}},
        },
    },
)
def open_incident(
    operator: CurrentOperator, service: Service, request: Annotated[OpenIncidentRequest, Body()]
) -> Response[Incident]:
    if request.channel is ManualChannel.VOICE:
        assert request.contact_id is not None  # the schema requires it for VOICE
        incident, created = service.open_call(operator.username, request.contact_id, caller=request.caller)
    else:
        assert request.summary is not None  # the schema requires it for the other channels
        incident, created = service.open_by_hand(
            operator.username,
            Channel(request.channel),
            request.summary,
            caller=request.caller,
            location=Location.model_validate(request.location.model_dump()) if request.location else None,
            client_request_id=request.client_request_id,
        )
    status = HTTPStatus.CREATED if created else HTTPStatus.OK
    return Response(status_code=int(status), content_type=content_types.APPLICATION_JSON, body=incident)


@app.get(
    "/incidents/<incident_id>",
    security=SECURED,
    tags=["incidents"],
    summary="An incident with its timeline and dispatches",
    responses=_responses("The incident, its timeline and dispatches", 401, 403, 404),
)
def get_incident(operator: CurrentOperator, service: Service, incident_id: IncidentIdParam) -> IncidentDetail:
    return service.detail(incident_id)


@app.post(
    "/incidents/<incident_id>/claim",
    security=SECURED,
    tags=["workflow"],
    summary="Take an incident for review (RECEIVED → IN_REVIEW)",
    responses=_responses("The incident after the change", 401, 403, 404, 409),
)
def claim(operator: CurrentOperator, service: Service, incident_id: IncidentIdParam) -> Incident:
    return service.claim(incident_id, operator.username)


@app.post(
    "/incidents/<incident_id>/reassign",
    security=SECURED,
    tags=["workflow"],
    summary="Supervisors: hand an incident under review to another operator (IN_REVIEW → IN_REVIEW)",
    responses=_responses("The incident after the change", 400, 401, 403, 404, 409),
)
def reassign(
    supervisor: CurrentSupervisor,
    service: Service,
    directory: Directory,
    incident_id: IncidentIdParam,
    request: Annotated[ReassignRequest, Body()],
) -> Incident:
    return service.reassign(incident_id, supervisor.username, request.assignee, directory)


@app.post(
    "/incidents/<incident_id>/verify",
    security=SECURED,
    tags=["workflow"],
    summary="Confirm an emergency, grade A1, and dispatch it (IN_REVIEW → VERIFIED)",
    responses=_responses("The incident after the change", 400, 401, 403, 404, 409),
)
def verify(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[VerifyRequest, Body()],
) -> Incident:
    command = VerifyCommand(
        category=request.category,
        priority=request.priority,
        location=Location.model_validate(request.location.model_dump()),
        summary=request.summary,
        agencies=tuple(request.agencies or ()),
    )
    return service.verify(incident_id, operator.username, command)


@app.post(
    "/incidents/<incident_id>/reject",
    security=SECURED,
    tags=["workflow"],
    summary="Reject as prank, non-emergency or duplicate (IN_REVIEW → REJECTED)",
    responses=_responses("The incident after the change", 400, 401, 403, 404, 409),
)
def reject(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[RejectRequest, Body()],
) -> Incident:
    return service.reject(incident_id, operator.username, Rejection.model_validate(request.model_dump()))


@app.post(
    "/incidents/<incident_id>/dispatches/<agency>/acknowledge",
    security=SECURED,
    tags=["workflow"],
    summary="Record that an agency confirmed it is responding",
    responses=_responses("The incident after the change", 400, 401, 403, 404, 409),
)
def acknowledge(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    agency: Annotated[Agency, PathParam()],
    request: Annotated[AcknowledgeRequest | None, Body()] = None,
) -> Incident:
    return service.acknowledge(incident_id, agency, operator.username, request.note if request else None)


@app.post(
    "/incidents/<incident_id>/close",
    security=SECURED,
    tags=["workflow"],
    summary="Close an acknowledged incident with its outcome (ACKNOWLEDGED → CLOSED)",
    responses=_responses("The incident after the change", 400, 401, 403, 404, 409),
)
def close(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[CloseRequest, Body()],
) -> Incident:
    return service.close(incident_id, operator.username, request.note)


# -- entry point -----------------------------------------------------------------------------------


@functools.cache
def default_service() -> IncidentService:
    settings = get_settings()
    repository = DynamoIncidentRepository(settings.require("table_name"), dynamodb_client())
    queue = SqsDispatchQueue(settings.require("dispatch_queue_url"))
    return IncidentService(repository, settings.regency, queue)


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
) -> dict[str, Any]:
    # The directory is built on first use: only /operators and reassign need Cognito.
    app.append_context(service=service or default_service(), directory=directory or _LazyDirectory())
    return apply_conditional_get(APIGatewayProxyEvent(event), app.resolve(event, context))


class _LazyDirectory:
    def operators(self) -> list[OperatorAccount]:
        return default_directory().operators()
