"""Who is calling: the Cognito user API Gateway's authorizer verified, and whether they may act.

API Gateway's Cognito authorizer rejects a missing or bad token with 401 before this function runs and
passes the token's claims in `requestContext.authorizer.claims`; the local gateway does the same.
These checks are the second line: no claims means 401, a user outside the operators' groups means 403.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_lambda_powertools.event_handler import Request
from aws_lambda_powertools.event_handler.exceptions import ForbiddenError, UnauthorizedError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

OPERATOR_GROUPS = frozenset({"operator", "supervisor"})


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


def current_supervisor(request: Request) -> Operator:
    operator = current_operator(request)
    if not operator.is_supervisor:
        raise ForbiddenError(f"user {operator.username} is not a supervisor")
    return operator


def current_operator(request: Request) -> Operator:
    event = request.resolved_event
    claims = event.request_context.authorizer.claims if isinstance(event, APIGatewayProxyEvent) else None
    claims = claims or {}
    username = claims.get("cognito:username") or claims.get("username")
    if not username:
        raise UnauthorizedError("Unauthorized")
    groups = parse_groups(claims.get("cognito:groups"))
    if not groups & OPERATOR_GROUPS:
        raise ForbiddenError(f"user {username} is not in the operator or supervisor group")
    return Operator(username=str(username), groups=groups)
