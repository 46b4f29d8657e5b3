"""One emergency, many reports (docs/related.md): the open incidents probably the same emergency as this
one, attaching it to one of them (its report joins theirs, it ends ATTACHED), a supervisor's detach of a
mistaken attach, and operators' notes on any open incident."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from core.models import Incident
from core.related import AttachResult, Related
from verify.routes.request import (
    SECURED,
    CurrentOperator,
    CurrentSupervisor,
    IncidentIdParam,
    Service,
    responses,
)
from verify.schemas import AttachRequest, DetachRequest, NoteRequest

router = Router()


@router.get(
    "/incidents/<incident_id>/related",
    security=SECURED,
    tags=["related"],
    summary="Open incidents of the last hour that are probably the same emergency, best first",
    description="Within about 1 km (incident point or handset position), in the same kecamatan or from "
    "the same number; two different known categories are two emergencies. Each says why it matched.",
    responses=responses("The suggestions, best first", 401, 403, 404),
)
def related(operator: CurrentOperator, service: Service, incident_id: IncidentIdParam) -> Related:
    return service.related.suggest(incident_id)


@router.post(
    "/incidents/<incident_id>/attach",
    security=SECURED,
    tags=["related"],
    summary="Attach the incident to an open one: its report joins the parent's (RECEIVED | IN_REVIEW → "
    "ATTACHED)",
    description="One transaction over both incidents, conditional on both versions: a race answers 409. "
    "Sent again after it succeeded, it answers the same. With tellAgencies, a dispatched parent's posts are "
    "sent what the report adds.",
    responses=responses("Both incidents after the change", 400, 401, 403, 404, 409),
)
def attach(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[AttachRequest, Body()],
) -> AttachResult:
    return service.attach(incident_id, request.parent_id, operator.username, request.tell_agencies)


@router.post(
    "/incidents/<incident_id>/detach",
    security=SECURED,
    tags=["related"],
    summary="Supervisors: undo a mistaken attach (ATTACHED → IN_REVIEW); its report leaves the parent",
    responses=responses("Both incidents after the change", 400, 401, 403, 404, 409),
)
def detach(
    supervisor: CurrentSupervisor,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[DetachRequest, Body()],
) -> AttachResult:
    return service.related.detach(incident_id, supervisor.username, request.reason)


@router.post(
    "/incidents/<incident_id>/notes",
    security=SECURED,
    tags=["related"],
    summary="Add a note to an open incident (its status unchanged); it is in the timeline",
    description="Once dispatched, the agencies' posts are sent it too (unless tellAgencies is false).",
    responses=responses("The incident after the change", 400, 401, 403, 404, 409),
)
def add_note(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[NoteRequest, Body()],
) -> Incident:
    return service.note(incident_id, operator.username, request.text, request.tell_agencies)
