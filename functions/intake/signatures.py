"""Webhook signatures: a payload is trusted only when its HMAC-SHA256, computed over the raw bytes with
the platform's secret, matches the header it came with. Compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac


def _digest(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def meta_signature(body: bytes, app_secret: str) -> str:
    """`X-Hub-Signature-256` as Meta sends it: sha256= and the lowercase hex digest of the raw body."""
    return "sha256=" + _digest(app_secret, body).hex()


def x_signature(body: bytes, consumer_secret: str) -> str:
    """`x-twitter-webhooks-signature` as X sends it: sha256= and the base64 digest of the raw body."""
    return "sha256=" + base64.b64encode(_digest(consumer_secret, body)).decode()


def x_crc_response(crc_token: str, consumer_secret: str) -> str:
    """The CRC answer X expects: sha256= and the base64 HMAC of the crc_token with the consumer secret."""
    return "sha256=" + base64.b64encode(_digest(consumer_secret, crc_token.encode())).decode()


def meta_signature_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    if not header or not app_secret:
        return False
    return hmac.compare_digest(header.strip().lower().encode(), meta_signature(body, app_secret).encode())


def x_signature_valid(body: bytes, header: str | None, consumer_secret: str) -> bool:
    if not header or not consumer_secret:
        return False
    return hmac.compare_digest(header.strip().encode(), x_signature(body, consumer_secret).encode())


def token_valid(given: str | None, expected: str) -> bool:
    """A shared token (the AML relay's), compared in constant time; an empty expectation never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
