"""Callers: a number's recent incidents and its standing under the prank policy (operators and
supervisors), a supervisor's lift or imposition (audited), and the supervisors' list of numbers with a
standing now. A caller's history is personal data (UU 27/2022): only these groups read it, and the
number in the path is never logged (verify/api.py logs no path; the gateway's access log has the route).

Numbers go in the path in E.164, URL-encoded (`/callers/%2B6281234567890`); the local form (`0812…`) is
taken too and answered in E.164."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from core.callers import CallerHistory, StandingsPage
from core.errors import InvalidRequest
from core.phone import normalize_phone
from verify.routes.request import SECURED, CurrentOperator, CurrentSupervisor, Service, responses
from verify.schemas import StandingRequest

router = Router()

NumberParam = Annotated[
    str,
    Path(
        min_length=3,
        max_length=64,
        description="The caller's number in E.164, URL-encoded (%2B62…)",
        examples=["%2B6281234567890"],
    ),
]


def caller_number(raw: str) -> str:
    """The path's number in E.164, or 422 saying what a number looks like."""
    number = normalize_phone(unquote(raw))
    if number is None:
        problem = "not a phone number: use E.164, URL-encoded (%2B6281234567890)"
        raise InvalidRequest("number", problem, "path")
    return number


@router.get(
    "/callers",
    security=SECURED,
    tags=["callers"],
    summary="Supervisors: the numbers with a standing now (WARNED or DEMOTED), the soonest to end first",
    responses=responses("One page of current standings", 401, 403),
)
def list_standings(
    supervisor: CurrentSupervisor,
    service: Service,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=1024, description="nextCursor of the previous page")
    ] = None,
) -> StandingsPage:
    return service.callers.standings(limit, cursor)


@router.get(
    "/callers/<number>",
    security=SECURED,
    tags=["callers"],
    summary="A caller's recent incidents, standing and the supervisors' decisions about the number",
    responses=responses("The caller's history and standing", 401, 403),
)
def get_caller(operator: CurrentOperator, service: Service, number: NumberParam) -> CallerHistory:
    return service.callers.history(caller_number(number))


@router.post(
    "/callers/<number>/standing",
    security=SECURED,
    tags=["callers"],
    summary="Supervisors: lift a caller's standing (NORMAL) or impose WARNED or DEMOTED, with a reason",
    description="Audited on the number (its timeline) and on its open incident, whose flag follows. The "
    "same decision sent again by the same supervisor changes nothing. No standing ever keeps a 112 call "
    "from the operators: DEMOTED only queues it after a genuine caller waiting.",
    responses=responses("The caller's history and standing after the change", 400, 401, 403, 409),
)
def set_standing(
    supervisor: CurrentSupervisor,
    service: Service,
    number: NumberParam,
    request: Annotated[StandingRequest, Body()],
) -> CallerHistory:
    return service.callers.set_standing(
        caller_number(number), supervisor.username, request.standing, request.reason, request.until
    )
