"""What every intake-web route works with: the function's ports, the request in hand, and the one way a
webhook's body is trusted and read ("signed, then parsed").

A request passes its gate before anything is created: a webhook's signature over the raw bytes, the AML
token, the web form's rate limit (intake/web.py checks that one before the resolver runs). A request that
does not pass is Refused: nothing is created and the start of its body is archived apart. What passes is
archived whole before it is parsed, and what is then Unreadable is still kept, as an UNPARSED incident for
an operator to read, while the sender gets a 400 saying why. intake/web.py answers both exceptions.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from pydantic import BaseModel, ValidationError

from core.deliveries import BacklogUnavailable, Deadline, DeliveryRegistrar, Pending
from core.http import error_response, json_loads
from core.incidents import IncidentService, Report
from core.models import Channel, Flag
from core.observability import MetricUnit, metrics
from core.ports import RawArchive, ReplyQueue, ReportBacklog
from core.positions import PositionService
from core.ratelimit import RateLimiter
from core.secrets import ChannelSecrets
from intake.archiving import RequestArchive, raw_body

MAX_UNPARSED_TEXT = 4000
DELIVERED = (
    "Accepted: `incidents` lists the messages registered now, `queued` how many more are being "
    "registered from the backlog queue"
)
NOT_QUEUED = "The rest of the delivery could not be queued: deliver it again (nothing is doubled)"
M = TypeVar("M", bound=BaseModel)
SignatureCheck = Callable[[bytes, str | None, str], bool]  # (raw body, the header's value, secret)


@dataclass(frozen=True)
class Ports:
    service: IncidentService
    positions: PositionService
    archive: RawArchive
    replies: ReplyQueue
    secrets: Callable[[], ChannelSecrets]
    limiter: RateLimiter
    backlog: ReportBacklog
    monotonic: Callable[[], float] = time.monotonic  # the deadline's clock


@dataclass(frozen=True)
class Refusal:
    """How a request that did not pass its gate is answered: `status` with `message`, the start of its
    body archived as refused for `reason`."""

    status: HTTPStatus
    message: str
    reason: str


class Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


class Unreadable(Exception):
    """A request past its gate that says nothing we can read: kept as an UNPARSED incident, answered 400."""

    def __init__(self, channel: Channel, problem: str) -> None:
        super().__init__(problem)
        self.channel = channel
        self.problem = problem


@dataclass(frozen=True)
class ReadBody:
    """A request body a route reads itself (a webhook checks its signature over the raw bytes before
    parsing), so Powertools cannot declare it: intake/web.py adds it to the OpenAPI document, with the
    schemas of `models`."""

    path: str
    method: str
    content: dict[str, Any]  # media type → {"schema": …}
    models: tuple[type[BaseModel], ...] = ()


def json_content(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}


class PublicRequest:
    """The request a route is answering, and the ports intake/web.py set for this invocation."""

    def __init__(self, router: BaseRouter) -> None:
        self.event = router.current_event  # its headers ignore case, as HTTP's do
        self.ports: Ports = router.context["ports"]
        self.archive: RequestArchive = router.context["archive"]
        self._deadline: Deadline = router.context["deadline"]

    @property
    def raw(self) -> bytes:
        return raw_body(self.event.raw_event)

    def signed_payload(
        self,
        model: type[M],
        channel: Channel,
        *,
        signature: str,
        valid: SignatureCheck,
        secret: str,
        not_an_object: Refusal | None = None,
    ) -> M:
        """The body as `model`, trusted first, then archived whole, then read. Its signature (the header
        `signature`, over the raw bytes with `secret`) must check out, else Refused (401, nothing created,
        counted as WebhookSignatureRejected). A signed body that is not a JSON object is refused with
        `not_an_object` when the platform's signature cannot vouch for one (WebhookPayloadRefused);
        otherwise it is Unreadable (400, kept as an UNPARSED incident), as is an object `model` cannot
        read."""
        raw = self.raw
        if not valid(raw, self.event.headers.get(signature), secret):
            metrics.add_metric(name="WebhookSignatureRejected", unit=MetricUnit.Count, value=1)
            problem = f"{signature} is missing or does not match the body"
            raise Refused(Refusal(HTTPStatus.UNAUTHORIZED, problem, reason="signature"))
        try:
            data = json_loads(raw)
        except ValueError as error:  # not JSON, or JSON Python cannot hold (JSONDecodeError is a ValueError)
            data, problem = None, str(error)
        else:
            problem = "" if isinstance(data, dict) else "the body is not a JSON object"
        if problem and not_an_object is not None:
            metrics.add_metric(name="WebhookPayloadRefused", unit=MetricUnit.Count, value=1)
            raise Refused(not_an_object)
        self.archive.keep()
        try:
            if problem:
                raise ValueError(problem)
            return model.model_validate(data)
        except (ValueError, ValidationError) as error:
            problem = f"not a {channel.value.lower()} webhook payload: {error}"[:256]
            raise Unreadable(channel, problem) from error

    def unparsed(self, channel: Channel, problem: str) -> str:
        """Keep a report nobody could parse as an incident for an operator to read; its id."""
        raw = self.raw
        source = {"rawKey": self.archive.keep() or "", "problem": problem[:256]}
        report = Report(
            channel=channel,
            actor=f"system:{channel.value.lower()}",
            # A redelivery of the same bytes is one incident.
            dedupe_key=f"RAW#{hashlib.sha256(raw).hexdigest()}",
            text=raw.decode("utf-8", "replace")[:MAX_UNPARSED_TEXT],
            source={k: v for k, v in source.items() if v},
            flags=(Flag.UNPARSED,),
        )
        incident, _ = self.ports.service.register(report)
        metrics.add_metric(name="ReportUnparsed", unit=MetricUnit.Count, value=1)
        return incident.id

    def refuse(self, refusal: Refusal) -> Response[Any]:
        self.archive.refuse(refusal.reason)
        return error_response(refusal.status, refusal.message)

    def deliver(self, items: Sequence[Pending]) -> Response[Any]:
        """Register a signed delivery's messages: what fits in the time now, the rest through the backlog."""
        registrar = DeliveryRegistrar(self.ports.service, self.ports.replies, self.ports.backlog)
        try:
            done = registrar.register(items, self._deadline)
        except BacklogUnavailable as error:
            return error_response(HTTPStatus.SERVICE_UNAVAILABLE, f"{NOT_QUEUED} ({error})")
        body = {"incidents": done.incidents, "queued": done.queued}
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=body)
