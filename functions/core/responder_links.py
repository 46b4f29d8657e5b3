"""The link in every notification: a responder's page for one incident and one post, without an account.

The token names the incident, the post and when it expires, and carries an HMAC-SHA256 of them with the
link key (a secret of the stack, Secrets Manager): nothing is stored per link, and a token changed in any
character, or past its time, opens nothing. It is put in the URL's fragment (`respond.html#t=…`), which
browsers never send to a server, so it does not land in CloudFront's or API Gateway's logs on the way
to the page; the page sends it to the API in the path.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.ids import ULID_PATTERN
from core.models import POST_ID_PATTERN

# Long enough for the longest incident (a disaster's days on scene), short enough that an old SMS
# forwarded around opens nothing for long.
LINK_LIFETIME = timedelta(days=3)
MAX_TOKEN_LENGTH = 160
TOKEN_PATTERN = r"^[0-9A-Z]{26}\.[a-z0-9-]{1,64}\.[0-9]{10}\.[A-Za-z0-9_-]{43}$"  # noqa: S105 (a pattern)
_TOKEN = re.compile(TOKEN_PATTERN)
_INCIDENT = re.compile(ULID_PATTERN)
_POST = re.compile(POST_ID_PATTERN)


class InvalidToken(ValueError):
    """A token that is malformed, forged or expired: the page says the link is not valid (any of them)."""


@dataclass(frozen=True)
class ResponderGrant:
    incident_id: str
    post_id: str
    expires_at: int  # Unix seconds


def _mac(key: str, payload: str) -> str:
    digest = hmac.new(key.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def issue(key: str, incident_id: str, post_id: str, now: datetime) -> str:
    if not key:
        raise ValueError("no link key")
    expires = int((now + LINK_LIFETIME).timestamp())
    payload = f"{incident_id}.{post_id}.{expires}"
    return f"{payload}.{_mac(key, payload)}"


def verify(key: str, token: str, now: datetime) -> ResponderGrant:
    """What the token grants, or InvalidToken. Checked in full before anything else reads it."""
    if not key or len(token) > MAX_TOKEN_LENGTH or not _TOKEN.match(token):
        raise InvalidToken("malformed")
    incident_id, post_id, expires, mac = token.split(".")
    if not _INCIDENT.match(incident_id) or not _POST.match(post_id):
        raise InvalidToken("malformed")
    if not hmac.compare_digest(mac, _mac(key, f"{incident_id}.{post_id}.{expires}")):
        raise InvalidToken("forged")
    if int(expires) < now.timestamp():
        raise InvalidToken("expired")
    return ResponderGrant(incident_id, post_id, int(expires))


def link(page_url: str, token: str) -> str:
    return f"{page_url.rstrip('/')}/respond.html#t={token}"
