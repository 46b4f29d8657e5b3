"""POST /incidents and GET /incidents/{id}: an incident an operator opens by hand (a walk-in, the radio,
or a 112 call that reached them without its incident), and one incident with its timeline and dispatches."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from core.models import Channel, Incident, IncidentDetail, Location
from verify.routes.request import SECURED, CurrentOperator, IncidentIdParam, Service, responses
from verify.schemas import ManualChannel, OpenIncidentRequest

router = Router()


@router.post(
    "/incidents",
    security=SECURED,
    tags=["incidents"],
    summary="Open an incident by hand (walk-in, radio), or the incident of a 112 call that has none",
    description="201 with a new incident; 200 with the one that already existed: the same "
    "`clientRequestId` again, or (VOICE) a call the intake or another operator already registered.",
    status_code=201,
    responses={
        **responses("The new incident, RECEIVED", 400, 401, 403, status=201),
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


@router.get(
    "/incidents/<incident_id>",
    security=SECURED,
    tags=["incidents"],
    summary="An incident with its timeline and dispatches",
    responses=responses("The incident, its timeline and dispatches", 401, 403, 404),
)
def get_incident(operator: CurrentOperator, service: Service, incident_id: IncidentIdParam) -> IncidentDetail:
    return service.detail(incident_id)
