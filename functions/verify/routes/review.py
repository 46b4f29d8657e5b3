"""The review of an incident: an operator claims it (RECEIVED → IN_REVIEW), a supervisor may hand it to
another operator, and the review ends in a verification (A1: dispatched) or a rejection."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from core.models import Incident, Rejection
from verify.routes.request import (
    SECURED,
    CurrentOperator,
    CurrentSupervisor,
    Directory,
    IncidentIdParam,
    Service,
    responses,
)
from verify.schemas import ReassignRequest, RejectRequest, VerifyRequest

router = Router()


@router.post(
    "/incidents/<incident_id>/claim",
    security=SECURED,
    tags=["workflow"],
    summary="Take an incident for review (RECEIVED → IN_REVIEW)",
    responses=responses("The incident after the change", 401, 403, 404, 409),
)
def claim(operator: CurrentOperator, service: Service, incident_id: IncidentIdParam) -> Incident:
    return service.claim(incident_id, operator.username)


@router.post(
    "/incidents/<incident_id>/reassign",
    security=SECURED,
    tags=["workflow"],
    summary="Supervisors: hand an incident under review to another operator (IN_REVIEW → IN_REVIEW)",
    responses=responses("The incident after the change", 400, 401, 403, 404, 409),
)
def reassign(
    supervisor: CurrentSupervisor,
    service: Service,
    directory: Directory,
    incident_id: IncidentIdParam,
    request: Annotated[ReassignRequest, Body()],
) -> Incident:
    return service.reassign(incident_id, supervisor.username, request.assignee, directory)


@router.post(
    "/incidents/<incident_id>/verify",
    security=SECURED,
    tags=["workflow"],
    summary="Confirm an emergency, grade A1, and dispatch it (IN_REVIEW → VERIFIED)",
    responses=responses("The incident after the change", 400, 401, 403, 404, 409),
)
def verify(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[VerifyRequest, Body()],
) -> Incident:
    return service.verify(incident_id, operator.username, request.command())


@router.post(
    "/incidents/<incident_id>/reject",
    security=SECURED,
    tags=["workflow"],
    summary="Reject as prank, non-emergency or duplicate (IN_REVIEW → REJECTED)",
    responses=responses("The incident after the change", 400, 401, 403, 404, 409),
)
def reject(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[RejectRequest, Body()],
) -> Incident:
    return service.reject(incident_id, operator.username, Rejection.model_validate(request.model_dump()))
