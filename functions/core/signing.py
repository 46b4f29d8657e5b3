"""The signature on what Respon 112 and an agency's system send each other over HTTPS.

HMAC-SHA256, with the post's shared secret, over the timestamp, a dot and the exact bytes of the body,
as Stripe and Slack sign their webhooks: the timestamp is covered, so a recorded request cannot be replayed
once it is older than the tolerance, and no header can be swapped under a body. Headers:

    X-Respon112-Timestamp: 1764820800              (Unix seconds, when it was signed)
    X-Respon112-Signature: v1=<hex digest>         (several, comma-separated, while a secret is rotated)

The same scheme signs our dispatch records and the statuses agencies post back (docs/agencies.md).
"""

from __future__ import annotations

import hashlib
import hmac
import re

TIMESTAMP_HEADER = "X-Respon112-Timestamp"
SIGNATURE_HEADER = "X-Respon112-Signature"
POST_HEADER = "X-Respon112-Post"  # who signed a status an agency posts: the post's id
SCHEME = "v1"
TOLERANCE_SECONDS = 300  # a signature older (or further ahead) than this is refused: a replay, or a bad clock
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v1=([0-9a-f]{64})$")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return f"{SCHEME}={digest.hexdigest()}"


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(secret: str, timestamp: str | None, header: str | None, body: bytes, now: int) -> str | None:
    """None when the body is signed with `secret` within the tolerance of `now`; else why not (for the log,
    never for the sender beyond "signature")."""
    if not secret:
        return "no secret"
    if not timestamp or not _TIMESTAMP.match(timestamp):
        return "timestamp missing or malformed"
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return "timestamp outside the tolerance"
    if not header or len(header) > 1000:
        return "signature missing"
    expected = signature(secret, int(timestamp), body)
    for part in header.split(","):
        candidate = part.strip()
        if _SIGNATURE.match(candidate) and hmac.compare_digest(candidate, expected):
            return None
    return "signature mismatch"
