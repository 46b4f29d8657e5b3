"""Stand-ins for the platforms the local stack cannot reach. Meta's Graph API and X's direct messages: the
reply sender posts replies here exactly as it would to graph.facebook.com or api.x.com; they are kept for
`python -m local outbox` (GET /_local/outbox). Amazon Connect's DescribeUser: intake-calls asks who an
agent is, and each local operator is an agent of the local instance (`agent_arn`, what the flow runner's
contact events name).
Paths under /_local never exist on the deployed API."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterable
from typing import Any

from moto.ses.models import ses_backends
from moto.sns.models import sns_backends
from werkzeug.wrappers import Request, Response

from local.config import ACCOUNT_ID, CONNECT_INSTANCE_ARN, REGION

GRAPH_STAND_IN = "/_local/graph"
X_STAND_IN = "/_local/x"  # X's API v2: direct messages an operator writes (core/x_api.py)
OUTBOX = "/_local/outbox"
CONNECT_STAND_IN = "/_local/connect"  # AWS_ENDPOINT_URL_CONNECT of the functions
INSTANCE_ID = CONNECT_INSTANCE_ARN.rsplit("/", 1)[1]


def agent_id(username: str) -> str:
    """The local agent of an operator: a UUID, as Connect's are, the same on every run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"respon112:local:agent:{username}"))


def agent_arn(username: str) -> str:
    """The ARN a contact event names the operator's agent by, as Connect's do (…/agent/<id>)."""
    return f"{CONNECT_INSTANCE_ARN}/agent/{agent_id(username)}"


class ConnectStandIn:
    """Amazon Connect's DescribeUser (GET /users/{InstanceId}/{UserId}) for the local operators' agents:
    paired with their Cognito accounts by the same username, as the deployment's are (docs/callbacks.md)."""

    _PATH = re.compile(rf"^{CONNECT_STAND_IN}/users/([^/]+)/([^/]+)$")

    def __init__(self, usernames: Iterable[str]) -> None:
        self._users = {agent_id(name): name for name in usernames}

    def serve(self, request: Request) -> Response | None:
        match = self._PATH.match(request.path)
        if match is None:
            return None if not request.path.startswith(CONNECT_STAND_IN) else _connect_error(404, "Not found")
        instance, user = match.groups()
        if request.method != "GET":
            return _connect_error(405, "Unsupported method")
        username = self._users.get(user)
        if instance != INSTANCE_ID or username is None:
            return _connect_error(404, f"User {user} not found in instance {instance}")
        arn = f"{CONNECT_INSTANCE_ARN}/agent/{user}"
        return _json(200, {"User": {"Id": user, "Arn": arn, "Username": username}})


def _connect_error(status: int, message: str) -> Response:
    kind = "ResourceNotFoundException" if status == 404 else "InvalidRequestException"
    response = _json(status, {"Message": message})
    response.headers["x-amzn-ErrorType"] = kind
    return response


class GraphApiStandIn:
    def __init__(self) -> None:
        self._sent: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def serve(self, request: Request) -> Response | None:
        if request.path == OUTBOX and request.method == "GET":
            with self._lock:
                return _json(200, list(self._sent))
        if request.path.startswith(X_STAND_IN):
            return self._x(request)
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

    _X_PATH = re.compile(rf"^{X_STAND_IN}/2/dm_conversations/with/([0-9]+)/messages$")

    def _x(self, request: Request) -> Response:
        """X's `POST /2/dm_conversations/with/{participant_id}/messages`, signed OAuth 1.0a (the signature
        itself is checked by the unit tests against X's documented example, not here)."""
        match = self._X_PATH.match(request.path)
        if request.method != "POST" or match is None:
            return _json(404, {"title": "Not Found Error", "detail": "Unsupported request"})
        if "oauth_signature=" not in request.headers.get("Authorization", ""):
            return _json(401, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401})
        try:
            text = json.loads(request.get_data() or b"{}")["text"]
        except (ValueError, KeyError, TypeError):
            return _json(400, {"title": "Invalid Request", "detail": "text is required"})
        with self._lock:
            event_id = f"x_local_{len(self._sent) + 1}"
            self._sent.append(
                {"recipient": match.group(1), "text": text, "messageId": event_id, "channel": "TWITTER"}
            )
        return _json(201, {"data": {"dm_conversation_id": f"112-{match.group(1)}", "dm_event_id": event_id}})


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")


AGENCY_OUTBOX = "/_local/agency-outbox"
_LINK = re.compile(r"https?://\S+/respond\.html#t=\S+")


class AgencyOutbox:
    """What agency-delivery sent the posts: the SMS SNS took for a number and the e-mails SES took, read
    from the embedded AWS (which runs in this process), each with the link it carries, for `python -m
    local inbox <post-id | number | address>` (GET /_local/agency-outbox)."""

    def serve(self, request: Request) -> Response | None:
        if request.path != AGENCY_OUTBOX:
            return None
        if request.method != "GET":
            return _json(405, {"message": "GET only"})
        return _json(200, self.messages())

    @staticmethod
    def messages() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for message_id, (number, text) in list(sns_backends[ACCOUNT_ID][REGION].sms_messages.items()):
            found.append({"channel": "sms", "to": number, "text": text, "id": message_id})
        for mail in list(ses_backends[ACCOUNT_ID][REGION].sent_messages):
            for address in getattr(mail, "destinations", {}).get("ToAddresses", []):
                text = str(getattr(mail, "body", ""))
                found.append(
                    {"channel": "email", "to": address, "subject": getattr(mail, "subject", ""), "text": text}
                )
        for entry in found:
            match = _LINK.search(entry["text"])
            entry["link"] = match.group(0) if match else None
        return found
