"""local.panel: the panel's files on the API's origin, /config.json, and the production CSP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from infra.definitions import content_security_policy, panel_config
from local.panel import PanelFiles

AWS = "http://127.0.0.1:8114"


def request(path: str, method: str = "GET") -> Request:
    return Request(EnvironBuilder(method=method, path=path).get_environ())


@pytest.fixture
def panel(tmp_path: Path) -> PanelFiles:
    (tmp_path / "index.html").write_text("<!doctype html><h1>Respon 112</h1>", encoding="utf-8")
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "app.js").write_text("export {};", encoding="utf-8")
    (tmp_path.parent / "secret.txt").write_text("not served", encoding="utf-8")
    config = panel_config(
        stage="local",
        regency="banyuwangi",
        api_url="",
        region="ap-southeast-1",
        user_pool_id="pool",
        user_pool_client_id="client",
        cognito_endpoint=AWS,
    )
    return PanelFiles(config, AWS, root=tmp_path)


def test_the_root_serves_index_html_with_the_security_headers(panel: PanelFiles) -> None:
    response = panel.serve(request("/"))

    assert response is not None
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b"Respon 112" in response.get_data()
    assert response.headers["Content-Security-Policy"] == content_security_policy(AWS)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-cache"


def test_modules_are_served_as_javascript(panel: PanelFiles) -> None:
    response = panel.serve(request("/js/app.js"))

    assert response is not None
    assert response.mimetype in {"text/javascript", "application/javascript"}


def test_config_json_points_the_panel_at_the_local_cognito_and_its_own_origin(panel: PanelFiles) -> None:
    response = panel.serve(request("/config.json"))

    assert response is not None
    config = json.loads(response.get_data())
    assert config["apiUrl"] == ""
    assert config["cognito"] == {
        "region": "ap-southeast-1",
        "userPoolId": "pool",
        "clientId": "client",
        "endpoint": AWS,
    }
    assert config["connect"] is None
    assert "Genteng" in config["regency"]["districts"]
    assert config["routing"]["FIRE"] == ["DAMKAR"]


@pytest.mark.parametrize(
    ("path", "method"),
    [("/incidents", "GET"), ("/nope.js", "GET"), ("/../secret.txt", "GET"), ("/%2e%2e/secret.txt", "GET"),
     ("/", "POST")],
)  # fmt: skip
def test_anything_else_is_left_to_the_api(panel: PanelFiles, path: str, method: str) -> None:
    assert panel.serve(request(path, method)) is None


def test_the_csp_lets_the_panel_reach_the_local_aws_and_nothing_inline() -> None:
    policy = content_security_policy(AWS)

    assert f"connect-src 'self' https://*.amazonaws.com https://*.amazoncognito.com {AWS}" in policy
    assert "script-src 'self';" in policy
    assert "unsafe-eval" not in policy
