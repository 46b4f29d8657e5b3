"""One public POST's raw copy: whole when it can be genuine, cut short when it was refused.

A route calls `keep()` once its request has passed the gate (a webhook's signature, the AML token, the
web form's rate limit), before anything is registered: the whole body goes under its channel with the
archive's long retention. What never passed the gate (a forged or missing signature, a wrong token, a
throttled report, a CRC-signed token posted as a body) is kept under `refused/` by `refuse()` or, when
nothing decided, by `settle()` after the answer: the first REFUSED_BYTES with the whole body's length and
SHA-256, for a lifecycle rule to delete within days. So forged bodies of up to 10 MB cannot fill the
archive, and someone looking into an attack still sees what was sent.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

from core.models import Channel
from core.observability import MetricUnit, logger, metrics
from core.ports import RawArchive

REFUSED_BYTES = 64 * 1024
ARCHIVED_HEADERS = ("content-type", "user-agent", "x-hub-signature-256", "x-twitter-webhooks-signature")
# Which channel a POST belongs to, for the archive and for a report that cannot be parsed.
CHANNELS: Mapping[str, Channel] = {
    "/reports": Channel.WEB,
    "/webhooks/instagram": Channel.INSTAGRAM,
    "/webhooks/twitter": Channel.TWITTER,
    "/aml": Channel.OTHER,
}


def raw_body(event: Mapping[str, Any]) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else str(body).encode("utf-8")


class RequestArchive:
    """The archive of one request: written at most once, as kept or as refused."""

    def __init__(self, archive: RawArchive, event: Mapping[str, Any]) -> None:
        self._archive = archive
        self._event = event
        self._settled = False
        self.key: str | None = None  # where the whole body was kept, if it was (and the write worked)

    @property
    def channel(self) -> Channel:
        return CHANNELS.get(str(self._event.get("path")), Channel.OTHER)

    def keep(self) -> str | None:
        """Keep the whole body under its channel (once); its key, or None if the archive is down."""
        if not self._settled:
            self._settled = True
            self.key = self._write(raw_body(self._event), self._metadata(), refused=False)
        return self.key

    def refuse(self, reason: str) -> None:
        """Keep the start of a refused request for days (once; nothing once it was kept whole)."""
        if self._settled:
            return
        self._settled = True
        body = raw_body(self._event)
        metadata = self._metadata() | {
            "refused": reason,
            "length": str(len(body)),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
        self._write(body[:REFUSED_BYTES], metadata, refused=True)

    def settle(self, status: int | None) -> None:
        """After the answer: a request nothing vouched for was refused."""
        self.refuse(f"answered {status}" if status is not None else "failed")

    def _metadata(self) -> dict[str, str]:
        headers = {str(k).lower(): str(v) for k, v in (self._event.get("headers") or {}).items()}
        metadata = {name: headers[name] for name in ARCHIVED_HEADERS if name in headers}
        metadata["path"] = str(self._event.get("path"))
        identity = (self._event.get("requestContext") or {}).get("identity") or {}
        metadata["source-ip"] = str(identity.get("sourceIp", ""))
        return metadata

    def _write(self, body: bytes, metadata: dict[str, str], *, refused: bool) -> str | None:
        """If the archive is down, carry on: a report is still stored as an incident, which matters
        more than its copy, and a refused request's copy is only evidence."""
        channel = self.channel.value.lower()
        try:
            if refused:
                return self._archive.put_refused(channel, body, metadata)
            return self._archive.put(channel, body, metadata)
        except Exception:
            logger.exception("raw request not archived", extra={"path": self._event.get("path")})
            metrics.add_metric(name="ArchiveFailed", unit=MetricUnit.Count, value=1)
            return None
