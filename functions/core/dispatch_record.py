"""What a post is sent: a short Bahasa Indonesia text for people (SMS, e-mail) and, for an agency's own
system, the dispatch record, a JSON document of a versioned schema modelled on NENA's EIDO (Emergency
Incident Data Object, NENA-STA-021): the incident's tracking id and times, its location with the kecamatan,
its type and priority, the notes, the unit asked to respond and where it reports its status. The schema is
committed (docs/schemas/dispatch-record-v1.json, written from `DispatchRecordV1` by tools/schemas.py and
checked by the unit tests); a change that breaks a receiver is a new version, never an edit of v1. What
changes after the dispatch (an update, a withdrawal, a note, a cancellation, …: core/notices.py) is a
notice record of its own schema (docs/schemas/notice-v1.json, `NoticeRecordV1`), told apart by `$schema`
and `recordType`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from core.models import (
    AgencyCode,
    Category,
    DispatchStatus,
    Incident,
    IncidentId,
    PostId,
    Priority,
    Status,
    Timestamp,
)
from core.notification import CATEGORY_ID, SMS_LIMIT, place
from core.regency import Regency

SCHEMA_ID = "https://respon112.id/schemas/dispatch-record-v1.json"
SCHEMA_VERSION = "1"
RECORD_TYPE = "respon112.dispatch"


class Change(StrEnum):
    """Why a post is sent the record: the dispatch itself, or an escalation reaching it."""

    DISPATCH = "DISPATCH"
    ESCALATION = "ESCALATION"


class _Strict(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class RecordLocation(_Strict):
    """EIDO's location component: the civic part (kecamatan, address) and the point, as known."""

    district: str | None = Field(description="Kecamatan, as the regency spells it")
    address: str | None = Field(description="Address or landmark, as the operator wrote it")
    lat: float | None = Field(ge=-90, le=90, description="WGS 84")
    lon: float | None = Field(ge=-180, le=180, description="WGS 84")
    accuracy_m: float | None = Field(ge=0, description="Radius, metres, when the point is the handset's")
    source: Literal["OPERATOR", "HANDSET", "NONE"] = Field(
        description="Who gave the point: the operator, the caller's handset (AML), or nobody"
    )


class RecordIncident(_Strict):
    """EIDO's incident component: the tracking id, status, type, priority, times and notes."""

    id: IncidentId = Field(description="The incident's tracking id at the 112 centre (a ULID)")
    status: Status
    category: Category | None = Field(description="The incident type")
    category_text: str = Field(description="The type in Bahasa Indonesia")
    priority: Priority | None
    summary: str | None = Field(description="The operator's summary")
    caller: str | None = Field(description="E.164, to call the caller back; null when unknown")
    received_at: Timestamp
    verified_at: Timestamp | None
    dispatched_at: Timestamp | None
    location: RecordLocation


class RecordAgency(_Strict):
    type: AgencyCode
    name: str


class RecordPost(_Strict):
    """EIDO's responding unit: the post asked to respond."""

    id: PostId
    name: str


class RecordResponse(_Strict):
    """How the post reports its status: its page (no account) or a signed POST to the endpoint."""

    status_url: str = Field(description="The responders' page for this incident and post")
    status_endpoint: str | None = Field(
        description="POST {incidentId, status, note} here, signed like this record (docs/agencies.md)"
    )
    link_expires_at: Timestamp
    statuses: list[DispatchStatus] = Field(description="In order: each may be posted once, forward only")


class DispatchRecordV1(_Strict):
    """A dispatch record, version 1."""

    schema_: Literal["https://respon112.id/schemas/dispatch-record-v1.json"] = Field(
        alias="$schema", description="This schema's id"
    )
    schema_version: Literal["1"]
    record_type: Literal["respon112.dispatch"]
    record_id: str = Field(
        max_length=200, description="incident:post:change, the same for every redelivery of this change"
    )
    change: Change
    sent_at: Timestamp
    regency: str = Field(description="The 112 centre's regency")
    incident: RecordIncident
    agency: RecordAgency
    post: RecordPost
    response: RecordResponse


def record_location(incident: Incident) -> RecordLocation:
    location, aml = incident.location, incident.aml
    lat: float | None = None
    lon: float | None = None
    accuracy: float | None = None
    source: Literal["OPERATOR", "HANDSET", "NONE"] = "NONE"
    if location is not None and location.lat is not None:
        lat, lon, source = location.lat, location.lon, "OPERATOR"
    elif aml is not None:
        lat, lon, accuracy, source = aml.lat, aml.lon, aml.accuracy_m, "HANDSET"
    return RecordLocation(
        district=location.district if location else None,
        address=location.address if location else None,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy,
        source=source,
    )


def dispatch_record(
    incident: Incident,
    agency: RecordAgency,
    post: RecordPost,
    change: Change,
    change_key: str,
    regency: Regency,
    status_url: str,
    status_endpoint: str | None,
    link_expires_at: datetime,
    now: datetime,
) -> DispatchRecordV1:
    return DispatchRecordV1.model_validate(
        {
            "$schema": SCHEMA_ID,
            "schemaVersion": SCHEMA_VERSION,
            "recordType": RECORD_TYPE,
            "recordId": f"{incident.id}:{post.id}:{change_key}",
            "change": change,
            "sentAt": now,
            "regency": regency.name,
            "incident": RecordIncident(
                id=incident.id,
                status=incident.status,
                category=incident.category,
                category_text=CATEGORY_ID[incident.category] if incident.category else "DARURAT",
                priority=incident.priority,
                summary=incident.summary,
                caller=incident.caller,
                received_at=incident.received_at,
                verified_at=incident.verified_at,
                dispatched_at=incident.dispatched_at,
                location=record_location(incident),
            ),
            "agency": agency,
            "post": post,
            "response": RecordResponse(
                status_url=status_url,
                status_endpoint=status_endpoint,
                link_expires_at=link_expires_at,
                statuses=[s for s in DispatchStatus if s is not DispatchStatus.NOTIFIED],
            ),
        }
    )


# -- a change after the dispatch: the notice record (decision 58) ---------------------------------------

NOTICE_SCHEMA_ID = "https://respon112.id/schemas/notice-v1.json"
NOTICE_RECORD_TYPE = "respon112.notice"


class NoticeKind(StrEnum):
    """What changed after the dispatch (core.notices): the delivery key's prefix, in capitals."""

    UPDATE = "UPDATE"  # location, category, priority, summary or agencies: `changed` says which
    WITHDRAWN = "WITHDRAWN"  # this post is no longer asked to respond
    NOTE = "NOTE"  # an operator's note: `text`
    REPORT = "REPORT"  # another caller reported the same emergency: `text`
    CANCELLED = "CANCELLED"  # a false alarm found later, stand down: `text` is the reason
    CLOSED = "CLOSED"  # closed with its outcome: `text`
    REOPENED = "REOPENED"  # a supervisor reopened it: `text` is the reason


class NoticeRecordV1(_Strict):
    """A notice record, version 1: a change to an incident the post was dispatched to."""

    schema_: Literal["https://respon112.id/schemas/notice-v1.json"] = Field(
        alias="$schema", description="This schema's id"
    )
    schema_version: Literal["1"]
    record_type: Literal["respon112.notice"]
    record_id: str = Field(
        max_length=200, description="incident:post:change, the same for every redelivery of this change"
    )
    notice: NoticeKind
    changed: list[Literal["location", "category", "priority", "summary", "agencies"]] = Field(
        description="UPDATE: the fields that changed (the incident below has their new values)"
    )
    text: str | None = Field(max_length=2000, description="The note, the report, or the reason given")
    sent_at: Timestamp
    regency: str = Field(description="The 112 centre's regency")
    incident: RecordIncident = Field(description="The incident as it is now")
    agency: RecordAgency
    post: RecordPost
    response: RecordResponse | None = Field(
        description="Where the post still reports its status; null once it has nothing more to report "
        "(withdrawn, cancelled, closed)"
    )


def _record_incident(incident: Incident) -> RecordIncident:
    return RecordIncident(
        id=incident.id,
        status=incident.status,
        category=incident.category,
        category_text=CATEGORY_ID[incident.category] if incident.category else "DARURAT",
        priority=incident.priority,
        summary=incident.summary,
        caller=incident.caller,
        received_at=incident.received_at,
        verified_at=incident.verified_at,
        dispatched_at=incident.dispatched_at,
        location=record_location(incident),
    )


def notice_record(
    incident: Incident,
    agency: RecordAgency,
    post: RecordPost,
    change_key: str,
    changed: list[str],
    text: str | None,
    regency: Regency,
    response: RecordResponse | None,
    now: datetime,
) -> NoticeRecordV1:
    kind = change_key.split("-", 1)[0]
    return NoticeRecordV1.model_validate(
        {
            "$schema": NOTICE_SCHEMA_ID,
            "schemaVersion": SCHEMA_VERSION,
            "recordType": NOTICE_RECORD_TYPE,
            "recordId": f"{incident.id}:{post.id}:{change_key}",
            "notice": kind.upper(),
            "changed": changed,
            "text": text,
            "sentAt": now,
            "regency": regency.name,
            "incident": _record_incident(incident),
            "agency": agency,
            "post": post,
            "response": None if kind in _FINAL else response,
        }
    )


def record_response(
    status_url: str, status_endpoint: str | None, link_expires_at: datetime
) -> RecordResponse:
    return RecordResponse(
        status_url=status_url,
        status_endpoint=status_endpoint,
        link_expires_at=link_expires_at,
        statuses=[s for s in DispatchStatus if s is not DispatchStatus.NOTIFIED],
    )


def record_body(record: DispatchRecordV1 | NoticeRecordV1) -> bytes:
    """The exact bytes sent and signed."""
    return record.model_dump_json(by_alias=True).encode("utf-8")


def record_schema() -> dict[str, Any]:
    schema = DispatchRecordV1.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def notice_schema() -> dict[str, Any]:
    schema = NoticeRecordV1.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": NOTICE_SCHEMA_ID, **schema}


def responder_text(
    incident: Incident,
    agency_name: str,
    post_name: str,
    regency: Regency,
    link: str,
    escalation: bool,
    limit: int | None = None,
) -> str:
    """The text for a post's SMS and e-mail, in Bahasa Indonesia, ending with the link (never cut off)."""
    category = CATEGORY_ID[incident.category] if incident.category else "DARURAT"
    when = ""
    if incident.verified_at:
        local, zone = regency.local_time(incident.verified_at)
        when = f" {local:%d/%m %H:%M} {zone}"
    head = "ESKALASI: belum dikonfirmasi. " if escalation else ""
    lines = [
        f"[112 {regency.name}] {head}{category} {incident.priority or ''} untuk {post_name} ({agency_name})",
        f"Lokasi: {place(incident)}",
        f"Ringkasan: {incident.summary or '-'}",
        f"Pelapor: {incident.caller or 'tidak diketahui'}",
        f"Insiden {incident.id}{when}",
    ]
    tail = f"\nKonfirmasi (Diterima/Dalam perjalanan/Tiba/Selesai): {link}"
    body = "\n".join(lines)
    if limit is not None:
        body = body[: max(0, limit - len(tail))]
    return body + tail


# What a notice's text is, by its kind (core.notices): the note, the reason given, the new report.
_TEXT_LABEL = {
    "note": "Catatan",
    "report": "Laporan",
    "cancelled": "Alasan",
    "closed": "Hasil",
    "reopened": "Alasan",
}
# After these the post has nothing more to report: no link to its page.
_FINAL = frozenset({"cancelled", "closed", "withdrawn"})


def notice_text(
    incident: Incident,
    agency_name: str,
    post_name: str,
    regency: Regency,
    link: str,
    kind: str,
    changed: list[str],
    text: str | None,
    limit: int | None = None,
) -> str:
    """A notice of a change after dispatch (core.notices) for a post's SMS and e-mail, in Bahasa
    Indonesia: what happened first, then the incident as it is now, the link last (never cut off)."""
    from core.notices import headline  # noqa: PLC0415 (core.notices imports the models this module uses)

    category = CATEGORY_ID[incident.category] if incident.category else "DARURAT"
    lines = [
        f"[112 {regency.name}] {headline(kind, changed)}",
        f"{category} {incident.priority or ''} untuk {post_name} ({agency_name})",
        f"Lokasi: {place(incident)}",
        f"Ringkasan: {incident.summary or '-'}",
    ]
    if text and kind in _TEXT_LABEL:
        lines.append(f"{_TEXT_LABEL[kind]}: {text}")
    lines.append(f"Insiden {incident.id}")
    tail = "" if kind in _FINAL else f"\nStatus (Diterima/Dalam perjalanan/Tiba/Selesai): {link}"
    body = "\n".join(lines)
    if limit is not None:
        body = body[: max(0, limit - len(tail))]
    return body + tail


def responder_subject(incident: Incident, regency: Regency, escalation: bool) -> str:
    category = CATEGORY_ID[incident.category] if incident.category else "DARURAT"
    head = "ESKALASI " if escalation else ""
    return f"{head}112 {regency.code.title()} {category} {incident.priority or ''} {incident.id}"[:99]


def notice_subject(incident: Incident, regency: Regency, head: str) -> str:
    category = CATEGORY_ID[incident.category] if incident.category else "DARURAT"
    what = head.split(":", maxsplit=1)[0]
    return f"{what} 112 {regency.code.title()} {category} {incident.priority or ''} {incident.id}"[:99]


SMS_TEXT_LIMIT = SMS_LIMIT + 160  # the link adds a segment; still a few SMS at most
