"""What every verify-api route works with: who is asking (Depends on verify/auth.py, per route), the
ports verify/api.py set for this invocation (the incident service, the operators' directory, the agency
directory), the incident id as a path parameter, and the errors a route may answer, for its OpenAPI
responses.

Routes take these as annotated parameters, so Powertools resolves them per request and the OpenAPI
document declares each route's security and errors where the route is written. verify/api.py answers the
domain's errors (404, 409) and puts the ports in the resolver's context before it resolves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Request
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from core.agency_directory import DirectoryService
from core.ids import ULID_PATTERN
from core.incidents import IncidentService
from core.ports import OperatorDirectory
from core.rollups import Readings
from verify.auth import Operator, current_admin, current_operator, current_reader, current_supervisor
from verify.schemas import ErrorBody

SECURED: list[dict[str, list[str]]] = [{"cognito": []}]  # the scheme verify/api.py declares

IncidentIdParam = Annotated[str, Path(pattern=ULID_PATTERN, description="Incident id (ULID)")]
CurrentOperator = Annotated[Operator, Depends(current_operator)]
CurrentSupervisor = Annotated[Operator, Depends(current_supervisor)]
CurrentReader = Annotated[Operator, Depends(current_reader)]  # reads the agency directory
CurrentAdmin = Annotated[Operator, Depends(current_admin)]  # changes it


def incident_service(request: Request) -> IncidentService:
    service: IncidentService = request.context["service"]
    return service


def operator_directory(request: Request) -> OperatorDirectory:
    directory: OperatorDirectory = request.context["directory"]
    return directory


def agency_directory(request: Request) -> DirectoryService:
    agencies: Callable[[], DirectoryService] = request.context["agencies"]  # built on first use
    return agencies()


def statistics_store(request: Request) -> Readings:
    found: Readings = request.context["stats"]
    return found


Service = Annotated[IncidentService, Depends(incident_service)]
StatsStore = Annotated[Readings, Depends(statistics_store)]
Directory = Annotated[OperatorDirectory, Depends(operator_directory)]
Agencies = Annotated[DirectoryService, Depends(agency_directory)]

ERRORS = {
    400: "The body is not JSON (or not UTF-8)",
    401: "No token, or a token the user pool did not sign",
    403: "The user is not in a group allowed to do this",
    404: "No such incident",
    409: "Lost a race, or the incident is not in a state that allows this",
}
DIRECTORY_ERRORS = {
    **ERRORS,
    403: "Reading: not an operator, supervisor or admin. Changing: not in the admin group",
    404: "No such agency type or post",
    409: "It exists already, or it changed since you read it (the version you sent is not its version)",
}


def responses(ok: str, *codes: int, status: int = 200) -> dict[int, Any]:
    """OpenAPI responses: the success (schema from the return annotation) and the errors it may give."""
    return _responses(ERRORS, ok, codes, status)


def directory_responses(ok: str, *codes: int, status: int = 200) -> dict[int, Any]:
    """As `responses`, for the agency directory's routes (their 403, 404 and 409 say other things)."""
    return _responses(DIRECTORY_ERRORS, ok, codes, status)


def _responses(texts: dict[int, str], ok: str, codes: tuple[int, ...], status: int) -> dict[int, Any]:
    errors = {
        code: {"description": texts[code], "content": {"application/json": {"model": ErrorBody}}}
        for code in codes
    }
    return {status: {"description": ok}, **errors}
