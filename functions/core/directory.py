"""Who the operators are: the Cognito user pool's operator and supervisor groups (data access)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3

from core.models import OperatorAccount

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

OPERATOR_GROUPS = ("operator", "supervisor")


class CognitoDirectory:
    """OperatorDirectory on a Cognito user pool: members of the operator and supervisor groups."""

    def __init__(self, user_pool_id: str, client: CognitoIdentityProviderClient | None = None) -> None:
        self._pool = user_pool_id
        self._client = client or boto3.client("cognito-idp")

    def operators(self) -> list[OperatorAccount]:
        accounts: dict[str, OperatorAccount] = {}
        paginator = self._client.get_paginator("list_users_in_group")
        for group in OPERATOR_GROUPS:
            for page in paginator.paginate(UserPoolId=self._pool, GroupName=group):
                for user in page.get("Users", []):
                    username = user["Username"]
                    attributes = {a["Name"]: a.get("Value", "") for a in user.get("Attributes", [])}
                    known = accounts.get(username)
                    groups = [*(known.groups if known else []), group]
                    accounts[username] = OperatorAccount(
                        username=username,
                        name=attributes.get("name") or username,
                        groups=groups,
                        enabled=bool(user.get("Enabled", True)),
                    )
        return sorted(accounts.values(), key=lambda account: account.username)
