"""Stand-ins for the platforms the local stack cannot reach. Meta's Graph API: the reply sender posts
Instagram replies here exactly as it would to graph.facebook.com; they are kept for `python -m local
outbox` (GET /_local/outbox). Paths under /_local never exist on the deployed API."""

from __future__ import annotations

import json
import threading
from typing import Any

from werkzeug.wrappers import Request, Response

GRAPH_STAND_IN = "/_local/graph"
OUTBOX = "/_local/outbox"


class GraphApiStandIn:
    def __init__(self) -> None:
        self._sent: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def serve(self, request: Request) -> Response | None:
        if request.path == OUTBOX and request.method == "GET":
            with self._lock:
                return _json(200, list(self._sent))
        if not request.path.startswith(GRAPH_STAND_IN):
            return None
        if request.method != "POST" or not request.path.endswith("/me/messages"):
            return _json(400, {"error": {"message": "Unsupported request", "type": "GraphMethodException"}})
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return _json(401, {"error": {"message": "An access token is required", "type": "OAuthException"}})
        try:
            payload = json.loads(request.get_data() or b"{}")
            recipient, text = payload["recipient"]["id"], payload["message"]["text"]
        except (ValueError, KeyError, TypeError):
            return _json(400, {"error": {"message": "recipient.id and message.text are required"}})
        with self._lock:
            message_id = f"m_local_{len(self._sent) + 1}"
            self._sent.append({"recipient": recipient, "text": text, "messageId": message_id})
        return _json(200, {"recipient_id": recipient, "message_id": message_id})


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")
