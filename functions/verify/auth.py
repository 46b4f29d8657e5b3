"""Who is calling: the Cognito user API Gateway's authorizer verified, and whether they may act.

API Gateway's Cognito authorizer rejects a missing or bad token with 401 before this function runs and
passes the token's claims in `requestContext.authorizer.claims`; the local gateway does the same.
These checks are the second line: no claims means 401, a user outside the groups a route admits means
403. Operators and supervisors work incidents and read the agency directory; the `admin` group changes the
directory (and reads it), and opens nothing else (docs/decisions.md 32).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_lambda_powertools.event_handler import Request
from aws_lambda_powertools.event_handler.exceptions import ForbiddenError, UnauthorizedError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

OPERATOR_GROUPS = frozenset({"operator", "supervisor"})
ADMIN_GROUP = "admin"
DIRECTORY_READERS = OPERATOR_GROUPS | {ADMIN_GROUP}


@dataclass(frozen=True)
class Operator:
    username: str
    groups: frozenset[str]

    @property
    def is_supervisor(self) -> bool:
        return "supervisor" in self.groups


def parse_groups(raw: object) -> frozenset[str]:
    """`cognito:groups` arrives as a list (a raw token) or a string (API Gateway: "a,b" or "[a b]")."""
    if isinstance(raw, list):
        return frozenset(str(g) for g in raw)
    if isinstance(raw, str):
        return frozenset(g for g in re.split(r"[\s,\[\]]+", raw) if g)
    return frozenset()


def current_reader(request: Request) -> Operator:
    """Anyone who may read the agency directory: operators and supervisors (to phone a post), admins."""
    return _member(request, DIRECTORY_READERS, "the operator, supervisor or admin group")


def current_admin(request: Request) -> Operator:
    """Who may change the agency directory: the admin group only."""
    return _member(request, frozenset({ADMIN_GROUP}), "the admin group")


def current_supervisor(request: Request) -> Operator:
    operator = current_operator(request)
    if not operator.is_supervisor:
        raise ForbiddenError(f"user {operator.username} is not a supervisor")
    return operator


def current_operator(request: Request) -> Operator:
    return _member(request, OPERATOR_GROUPS, "the operator or supervisor group")


def _member(request: Request, admitted: frozenset[str], which: str) -> Operator:
    event = request.resolved_event
    claims = event.request_context.authorizer.claims if isinstance(event, APIGatewayProxyEvent) else None
    claims = claims or {}
    username = claims.get("cognito:username") or claims.get("username")
    if not username:
        raise UnauthorizedError("Unauthorized")
    groups = parse_groups(claims.get("cognito:groups"))
    if not groups & admitted:
        raise ForbiddenError(f"user {username} is not in {which}")
    return Operator(username=str(username), groups=groups)
