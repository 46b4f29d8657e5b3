"""After the dispatch: an operator records each agency's acknowledgement (the last one makes the incident
ACKNOWLEDGED) and closes the incident with its outcome."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from core.models import AGENCY_CODE_PATTERN, Incident
from verify.routes.request import SECURED, CurrentOperator, IncidentIdParam, Service, responses
from verify.schemas import AcknowledgeRequest, CloseRequest

router = Router()


@router.post(
    "/incidents/<incident_id>/dispatches/<agency>/acknowledge",
    security=SECURED,
    tags=["workflow"],
    summary="Record that an agency confirmed it is responding",
    responses=responses("The incident after the change", 400, 401, 403, 404, 409),
)
def acknowledge(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    agency: Annotated[str, Path(pattern=AGENCY_CODE_PATTERN, max_length=32, description="Agency type code")],
    request: Annotated[AcknowledgeRequest | None, Body()] = None,
) -> Incident:
    return service.acknowledge(incident_id, agency, operator.username, request.note if request else None)


@router.post(
    "/incidents/<incident_id>/close",
    security=SECURED,
    tags=["workflow"],
    summary="Close an incident with its outcome, by hand (the reason) before every agency confirmed too",
    responses=responses("The incident after the change", 400, 401, 403, 404, 409),
)
def close(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[CloseRequest, Body()],
) -> Incident:
    return service.close(incident_id, operator.username, request.note)
