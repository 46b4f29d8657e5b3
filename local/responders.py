"""The agencies' side of the local stack: what a post was sent (its SMS and e-mails, with their links),
its page's link opened or a status posted through it, and a receiver that stands in for an agency's own
system: it checks each record's signature (and its schema: a dispatch, or a notice of a change after it)
as that system should.

python -m local inbox damkar-genteng                   what the post was sent, with the links
python -m local respond <link> [EN_ROUTE --note …]     what the link shows, or post a status through it
python -m local receiver --post damkar-genteng         an HTTPS endpoint for the post, on the loopback
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs among the development dependencies
import requests

from core import signing
from core.agency_store import DynamoAgencyStore
from infra.definitions import DIRECTORY, ROOT
from local.aws import client
from local.simulator import id_token
from local.standins import AGENCY_OUTBOX

SCHEMA_FILE = ROOT / "docs" / "schemas" / "dispatch-record-v1.json"
NOTICE_SCHEMA_FILE = ROOT / "docs" / "schemas" / "notice-v1.json"
SCHEMA_ID = "https://respon112.id/schemas/dispatch-record-v1.json"


def _session() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = "respon112-local-agency"
    return session


def post_contacts(endpoints: dict[str, Any], post_id: str) -> set[str] | None:
    """The post's numbers and addresses (its second contact's too) as the directory holds them now."""
    store = DynamoAgencyStore(endpoints["resources"][DIRECTORY.env_var], client("dynamodb", endpoints["aws"]))
    post = store.get_post(post_id)
    if post is None:
        return None
    found = {*post.contacts.sms, *post.contacts.emails}
    if post.escalation:
        found |= {*post.escalation.sms, *post.escalation.emails}
    return found


def post_inbox(endpoints: dict[str, Any], who: str) -> list[dict[str, Any]]:
    """What was sent to a post (by its id: its numbers and addresses now), a number or an address."""
    response = _session().get(f"{endpoints['api']}{AGENCY_OUTBOX}", timeout=10)
    response.raise_for_status()
    messages: list[dict[str, Any]] = response.json()
    targets = {who} if ("@" in who or who.startswith("+")) else post_contacts(endpoints, who)
    if targets is None:
        raise SystemExit(f"no post {who!r} in the directory, and not a number (+62…) or an address")
    return [m for m in messages if m["to"] in targets]


def token_of(link: str) -> str:
    """The token of a link (…/respond.html#t=<token>), or the token itself."""
    return link.split("#t=", 1)[1] if "#t=" in link else link


def respond(endpoints: dict[str, Any], link: str, status: str | None, note: str | None) -> requests.Response:
    """What the link's page shows (GET), or a status posted through it, as the page does."""
    url = f"{endpoints['api']}/respond/{token_of(link)}"
    if status is None:
        return _session().get(url, timeout=10)
    body = {"status": status, **({"note": note} if note else {})}
    return _session().post(url, json=body, timeout=10)


def signed_status(
    endpoints: dict[str, Any],
    post_id: str,
    secret: str,
    incident_id: str,
    status: str,
    note: str | None = None,
) -> requests.Response:
    """A status as an agency's system posts it, signed with the post's shared secret."""
    body = json.dumps(
        {"incidentId": incident_id, "status": status, **({"note": note} if note else {})}
    ).encode()
    headers = {
        "Content-Type": "application/json",
        signing.POST_HEADER: post_id,
        **signing.signed_headers(secret, int(time.time()), body),
    }
    return _session().post(f"{endpoints['api']}/agency/status", data=body, headers=headers, timeout=10)


class Receiver:
    """An agency's endpoint on the loopback: every POST's signature is checked with the secret (and the
    record against the committed schema); `records` keeps what passed, `refused` why others did not."""

    def __init__(self, secret: str, port: int = 0, log: Callable[[str], None] | None = None) -> None:
        self.secret = secret
        self.records: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self._log = log or (lambda _: None)
        # each record against its own schema, by its $schema: a dispatch, or a notice of a change after it
        self._schemas = {
            schema["$id"]: schema
            for schema in (
                json.loads(f.read_text(encoding="utf-8")) for f in (SCHEMA_FILE, NOTICE_SCHEMA_FILE)
            )
        }
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), 1_000_000)
                body = self.rfile.read(length)
                status, why = receiver.receive(body, self.headers.get(signing.TIMESTAMP_HEADER),
                                               self.headers.get(signing.SIGNATURE_HEADER))  # fmt: skip
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"accepted": status == 202, "why": why}).encode())

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="receiver", daemon=True)

    @property
    def endpoint(self) -> str:
        """What to put in the directory as the post's HTTPS endpoint: the local stack posts it here."""
        return f"https://receiver.localhost:{self.port}/112"

    def receive(self, body: bytes, timestamp: str | None, header: str | None) -> tuple[int, str]:
        problem = signing.verify(self.secret, timestamp, header, body, int(time.time()))
        if problem:
            self.refused.append(problem)
            self._log(f"REFUSED {problem}")
            return 401, problem
        record = json.loads(body)
        schema = self._schemas.get(record.get("$schema")) if isinstance(record, dict) else None
        try:
            jsonschema.validate(record, schema or self._schemas[SCHEMA_ID])
        except jsonschema.ValidationError as error:
            self.refused.append(f"schema: {error.message}")
            self._log(f"REFUSED schema: {error.message}")
            return 422, error.message
        self.records.append(record)
        self._log(f"RECEIVED signature ok, schema ok: {json.dumps(record, ensure_ascii=False, indent=2)}")
        return 202, "ok"

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def point_post_at(endpoints: dict[str, Any], post_id: str, url: str, secret: str) -> int:
    """Put the receiver in the post's entry through the directory's API, as an admin would (a new
    version, audited); the HTTP status of the PUT."""
    api = endpoints["api"]
    headers = {"Authorization": f"Bearer {id_token(endpoints, 'admin')}"}
    current = requests.get(f"{api}/agencies/posts/{post_id}", headers=headers, timeout=10).json()
    body = {
        key: current[key]
        for key in ("name", "districts", "regencyLevel", "duty", "note")
        if key in current and current[key] is not None
    }
    contacts = {k: v for k, v in current["contacts"].items() if k in ("sms", "emails")}
    body |= {
        "contacts": {**contacts, "https": {"url": url, "secret": secret}},
        "version": current["version"],
        "reason": "Penerima lokal (python -m local receiver)",
    }
    if current.get("escalation"):
        body["escalation"] = current["escalation"]
    response = requests.put(f"{api}/agencies/posts/{post_id}", headers=headers, json=body, timeout=10)
    return response.status_code
