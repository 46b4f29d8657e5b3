"""What the agencies are told of a change after their dispatch (docs/api.md, after verification, decision 58).

A change an operator makes to a dispatched incident (an update, a note, a cancellation, a closing, a
reopening, another caller's report) is committed together with its `Notice`, kept in an outbox item
(`OUTBOX#NOTICES`, decision 62); then the operators' API queues the notice on the dispatch queue, naming
the posts it is for, and takes it out of the outbox. A notice the API could not queue (the queue
unreachable, the function stopped in between) stays in the outbox, and the dispatch reconciler queues it
after a grace period: nothing the posts should hear is lost. The dispatch worker turns it into one
delivery request per post, keyed `<kind>-v<version>` (the incident version the change produced), and
agency-delivery sends each incident x post x key once on each channel: a redelivered notice, or the same
request queued twice, is sent once. An update also dispatches the posts it adds (`dispatch-v<version>`)
and tells the posts it takes off that they are withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import Field

from core.models import (
    MAX_INCIDENT_POSTS,
    AgencyCode,
    CamelModel,
    Dispatch,
    Incident,
    IncidentId,
    PostId,
    Status,
    Timestamp,
)


class NoticeKind(StrEnum):
    UPDATE = "UPDATE"  # location, category, priority, summary or agencies changed (`changed` says which)
    NOTE = "NOTE"  # an operator's note
    REPORT = "REPORT"  # another caller reported the same emergency (an attach)
    CANCELLED = "CANCELLED"  # a false alarm found later: stand down
    CLOSED = "CLOSED"  # closed with its outcome
    REOPENED = "REOPENED"  # a supervisor reopened it: the closing or cancellation was a mistake


# Delivery keys' prefixes besides the notices' own (core.agency_delivery reads them back).
DISPATCH = "dispatch"  # a post added by an update is dispatched to, as at verification
WITHDRAWN = "withdrawn"  # a post an update took off the incident
ESCALATION = "escalation"  # core.escalation's keys: escalation-1, escalation-2

PostMap = dict[PostId, AgencyCode]

# The outbox's partition in the incidents table: the only items the API and the reconciler may delete.
OUTBOX_PK = "OUTBOX#NOTICES"


class Notice(CamelModel):
    """One change to tell the posts of a dispatched incident, as queued for the dispatch worker."""

    kind: NoticeKind
    version: int = Field(ge=1, description="The incident version the change produced: the delivery key")
    changed: list[str] = Field(
        default_factory=list,
        max_length=8,
        description="UPDATE: location, category, priority, summary, agencies",
    )
    text: str | None = Field(default=None, max_length=2000, description="The note, the reason, the report")
    told: PostMap = Field(default_factory=dict, max_length=MAX_INCIDENT_POSTS, description="Posts told")
    dispatched: PostMap = Field(
        default_factory=dict, max_length=MAX_INCIDENT_POSTS, description="UPDATE: posts added, dispatched to"
    )
    withdrawn: PostMap = Field(
        default_factory=dict, max_length=MAX_INCIDENT_POSTS, description="UPDATE: posts taken off"
    )

    def deliveries(self) -> list[tuple[PostId, AgencyCode, str]]:
        """(post, agency type, delivery key) of every post this notice reaches."""
        own = f"{self.kind.value.lower()}-v{self.version}"
        return [
            *((post, agency, own) for post, agency in self.told.items()),
            *((post, agency, f"{DISPATCH}-v{self.version}") for post, agency in self.dispatched.items()),
            *((post, agency, f"{WITHDRAWN}-v{self.version}") for post, agency in self.withdrawn.items()),
        ]

    @property
    def empty(self) -> bool:
        return not (self.told or self.dispatched or self.withdrawn)


class PendingNotice(CamelModel):
    """A notice committed with its change and not known to be queued yet (the outbox's item)."""

    incident_id: IncidentId
    notice: Notice
    at: Timestamp = Field(description="When the change was committed")

    @property
    def key(self) -> str:
        """Its place in the outbox: oldest first, one per incident version."""
        return outbox_key(self.at, self.incident_id, self.notice.version)


def outbox_key(at: datetime, incident_id: str, version: int) -> str:
    moment = at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return f"{moment}#{incident_id}#{version:010d}"


def live_posts(dispatches: Iterable[Dispatch]) -> PostMap:
    """The posts an incident's agencies were dispatched to and not withdrawn from."""
    return {post: d.agency for d in dispatches if d.withdrawn_at is None for post in d.posts}


def posts_of(incident: Incident, dispatches: Sequence[Dispatch], agency_of: Mapping[str, str]) -> PostMap:
    """Whom a change to the incident concerns: its dispatches' posts once dispatched; before that, the posts
    chosen at verification (a dispatch may be on its way to them), by the type `agency_of` gives."""
    if dispatches:
        return live_posts(dispatches)
    if incident.status is Status.VERIFIED or incident.dispatched_at is None:
        return {post: agency_of[post] for post in incident.posts if post in agency_of}
    return {}


# -- what a person at the post reads (SMS, e-mail), in Bahasa Indonesia --------------------------------

FIELD_ID = {
    "location": "lokasi",
    "category": "jenis",
    "priority": "prioritas",
    "summary": "ringkasan",
    "agencies": "instansi",
}

HEADLINE = {
    "update": "PEMBARUAN",
    "note": "CATATAN",
    "report": "LAPORAN TAMBAHAN",
    "cancelled": "DIBATALKAN",
    "closed": "DITUTUP",
    "reopened": "DIBUKA KEMBALI",
    WITHDRAWN: "DITARIK",
}


def headline(prefix: str, changed: Sequence[str]) -> str:
    """The first words of a notice: what happened, and for an update what changed."""
    head = HEADLINE.get(prefix, "PEMBARUAN")
    if prefix == "update" and changed:
        head += " (" + ", ".join(FIELD_ID.get(name, name) for name in changed) + ")"
    if prefix == WITHDRAWN:
        head += ": pos Anda tidak lagi diminta menangani insiden ini"
    if prefix == "cancelled":
        head += ": bukan keadaan darurat, hentikan respons"
    return head
