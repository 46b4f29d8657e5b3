"""What API Gateway's Cognito user-pool authorizer does, locally: verify the IdToken in `Authorization`
against the pool's JWKS and hand its claims to the function; anything else is 401 before the function runs.
"""

from __future__ import annotations

import time
from typing import Any

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet


class CognitoAuthorizer:
    def __init__(self, aws_endpoint: str, region: str, user_pool_id: str, client_ids: set[str]) -> None:
        response = requests.get(f"{aws_endpoint}/{user_pool_id}/.well-known/jwks.json", timeout=5)
        response.raise_for_status()
        self._keys = KeySet.import_key_set(response.json())
        self._issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self._client_ids = client_ids

    def claims(self, authorization: str | None) -> dict[str, str] | None:
        """The token's claims as API Gateway passes them (strings), or None when it must answer 401."""
        if not authorization:
            return None
        token = authorization.removeprefix("Bearer ").strip()
        try:
            decoded = jwt.decode(token, self._keys, algorithms=["RS256"])
        except (JoseError, ValueError):
            return None
        claims: dict[str, Any] = dict(decoded.claims)
        if (
            claims.get("iss") != self._issuer
            or claims.get("token_use") != "id"
            or claims.get("aud") not in self._client_ids
            or not isinstance(claims.get("exp"), int | float)
            or claims["exp"] < time.time()
        ):
            return None
        return {
            key: ",".join(map(str, value)) if isinstance(value, list) else str(value)
            for key, value in claims.items()
        }
