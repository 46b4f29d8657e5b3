"""Major incidents (docs/api.md#major-incidents): a supervisor declares one emergency, for an area, with a
message every 112 caller hears before the queue while it is active; ends it with a reason. Every operator
reads which are active (the panel's banner); only supervisors declare and end. Each declaration and end is
audited on the parent incident's timeline, in one transaction with the active list: a race answers 409."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from core.ids import ULID_PATTERN
from core.major_incidents import ActiveMajorIncidents, DeclareMajorIncident, EndMajorIncident, MajorIncident
from verify.routes.request import SECURED, CurrentOperator, CurrentSupervisor, Service, responses

router = Router()

MajorIdParam = Annotated[str, Path(pattern=ULID_PATTERN, description="The major incident's id (ULID)")]


@router.get(
    "/major-incidents",
    security=SECURED,
    tags=["major-incidents"],
    summary="The major incidents active now, newest first (at most maxActive)",
    description="Every 112 caller hears their messages before the queue; new incidents in their area "
    "are offered their parent first (GET /incidents/{id}/related, reason MAJOR_INCIDENT).",
    responses=responses("The active declarations", 401, 403),
)
def active(operator: CurrentOperator, service: Service) -> ActiveMajorIncidents:
    return service.major.active()


@router.post(
    "/major-incidents",
    security=SECURED,
    tags=["major-incidents"],
    summary="Supervisors: declare a major incident (its parent, an area, a message in Bahasa Indonesia)",
    description="The parent must be IN_REVIEW, VERIFIED, DISPATCHED or ACKNOWLEDGED. The area is a "
    "kecamatan (`district`) or a circle (`lat`, `lon`, `radiusMeters`, 100-20000). The message is read "
    "aloud to every 112 caller before the queue. Audited on the parent (MAJOR_INCIDENT). Sent again by the "
    "same supervisor, it answers the declaration made; another one for the same parent, or more than "
    "maxActive at once, is 409.",
    responses=responses("The declaration", 400, 401, 403, 409),
)
def declare(
    supervisor: CurrentSupervisor,
    service: Service,
    request: Annotated[DeclareMajorIncident, Body()],
) -> MajorIncident:
    return service.major.declare(supervisor.username, request)


@router.post(
    "/major-incidents/<major_id>/end",
    security=SECURED,
    tags=["major-incidents"],
    summary="Supervisors: end a major incident, with a reason (audited on its parent)",
    description="Callers stop hearing its message from the next call. Recorded on the parent as "
    "MAJOR_INCIDENT_END whatever the parent's status. 404 when it is not active (ended already).",
    responses=responses("The declaration that ended", 400, 401, 403, 404, 409),
)
def end(
    supervisor: CurrentSupervisor,
    service: Service,
    major_id: MajorIdParam,
    request: Annotated[EndMajorIncident, Body()],
) -> MajorIncident:
    return service.major.end(supervisor.username, major_id, request.reason)
