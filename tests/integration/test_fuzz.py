"""Schema-based fuzzing of the APIs the local gateway serves, with schemathesis: no request, however
odd, may get a 5xx (schemathesis' `not_a_server_error` check).

The OpenAPI documents are loaded from the running stack (GET /openapi.json for the operators' API,
GET /intake/openapi.json for the public intake, GET /agency/openapi.json for the responders'), so what is
fuzzed is what is served. Every operation gets MAX_EXAMPLES positive cases (valid by the document) and as
many negative ones (not valid), without shrinking: a failure is reported as found, with the request to
reproduce it, and the other operations still run. The run has a stack of its own, since it creates
incidents at random.

To get past the first gate of each route, requests carry what a real sender has: operator1's IdToken
on the operators' API, a valid X-Hub-Signature-256 or x-twitter-webhooks-signature computed over the
exact bytes sent on the webhooks, and the AML token on /aml. Half the incident ids in paths are real
incidents of the stack, so the workflow routes read their bodies instead of answering 404.

The web form allows 5 reports per client address per 10 minutes, and every request here comes from
127.0.0.1: the fuzz stack raises that limit (`serve --report-rate-limit`) so that POST /reports bodies
are fuzzed rather than answered 429.

Each run draws new cases: a failure shows the request that reproduces it (as curl). The operations
are driven with Hypothesis here because schemathesis' loader for pytest fixtures
(`schemathesis.pytest.from_fixture`, needed for a schema that a fixture's stack serves) fails on
pytest 9: `'Function' object has no attribute '_nodeid'`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from local.simulator import id_token, place_call
from tests.integration.helpers import DEFAULT_SERVE_ARGS, running_stack

MAX_EXAMPLES = 30  # per operation and generation mode
REAL_INCIDENTS = 6  # incidents placed before the run, for incident_id path parameters to hit
# Far above what one run sends to POST /reports (a few hundred at most).
FUZZ_SERVE_ARGS = (*DEFAULT_SERVE_ARGS, "--report-rate-limit", "100000")
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking
    database=None,  # nothing written to .hypothesis/
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
Send = Callable[[Any, int], None]


class SignedSession(requests.Session):
    """Sends what schemathesis prepared, signed or authorised as the real senders do; counts requests."""

    def __init__(self, secrets: dict[str, str]) -> None:
        super().__init__()
        self.secrets = secrets
        self.sent = 0

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        path = urlsplit(request.url or "").path
        body = request.body or b""
        raw = body.encode() if isinstance(body, str) else body
        if request.method == "POST" and path == "/webhooks/instagram":
            digest = hmac.new(self.secrets["instagramAppSecret"].encode(), raw, hashlib.sha256).digest()
            request.headers["X-Hub-Signature-256"] = "sha256=" + digest.hex()
        elif request.method == "POST" and path == "/webhooks/twitter":
            digest = hmac.new(self.secrets["twitterConsumerSecret"].encode(), raw, hashlib.sha256).digest()
            request.headers["x-twitter-webhooks-signature"] = "sha256=" + base64.b64encode(digest).decode()
        elif request.method == "POST" and path == "/aml":
            request.headers["Authorization"] = f"Bearer {self.secrets['amlToken']}"
        self.sent += 1
        return super().send(request, **kwargs)


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A stack of the fuzz run's own; at teardown, Ctrl-C must still stop it cleanly."""
    state_dir: Path = tmp_path_factory.mktemp("fuzz-stack")
    with running_stack(state_dir, *FUZZ_SERVE_ARGS) as endpoints:
        yield endpoints


@pytest.fixture
def session(fuzz_stack: dict[str, Any]) -> Iterator[SignedSession]:
    signed = SignedSession(fuzz_stack["secrets"])
    yield signed
    signed.close()


@pytest.fixture(scope="module")
def incident_ids(fuzz_stack: dict[str, Any]) -> list[str]:
    return [place_call(fuzz_stack, f"+62812000000{n:02d}")["incidentId"] for n in range(REAL_INCIDENTS)]


def served_schema(endpoints: dict[str, Any], path: str) -> Any:
    """The OpenAPI document the stack serves at `path`. Loaded as a dict: schemathesis leaves out the
    operation a schema was loaded from by URL, and the document routes are operations too."""
    response = requests.get(f"{endpoints['api']}{path}", timeout=10)
    assert response.status_code == 200, response.text
    return schemathesis.openapi.from_dict(response.json())


def fuzz(schema: Any, send: Send) -> Counter[str]:
    """Every operation of `schema` in both generation modes; `send(case, pick)` makes the request and
    checks the response. Fails with each operation's first failure, after all of them ran; returns how
    many requests each operation got."""
    failures: list[str] = []
    sent: Counter[str] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()  # raises on an operation schemathesis cannot read: a broken document
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzzer(operation, mode, send, sent)()
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise
                # Nothing of this operation can be made invalid (a GET without parameters).
            except (Exception, BaseExceptionGroup) as error:  # schemathesis' FailureGroup is a Base one
                failures.append(f"{operation.label} ({mode.value}):\n{error}")
    print(f"\n{sum(sent.values())} requests")  # shown with -s, and with a failure
    for label, count in sent.items():
        print(f"  {count:4} {label}")
    assert not failures, "\n\n".join(failures)
    assert sent, "the OpenAPI document has no operations"
    return sent


def _fuzzer(operation: Any, mode: GenerationMode, send: Send, sent: Counter[str]) -> Callable[[], None]:
    @FUZZ
    @given(case=operation.as_strategy(mode), pick=st.integers(0, 2 * REAL_INCIDENTS - 1))
    def run(case: Any, pick: int) -> None:
        sent[operation.label] += 1
        send(case, pick)

    return run


def test_operators_api_never_answers_5xx(
    fuzz_stack: dict[str, Any], session: SignedSession, incident_ids: list[str]
) -> None:
    schema = served_schema(fuzz_stack, "/openapi.json")
    headers = {"Authorization": f"Bearer {id_token(fuzz_stack, 'operator1')}"}

    def send(case: Any, pick: int) -> None:
        if "incident_id" in (case.path_parameters or {}) and pick < len(incident_ids):
            case.path_parameters["incident_id"] = incident_ids[pick]
        response = case.call(base_url=fuzz_stack["api"], session=session, headers=headers)
        case.validate_response(response, checks=[not_a_server_error])

    fuzz(schema, send)


def test_public_intake_never_answers_5xx(fuzz_stack: dict[str, Any], session: SignedSession) -> None:
    schema = served_schema(fuzz_stack, "/intake/openapi.json")

    def send(case: Any, pick: int) -> None:
        response = case.call(base_url=fuzz_stack["api"], session=session)
        case.validate_response(response, checks=[not_a_server_error])

    fuzz(schema, send)


def test_responders_api_never_answers_5xx(fuzz_stack: dict[str, Any], session: SignedSession) -> None:
    """The responders' page and the agencies' signed statuses: public, with tokens and bodies of any shape
    (a token that matches the pattern but is forged, a status without its signature)."""
    schema = served_schema(fuzz_stack, "/agency/openapi.json")

    def send(case: Any, pick: int) -> None:
        response = case.call(base_url=fuzz_stack["api"], session=session)
        case.validate_response(response, checks=[not_a_server_error])

    fuzz(schema, send)


# -- bodies a schema-based generator does not make ----------------------------------------------------


HOSTILE_BODIES: dict[str, bytes] = {
    "nested too deeply": b"[" * 100_000 + b"]" * 100_000,
    "deep object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "lone surrogate": b'{"description": "tolong \\ud800 kebakaran di pasar", "phone": "081234567890"}',
    "not UTF-8": "kebakaran di Genteng, tolong".encode("utf-16"),
    "NUL bytes": b'{"description": "a\\u0000b\\u0000c kebakaran", "phone": "081234567890"}',
    "huge number": b'{"description": "kebakaran di pasar Genteng", "accuracyM": 1e999999}',
    # More digits than Python converts to an int (4,300): json.loads raises ValueError, not a decode error.
    "huge integer": b'{"description": "kebakaran di pasar Genteng", "note": ' + b"9" * 5000 + b"}",
    "long key": b'{"' + b"k" * 200_000 + b'": 1}',
    "empty": b"",
    "a JSON string": b'"just a string"',
    "truncated": b'{"description": "kebakaran',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
@pytest.mark.parametrize(
    ("method", "path", "content_type"),
    [
        ("POST", "/reports", "application/json"),
        ("POST", "/webhooks/instagram", "application/json"),
        ("POST", "/webhooks/twitter", "application/json"),
        ("POST", "/aml", "application/json"),
        ("POST", "/aml", "application/x-www-form-urlencoded"),
        ("POST", "/incidents", "application/json"),
        ("POST", "/incidents/{id}/verify", "application/json"),
        ("POST", "/incidents/{id}/close", "application/json"),
        ("POST", "/respond/{token}", "application/json"),
        ("POST", "/agency/status", "application/json"),
    ],
)
def test_hostile_bodies_never_get_a_5xx(
    fuzz_stack: dict[str, Any],
    session: SignedSession,
    incident_ids: list[str],
    method: str,
    path: str,
    content_type: str,
    name: str,
) -> None:
    """Signed (or authorised) as the real sender would, so each body reaches the parser; the operators'
    routes on a real incident, so that the body is read rather than answered 404."""
    headers = {"Content-Type": content_type}
    if path.startswith("/incidents"):
        headers["Authorization"] = f"Bearer {id_token(fuzz_stack, 'operator1')}"
    if path == "/agency/status":
        headers["X-Respon112-Post"] = "damkar-genteng"  # not signed: refused before the body is read
    # a token of the right shape for a real incident, so the body is parsed (its HMAC is forged: 404)
    token = f"{incident_ids[0]}.damkar-genteng.1999999999.{'A' * 43}"
    url = f"{fuzz_stack['api']}{path.replace('{id}', incident_ids[0]).replace('{token}', token)}"

    response = session.request(method, url, data=HOSTILE_BODIES[name], headers=headers)

    assert response.status_code < 500, f"{name}: {response.status_code} {response.text[:500]}"
