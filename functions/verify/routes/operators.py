"""GET /me and GET /operators: the people on the panel, who is signed in and whom an incident can be
handed to (a supervisor's reassign, in `review`)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from core.models import OperatorAccount
from verify.routes.request import SECURED, CurrentOperator, Directory, responses
from verify.schemas import Me

router = Router()


@router.get(
    "/me",
    security=SECURED,
    tags=["operators"],
    summary="The signed-in operator",
    responses=responses("Who you are", 401, 403),
)
def me(operator: CurrentOperator) -> Me:
    return Me(username=operator.username, groups=sorted(operator.groups))


@router.get(
    "/operators",
    security=SECURED,
    tags=["operators"],
    summary="Operators and supervisors (to hand an incident over)",
    responses=responses("Everyone in the operator and supervisor groups", 401, 403),
)
def list_operators(operator: CurrentOperator, directory: Directory) -> list[OperatorAccount]:
    return directory.operators()
