"""The operators' panel on the local stack: its static files at `/`, on the API's origin, with the
runtime configuration at `/config.json` and the security headers CloudFront sends in production."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.definitions import PANEL_DIR, content_security_policy

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


class PanelFiles:
    def __init__(self, config: dict[str, Any], aws_endpoint: str, root: Path = PANEL_DIR) -> None:
        self._root = root.resolve()
        self._config = json.dumps(config, ensure_ascii=False, indent=2)
        self._headers = {**SECURITY_HEADERS, "Content-Security-Policy": content_security_policy(aws_endpoint)}

    def serve(self, request: Request) -> Response | None:
        """The file for a GET of a panel path, or None when the path is not one (the API answers it)."""
        if request.method not in ("GET", "HEAD"):
            return None
        if request.path == "/config.json":
            return self._response(self._config.encode(), "application/json")
        relative = request.path.lstrip("/") or "index.html"
        path = (self._root / relative).resolve()
        if not path.is_relative_to(self._root) or not path.is_file():
            return None
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return self._response(path.read_bytes(), content_type)

    def _response(self, body: bytes, content_type: str) -> Response:
        # no-cache: the browser revalidates, so an edited file shows on the next reload.
        return Response(
            body, content_type=content_type, headers={**self._headers, "Cache-Control": "no-cache"}
        )
