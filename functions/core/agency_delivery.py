"""Delivery per post: each post of a dispatch (or of an escalation, or of a change after the dispatch:
core/notices.py) is told on its own channels.

One request per incident x post x change comes through the delivery queue (core/messaging.py). The post
is read from the directory when it is sent, not when it was queued, so a number changed a second ago is
the one used. Each channel and address is sent once (`Once`, the idempotency table): a redelivery after a
partial failure sends only what failed. What fails raises, SQS tries again with the queue's backoff, and
after the last try the request waits in the delivery dead-letter queue, where an alarm calls a person.
Placeholder contacts (+62000…, .invalid) are never sent to.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from typing import Protocol

from pydantic import Field

from core import responder_links
from core.clock import Clock, utc_now
from core.directory_models import AgencyType, Post, is_placeholder_address, is_placeholder_phone
from core.dispatch_record import (
    SMS_TEXT_LIMIT,
    Change,
    RecordAgency,
    RecordPost,
    dispatch_record,
    notice_record,
    notice_subject,
    notice_text,
    record_body,
    record_response,
    responder_subject,
    responder_text,
)
from core.models import AgencyCode, CamelModel, Incident, IncidentId, PostId, Status
from core.notices import DISPATCH, ESCALATION, headline
from core.observability import MetricUnit, logger, metrics
from core.ports import IncidentRepository
from core.regency import Regency
from core.signing import signed_headers


class Contact(StrEnum):
    POST = "POST"  # the post's own contacts: SMS, e-mail, its HTTPS endpoint
    ESCALATION = "ESCALATION"  # its second contact (the Kapolsek, the duty officer): SMS and e-mail


class DeliveryRequest(CamelModel):
    """One message on the delivery queue."""

    incident_id: IncidentId
    post_id: PostId
    agency: AgencyCode
    change: str = Field(
        pattern=r"^[a-z0-9-]{1,32}$", description="Which change this is (dispatch, escalation-1, …): the key"
    )
    contact: Contact = Contact.POST
    text: str | None = Field(
        default=None, max_length=2000, description="A notice's note, reason or report (core.notices)"
    )
    changed: list[str] = Field(default_factory=list, max_length=8, description="An update's changed fields")


class Channels(Protocol):
    def sms(self, number: str, text: str) -> str: ...

    def email(self, address: str, subject: str, text: str) -> str: ...

    def https(self, url: str, body: bytes, headers: dict[str, str]) -> str:
        """POST, retried with backoff; raises when it gives up."""
        ...


class Once(Protocol):
    def run(self, key: str, send: Callable[[], str]) -> str:
        """`send()` the first time `key` is run, its first result every later time."""
        ...


class PostDirectory(Protocol):
    def get_post(self, post_id: str) -> Post | None: ...

    def get_type(self, code: str) -> AgencyType | None: ...


class Unseal(Protocol):
    def unseal(self, owner: str, sealed: str) -> str: ...


class AgencyDelivery:
    def __init__(
        self,
        repository: IncidentRepository,
        directory: PostDirectory,
        sealer: Unseal,
        channels: Channels,
        once: Once,
        link_key: Callable[[], str],
        regency: Regency,
        page_url: str,
        status_endpoint: str | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._repo = repository
        self._directory = directory
        self._sealer = sealer
        self._channels = channels
        self._once = once
        self._link_key = link_key
        self._regency = regency
        self._page_url = page_url
        self._status_endpoint = status_endpoint
        self._now = clock

    def deliver(self, request: DeliveryRequest) -> list[str]:
        """Send what the request asks on every channel of the post; the keys sent (or sent before)."""
        incident = self._repo.get(request.incident_id)
        post = self._directory.get_post(request.post_id)  # read now: the number as it is at sending time
        if post is None or not post.active or _too_late(incident, request):
            metrics.add_metric(name="DeliverySkipped", unit=MetricUnit.Count, value=1)
            return []
        agency_type = self._directory.get_type(post.agency)
        agency_name = agency_type.name_id if agency_type else post.agency
        now = self._now()
        token = responder_links.issue(self._link_key(), incident.id, post.id, now)
        link = responder_links.link(self._page_url, token)
        text, sms_text, subject = self._texts(incident, request, agency_name, post.name, link)
        base = f"{incident.id}:{post.id}:{request.change}"
        if request.contact is Contact.ESCALATION:
            numbers = post.escalation.sms if post.escalation else []
            addresses = post.escalation.emails if post.escalation else []
            endpoint = None
        else:
            numbers, addresses, endpoint = post.contacts.sms, post.contacts.emails, post.contacts.https
        sent: list[str] = []
        for number in numbers:
            if not is_placeholder_phone(number):
                key = f"{base}:sms:{number}"
                self._once.run(key, partial(self._channels.sms, number, sms_text))
                sent.append(key)
        for address in addresses:
            if not is_placeholder_address(address):
                key = f"{base}:email:{address}"
                self._once.run(key, partial(self._channels.email, address, subject, text))
                sent.append(key)
        if endpoint is not None and not is_placeholder_address(endpoint.url):
            if post.sealed_secret is None:
                logger.error("endpoint without its secret", extra={"post": post.id})
            else:
                body = self._record(incident, request, post, agency_name, link, _expiry(token), now)
                secret = self._sealer.unseal(post.id, post.sealed_secret)
                headers = signed_headers(secret, int(now.timestamp()), body)
                key = f"{base}:https"
                self._once.run(key, partial(self._channels.https, endpoint.url, body, headers))
                sent.append(key)
        if not sent:
            logger.warning(
                "post has no contact to send to", extra={"post": post.id, "contact": request.contact}
            )
            metrics.add_metric(name="DeliveryNoContact", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="PostNotified", unit=MetricUnit.Count, value=len(sent))
        return sent

    def _record(
        self,
        incident: Incident,
        request: DeliveryRequest,
        post: Post,
        agency_name: str,
        link: str,
        expires: datetime,
        now: datetime,
    ) -> bytes:
        """The bytes for the post's system: a dispatch record (the dispatch, an escalation), or a notice
        record for a change after it (docs/schemas/notice-v1.json)."""
        agency, named = (
            RecordAgency(type=post.agency, name=agency_name),
            RecordPost(id=post.id, name=post.name),
        )
        kind = request.change.split("-", 1)[0]
        if kind in (DISPATCH, ESCALATION):
            change = Change.ESCALATION if kind == ESCALATION else Change.DISPATCH
            record = dispatch_record(
                incident, agency, named, change, request.change, self._regency, link, self._status_endpoint,
                expires, now,
            )  # fmt: skip
            return record_body(record)
        response = record_response(link, self._status_endpoint, expires)
        notice = notice_record(
            incident,
            agency,
            named,
            request.change,
            request.changed,
            request.text,
            self._regency,
            response,
            now,
        )
        return record_body(notice)

    def _texts(
        self, incident: Incident, request: DeliveryRequest, agency_name: str, post_name: str, link: str
    ) -> tuple[str, str, str]:
        """The e-mail's text, the SMS's and the subject: of the dispatch, an escalation or a notice."""
        kind = request.change.split("-", 1)[0]
        if kind in (DISPATCH, ESCALATION):
            escalation = kind == ESCALATION
            args = (incident, agency_name, post_name, self._regency, link, escalation)
            return (
                responder_text(*args),
                responder_text(*args, SMS_TEXT_LIMIT),
                responder_subject(incident, self._regency, escalation),
            )
        notice = (incident, agency_name, post_name, self._regency, link, kind, request.changed, request.text)
        return (
            notice_text(*notice),
            notice_text(*notice, limit=SMS_TEXT_LIMIT),
            notice_subject(incident, self._regency, headline(kind, request.changed)),
        )


def _too_late(incident: Incident, request: DeliveryRequest) -> bool:
    """A dispatch (or an escalation) to an incident closed or cancelled before it went out is not sent: a
    cancellation queued for the same posts tells those that were sent it already."""
    kind = request.change.split("-", 1)[0]
    if kind in (DISPATCH, ESCALATION) and incident.status is Status.CLOSED:
        logger.info("dispatch to a closed incident not sent", extra={"post": request.post_id})
        return True
    return False


def _expiry(token: str) -> datetime:
    return datetime.fromtimestamp(int(token.split(".")[2]), UTC)
