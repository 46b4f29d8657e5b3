"""The embedded AWS's CORS for the panel's browser (local/browser_cors.py): preflights are answered
before moto, whatever a moto release does with them, and answers carry the allowing origin once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from local.browser_cors import BrowserCors

ORIGIN = "http://127.0.0.1:8112"


class Moto:
    """Stands for moto's server: records what reached it, answers with the headers it is given."""

    def __init__(self, headers: list[tuple[str, str]] | None = None) -> None:
        self.calls: list[str] = []
        self._headers = headers or [("Content-Type", "application/x-amz-json-1.1")]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.calls.append(environ["REQUEST_METHOD"])
        start_response("200 OK", list(self._headers))
        return [b"{}"]


def call(app: BrowserCors, **environ: str) -> tuple[str, dict[str, list[str]]]:
    answered: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answered["status"] = status
        answered["headers"] = headers

    b"".join(app({"REQUEST_METHOD": "POST", **environ}, start_response))
    headers: dict[str, list[str]] = {}
    for name, value in answered["headers"]:
        headers.setdefault(name.lower(), []).append(value)
    return answered["status"], headers


def test_a_preflight_is_answered_without_reaching_moto() -> None:
    moto = Moto()
    status, headers = call(
        BrowserCors(moto),
        REQUEST_METHOD="OPTIONS",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,x-amz-target",
    )
    assert status == "200 OK"
    assert moto.calls == []
    assert headers["access-control-allow-origin"] == [ORIGIN]
    assert headers["access-control-allow-headers"] == ["content-type,x-amz-target"]
    assert "POST" in headers["access-control-allow-methods"][0]


def test_a_browsers_call_gets_the_origin_once() -> None:
    bare, already = Moto(), Moto([("Access-Control-Allow-Origin", ORIGIN)])
    for moto in (bare, already):
        _, headers = call(BrowserCors(moto), HTTP_ORIGIN=ORIGIN, HTTP_X_AMZ_TARGET="AWSCognito.InitiateAuth")
        assert moto.calls == ["POST"]
        assert headers["access-control-allow-origin"] == [ORIGIN]  # never twice: browsers refuse that
        assert "x-amzn-requestid" in headers["access-control-expose-headers"][0]


def test_the_sdks_calls_pass_untouched() -> None:
    moto = Moto()
    _, headers = call(BrowserCors(moto), REQUEST_METHOD="OPTIONS")  # no Origin: not a browser
    assert moto.calls == ["OPTIONS"]
    assert "access-control-allow-origin" not in headers
