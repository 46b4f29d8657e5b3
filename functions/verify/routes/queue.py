"""GET /incidents: the queue the panel polls, one status at a time, oldest first, a page at a time (a
cursor, never an unbounded listing); verify/api.py answers an unchanged page with a 304."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from core.models import Page, Status
from verify.routes.request import SECURED, CurrentOperator, Service, responses

router = Router()


@router.get(
    "/incidents",
    security=SECURED,
    tags=["incidents"],
    summary="The queue: incidents in one status, oldest first",
    responses=responses("One page of the queue", 401, 403),
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
