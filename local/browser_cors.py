"""CORS for the browser's calls to the embedded AWS (the panel signs in against its Cognito).

The panel's page is served by the local gateway and calls Cognito on the embedded AWS's port: another
origin, so the browser sends a preflight first. Amazon Cognito answers it; moto answered it through
flask-cors until 5.2.6, whose server fails on an `OPTIONS /` (its response serializer asserts) and sends
a 500 without CORS headers, so no browser could sign in. The local twin must not depend on how a moto
release treats a request no SDK makes, so the embedded AWS answers preflights itself, before moto, and
adds the allowing origin to answers that lack it. Only the embedded AWS on loopback is wrapped: what a
deployed stack's browser sees is Cognito's own CORS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]

ALLOWED_METHODS = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
MAX_AGE_SECONDS = "600"
# What the AWS SDK for JavaScript reads from a response (the request id, Cognito's date for its clock).
EXPOSED = "x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, date"


class BrowserCors:
    """WSGI middleware: answers CORS preflights and adds `Access-Control-Allow-Origin` where missing."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")
        if not origin:
            return self._app(environ, start_response)  # the SDKs' own calls: no browser, no CORS
        if environ.get("REQUEST_METHOD") == "OPTIONS" and environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
            headers = [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Methods", ALLOWED_METHODS),
                ("Access-Control-Allow-Headers", environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")),
                ("Access-Control-Max-Age", MAX_AGE_SECONDS),
                ("Vary", "Origin"),
                ("Content-Length", "0"),
            ]
            start_response("200 OK", headers)
            return [b""]

        def allowing(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            names = {name.lower() for name, _ in headers}
            if "access-control-allow-origin" not in names:
                headers = [*headers, ("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
            if "access-control-expose-headers" not in names:
                headers = [*headers, ("Access-Control-Expose-Headers", EXPOSED)]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return self._app(environ, allowing)
