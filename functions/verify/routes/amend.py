"""After verification (docs/api.md): an operator corrects an incident (what changed reaches its posts),
cancels a false alarm found later, and a supervisor reopens a wrong rejection or closing."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from core.models import Incident
from verify.routes.request import (
    SECURED,
    CurrentOperator,
    CurrentSupervisor,
    IncidentIdParam,
    Service,
    responses,
)
from verify.schemas import CancelRequest, ReopenRequest, UpdateRequest

router = Router()


@router.post(
    "/incidents/<incident_id>/update",
    security=SECURED,
    tags=["workflow"],
    summary="Correct a verified incident: location, category, priority, summary or agencies (status kept)",
    description="Once dispatched, each post is told what changed, once; a post added is dispatched to, a "
    "post left out is told it is withdrawn. An agency added to an ACKNOWLEDGED incident makes it DISPATCHED "
    "again until it confirms. Sent again after it succeeded (nothing differs), it changes nothing.",
    responses=responses("The incident after the change", 400, 401, 403, 404, 409),
)
def update(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[UpdateRequest, Body()],
) -> Incident:
    return service.update(incident_id, operator.username, request.command())


@router.post(
    "/incidents/<incident_id>/cancel",
    security=SECURED,
    tags=["workflow"],
    summary="Cancel a false alarm found after verification (VERIFIED | DISPATCHED | ACKNOWLEDGED → CLOSED)",
    description="The incident is closed with its cancellation; every post it was sent to is told to stand "
    "down, with the reason. Sent again with the same reason, it answers the same.",
    responses=responses("The incident after the change", 400, 401, 403, 404, 409),
)
def cancel(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[CancelRequest, Body()],
) -> Incident:
    return service.cancel(incident_id, operator.username, request.reason)


@router.post(
    "/incidents/<incident_id>/reopen",
    security=SECURED,
    tags=["workflow"],
    summary="Supervisors: reopen a wrong rejection or closing (REJECTED | CLOSED → IN_REVIEW, or back to "
    "DISPATCHED | ACKNOWLEDGED)",
    description="A rejected incident, or a closed one never dispatched, goes back to review held by you; a "
    "closed one that was dispatched goes back to where its agencies stand, and they are told. A PRANK or "
    "SILENT rejection reopened no longer counts against the caller's number. Sent again after it succeeded "
    "(the same reason), it answers the same.",
    responses=responses("The incident after the change", 400, 401, 403, 404, 409),
)
def reopen(
    supervisor: CurrentSupervisor,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[ReopenRequest, Body()],
) -> Incident:
    return service.reopen(incident_id, supervisor.username, request.reason)
