"""Responders confirm themselves: what a post's page shows, and the statuses it (or its system) reports.

A post reaches this only with proof: the link's token (core/responder_links.py), bound to one incident and
one post, or a status signed with its shared secret (core/signing.py). Both are checked before anything is
read. The status moves its agency's dispatch forward (core/lifecycle.py `agency_status`): a repeat changes
nothing and answers as the first did; a race with another writer is a 409, as everywhere.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Protocol

from pydantic import Field, StringConstraints

from core import lifecycle
from core.clock import Clock, utc_now
from core.directory_models import AgencyType, Post
from core.dispatch_record import RecordLocation, record_location
from core.models import (
    AgencyCode,
    CamelModel,
    Category,
    DispatchStatus,
    Incident,
    IncidentDetail,
    IncidentId,
    PostId,
    Priority,
    RequestModel,
    Status,
    Timestamp,
)
from core.notification import CATEGORY_ID
from core.ports import IncidentRepository

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ResponderNote = Annotated[str, StringConstraints(max_length=500)]
REPORTABLE = [s for s in DispatchStatus if s is not DispatchStatus.NOTIFIED]


class StatusReport(RequestModel):
    """What a post's page sends."""

    status: DispatchStatus = Field(description="ACKNOWLEDGED, EN_ROUTE, ON_SCENE or CLEARED")
    note: ResponderNote | None = Field(default=None, description="Optional, e.g. the unit or the crew")


class AgencyStatusReport(StatusReport):
    """What an agency's system posts, signed with its post's shared secret."""

    incident_id: IncidentId


class ResponderPost(CamelModel):
    id: PostId
    name: str


class ResponderView(CamelModel):
    """What the responders' page shows: what, where, whom to call back, where the response stands."""

    incident_id: IncidentId
    incident_status: Status
    post: ResponderPost
    agency: AgencyCode
    agency_name: str
    category: Category | None
    category_text: str
    priority: Priority | None
    summary: str | None
    caller: str | None = Field(description="E.164, to call the caller back")
    location: RecordLocation
    verified_at: Timestamp | None
    status: DispatchStatus = Field(description="The agency's dispatch, as far as any of its posts took it")
    acknowledged_at: Timestamp | None
    en_route_at: Timestamp | None
    on_scene_at: Timestamp | None
    cleared_at: Timestamp | None
    next: list[DispatchStatus] = Field(description="The statuses still ahead, in order")
    link_expires_at: Timestamp | None = None


class PostDirectory(Protocol):
    def get_post(self, post_id: str) -> Post | None: ...

    def get_type(self, code: str) -> AgencyType | None: ...


class NotResponding(LookupError):
    """The post has nothing to answer on this incident (its type was not dispatched): 404, as a bad link."""


def clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    cleaned = _CONTROL.sub("", note).strip()
    return cleaned or None


class ResponderService:
    def __init__(
        self, repository: IncidentRepository, directory: PostDirectory, clock: Clock = utc_now
    ) -> None:
        self._repo = repository
        self._directory = directory
        self._now = clock

    def view(self, incident_id: str, post_id: str, expires_at: datetime | None = None) -> ResponderView:
        detail = self._repo.get_detail(incident_id)
        post = self._post(detail, post_id)
        dispatch = next(d for d in detail.dispatches if d.agency == post.agency)
        agency_type = self._directory.get_type(post.agency)
        return ResponderView(
            incident_id=detail.id,
            incident_status=detail.status,
            post=ResponderPost(id=post.id, name=post.name),
            agency=post.agency,
            agency_name=agency_type.name_id if agency_type else post.agency,
            category=detail.category,
            category_text=CATEGORY_ID[detail.category] if detail.category else "DARURAT",
            priority=detail.priority,
            summary=detail.summary,
            caller=detail.caller,
            location=record_location(detail),  # the handset's point when the operator gave none
            verified_at=detail.verified_at,
            status=dispatch.status,
            acknowledged_at=dispatch.acknowledged_at,
            en_route_at=dispatch.en_route_at,
            on_scene_at=dispatch.on_scene_at,
            cleared_at=dispatch.cleared_at,
            next=[s for s in REPORTABLE if s.rank > dispatch.status.rank],
            link_expires_at=expires_at,
        )

    def report(
        self, incident_id: str, post_id: str, status: DispatchStatus, note: str | None
    ) -> tuple[Incident | None, str]:
        """Move the post's dispatch to `status` (the incident after the change, or None when it had got
        there already) and the post's agency type."""
        detail = self._repo.get_detail(incident_id)
        post = self._post(detail, post_id)
        incident = Incident.model_validate(detail.model_dump(exclude={"timeline", "dispatches", "call"}))
        change = lifecycle.agency_status(
            incident, detail.dispatches, post.agency, status, f"post:{post.id}", self._now(), clean_note(note)
        )
        if change is None:
            return None, post.agency
        return self._repo.commit(change), post.agency

    def _post(self, detail: IncidentDetail, post_id: str) -> Post:
        """The post, if the incident was sent to it: one of its posts, or a regency-level post of a type
        dispatched (the escalation's last step reaches those)."""
        post = self._directory.get_post(post_id)
        if post is None or not any(d.agency == post.agency for d in detail.dispatches):
            raise NotResponding(f"post {post_id} has no dispatch on incident {detail.id}")
        if post.id not in detail.posts and not post.regency_level:
            raise NotResponding(f"post {post_id} was not sent incident {detail.id}")
        return post
