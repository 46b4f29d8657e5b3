"""S3 data access: the archive of the public intake's inbound requests.

What can be genuine (a signed webhook, a web report within its limit, AML with the token) is kept whole
under `<channel>/…` before anything parses it; what was refused (a bad signature or token, a rate-limited
report) goes under `refused/<channel>/…`, cut short by the caller, where a lifecycle rule (infra) deletes it
within days.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import boto3

from core.clock import Clock, utc_now
from core.ids import new_ulid

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# S3 user metadata must be US-ASCII and, in all, under 2 KB: keep the few headers an operator needs.
_METADATA_LIMIT = 256
# Where refused requests go: the bucket's lifecycle rule for this prefix expires them (infra/channels.py).
REFUSED_PREFIX = "refused/"


class S3RawArchive:
    """RawArchive on a private, encrypted bucket: `<channel>/<yyyy>/<mm>/<dd>/<ulid>` per request."""

    def __init__(self, bucket: str, client: S3Client | None = None, clock: Clock = utc_now) -> None:
        self._bucket = bucket
        self._client = client or boto3.client("s3")
        self._now = clock

    def put(self, channel: str, body: bytes, metadata: Mapping[str, str]) -> str:
        return self._put(channel, body, metadata)

    def put_refused(self, channel: str, body: bytes, metadata: Mapping[str, str]) -> str:
        return self._put(f"{REFUSED_PREFIX}{channel}", body, metadata)

    def _put(self, prefix: str, body: bytes, metadata: Mapping[str, str]) -> str:
        now = self._now()
        key = f"{prefix}/{now:%Y/%m/%d}/{new_ulid(int(now.timestamp() * 1000))}"
        ascii_metadata = {
            name.lower(): value.encode("ascii", "replace").decode()[:_METADATA_LIMIT]
            for name, value in metadata.items()
        }
        self._client.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=body,
            # Always octet-stream: the archive keeps bytes, not documents (the sender's type is in the
            # metadata), and some S3 implementations transform form-encoded bodies (moto drops them).
            ContentType="application/octet-stream",
            Metadata=ascii_metadata,
        )
        return key
