"""Sending a direct message to a citizen on X (data access: HTTPS), the way out of a conversation that
began with their direct message (core/conversations.py).

X API v2: `POST /2/dm_conversations/with/{participant_id}/messages` with `{"text": …}`, as the account, so
with a user context: OAuth 1.0a, signed with the app's consumer key and secret and the account's access
token and secret (long-lived, unlike OAuth 2.0 user tokens, which expire within hours). The JSON body is
not part of an OAuth 1.0a signature. The base URL is configurable so the local stack can stand in for X.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from core.graph_api import TIMEOUT_SECONDS, ReplyRejected
from core.models import Channel
from core.replies import Reply

X_API_URL = "https://api.x.com"


def _pct(value: str) -> str:
    """RFC 3986 percent-encoding, as OAuth 1.0a wants it (only the unreserved characters stay)."""
    return urllib.parse.quote(value, safe="~-._")


def oauth1_header(
    method: str,
    url: str,
    consumer_key: str,
    consumer_secret: str,
    token: str,
    token_secret: str,
    *,
    nonce: str | None = None,
    timestamp: int | None = None,
    params: Mapping[str, str] | None = None,
) -> str:
    """The `Authorization: OAuth …` header of one request (HMAC-SHA1). `params`: the query's and a form
    body's parameters, which the signature covers; a JSON body is not covered."""
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(timestamp if timestamp is not None else int(time.time())),
        "oauth_token": token,
        "oauth_version": "1.0",
    }
    signed = sorted((_pct(k), _pct(v)) for k, v in {**(params or {}), **oauth}.items())
    base = "&".join([method.upper(), _pct(url), _pct("&".join(f"{k}={v}" for k, v in signed))])
    key = f"{_pct(consumer_secret)}&{_pct(token_secret)}"
    signature = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()
    fields = sorted({**oauth, "oauth_signature": signature}.items())
    return "OAuth " + ", ".join(f'{_pct(k)}="{_pct(v)}"' for k, v in fields)


class XDirectMessageSender:
    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        base_url: str = X_API_URL,
    ) -> None:
        self._credentials = (consumer_key, consumer_secret, access_token, access_token_secret)
        self._base = base_url.rstrip("/")

    def send(self, reply: Reply) -> str:
        if reply.channel is not Channel.TWITTER:
            raise ReplyRejected(f"no X sender for channel {reply.channel}")
        if not reply.recipient.isdigit():  # X's user ids are numbers: nothing else goes into the path
            raise ReplyRejected("the recipient is not an X user id")
        url = f"{self._base}/2/dm_conversations/with/{reply.recipient}/messages"
        request = urllib.request.Request(  # noqa: S310 - the base URL is ours (settings), https in the cloud
            url,
            data=json.dumps({"text": reply.text}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": oauth1_header("POST", url, *self._credentials),
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                body: dict[str, Any] = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            if 400 <= error.code < 500 and error.code != 429:
                raise ReplyRejected(f"X refused the message: {error.code} {error.read()[:300]!r}") from error
            raise  # throttled or X's error: let SQS deliver it again
        data = body.get("data")
        return str(data.get("dm_event_id", "")) if isinstance(data, dict) else ""
