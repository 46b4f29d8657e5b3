"""KMS: seals and opens the agency endpoints' shared secrets (an adapter: the adapters that reach AWS are
listed in `core`).

The secret is encrypted with the stack's data key under an encryption context naming its post, so a
sealed value copied onto another post does not open; only its ciphertext (base64) is stored in the
directory table. verify-api seals what an admin sends; the functions that sign deliveries open it.
"""

from __future__ import annotations

import base64
from typing import Any, Protocol

import boto3

CONTEXT_KEY = "respon112:post"


class KmsClient(Protocol):
    """The two calls used (boto3-stubs for KMS are not among the development dependencies)."""

    def encrypt(self, **kwargs: Any) -> Any: ...

    def decrypt(self, **kwargs: Any) -> Any: ...


class KmsSealer:
    """SecretSealer on one KMS key (the stack's data key; SEALING_KEY_ARN)."""

    def __init__(self, key_id: str, client: KmsClient | None = None) -> None:
        self._key = key_id
        self._client: KmsClient = client or boto3.client("kms")

    def seal(self, owner: str, secret: str) -> str:
        response = self._client.encrypt(
            KeyId=self._key, Plaintext=secret.encode("utf-8"), EncryptionContext={CONTEXT_KEY: owner}
        )
        return base64.b64encode(response["CiphertextBlob"]).decode("ascii")

    def unseal(self, owner: str, sealed: str) -> str:
        response = self._client.decrypt(
            KeyId=self._key, CiphertextBlob=base64.b64decode(sealed), EncryptionContext={CONTEXT_KEY: owner}
        )
        return bytes(response["Plaintext"]).decode("utf-8")
