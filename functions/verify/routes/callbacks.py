"""The callback desk (docs/callbacks.md): the abandoned and silent calls awaiting a call back, oldest first;
each attempt an operator makes and its outcome; closing one as unreachable after the regency's number of
failed attempts; and marking a call silent (an open line, nobody speaks), which puts it on the desk unless
the caller pressed the flow's "cannot speak" key."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from core.callbacks import CallbackPage
from core.models import Incident
from verify.routes.request import SECURED, CurrentOperator, IncidentIdParam, Service, responses
from verify.schemas import CallbackRequest, SilentRequest, UnreachableRequest

router = Router()


@router.get(
    "/callbacks",
    security=SECURED,
    tags=["callbacks"],
    summary="The callback desk: abandoned and silent calls awaiting a call back, oldest first",
    description="Each with its failed attempts, how many the regency allows before closing it as "
    "unreachable, and the caller's other recent incidents.",
    responses=responses("One page of the desk", 401, 403),
)
def list_callbacks(
    operator: CurrentOperator,
    service: Service,
    limit: Annotated[int, Query(ge=1, le=50)] = 25,
    cursor: Annotated[
        str | None, Query(max_length=1024, description="nextCursor of the previous page")
    ] = None,
) -> CallbackPage:
    return service.desk.page(limit, cursor)


@router.post(
    "/incidents/<incident_id>/callbacks",
    security=SECURED,
    tags=["callbacks"],
    summary="Record a call back and its outcome (REACHED: RECEIVED or IN_REVIEW → IN_REVIEW, with you)",
    responses=responses("The incident after the attempt", 400, 401, 403, 404, 409),
)
def record_callback(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[CallbackRequest, Body()],
) -> Incident:
    return service.desk.record_attempt(
        incident_id, operator.username, request.outcome, request.note, request.client_attempt_id
    )


@router.post(
    "/incidents/<incident_id>/unreachable",
    security=SECURED,
    tags=["callbacks"],
    summary="Close as unreachable after the failed callbacks (→ REJECTED, reason UNREACHABLE)",
    responses=responses("The incident after the change", 400, 401, 403, 404, 409),
)
def close_unreachable(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[UnreachableRequest | None, Body()] = None,
) -> Incident:
    return service.desk.close_unreachable(incident_id, operator.username, request.note if request else None)


@router.post(
    "/incidents/<incident_id>/silent",
    security=SECURED,
    tags=["callbacks"],
    summary="Mark a call silent: an open line, nobody speaks (to the callback desk unless CANNOT_SPEAK)",
    responses=responses("The incident after the change", 400, 401, 403, 404, 409),
)
def mark_silent(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[SilentRequest | None, Body()] = None,
) -> Incident:
    return service.desk.mark_silent(incident_id, operator.username, request.note if request else None)
