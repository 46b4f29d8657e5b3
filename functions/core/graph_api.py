"""Sending a message back to a citizen on the social channel they wrote on (data access: HTTPS).

Instagram messaging goes through Meta's Graph API (`POST /me/messages`) with the page's access token.
The base URL is configurable so the local stack can stand in for Meta; in the cloud it is Meta's.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from core.models import Channel
from core.replies import Reply

GRAPH_API_URL = "https://graph.facebook.com"
GRAPH_API_VERSION = "v21.0"
TIMEOUT_SECONDS = 5


class ReplyRejected(Exception):
    """The platform refused the message for good (a 4xx other than throttling): retrying will not help."""


class GraphApiSender:
    def __init__(self, access_token: str, base_url: str = GRAPH_API_URL) -> None:
        self._token = access_token
        self._base = base_url.rstrip("/")

    def send(self, reply: Reply) -> str:
        if reply.channel is not Channel.INSTAGRAM:
            raise ReplyRejected(f"no sender for channel {reply.channel}")
        payload = {"recipient": {"id": reply.recipient}, "message": {"text": reply.text}}
        request = urllib.request.Request(  # noqa: S310 - the base URL is ours (settings), https in the cloud
            f"{self._base}/{GRAPH_API_VERSION}/me/messages",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self._token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                body: dict[str, Any] = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            if 400 <= error.code < 500 and error.code != 429:
                raise ReplyRejected(
                    f"Graph API refused the reply: {error.code} {error.read()[:300]!r}"
                ) from error
            raise  # throttled or Meta's error: let SQS deliver it again
        return str(body.get("message_id", ""))
