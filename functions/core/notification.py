"""What an agency receives when an incident is dispatched to it: a short Bahasa Indonesia text for
people (SMS, e-mail) and the structured record for systems (SQS, HTTPS, Lambda subscribers)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.agencies import AGENCIES, DirectorySnapshot, posts_by_agency
from core.models import Category, Incident
from core.regency import Regency

CATEGORY_ID: dict[Category, str] = {
    Category.FIRE: "KEBAKARAN",
    Category.CRIME: "KRIMINALITAS",
    Category.MEDICAL: "DARURAT MEDIS",
    Category.TRAFFIC_ACCIDENT: "KECELAKAAN LALU LINTAS",
    Category.DISASTER: "BENCANA",
    Category.RESCUE: "PENYELAMATAN",
    Category.OTHER: "LAINNYA",
}

SMS_LIMIT = 300  # keeps an SMS notification to a couple of segments


@dataclass(frozen=True)
class Addressee:
    """Whom a notification is for, in words: the agency type's name and the incident's posts of it (the
    agency directory's, read by the dispatch worker); without the directory, the built-in name or code."""

    name: str
    posts: tuple[tuple[str, str], ...] = ()  # (post id, name)


def built_in(agency: str) -> Addressee:
    info = AGENCIES.get(agency)
    return Addressee(info.name_id if info else agency)


def addressee(snapshot: DirectorySnapshot, incident: Incident, agency: str) -> Addressee:
    """The type's name and the incident's posts of it, in words (a post the snapshot lacks, by its id)."""
    agency_type = snapshot.type(agency)
    if agency_type is None:
        return built_in(agency)
    posts = posts_by_agency(snapshot, incident).get(agency, [])
    named = tuple(
        (post_id, (found.name if (found := snapshot.post(post_id)) else post_id)) for post_id in posts
    )
    return Addressee(agency_type.name_id, named)


def place(incident: Incident) -> str:
    location = incident.location
    if location is None:
        return "lokasi belum diketahui"
    parts = []
    if location.district:
        parts.append(f"Kec. {location.district}")
    if location.address:
        parts.append(location.address)
    if location.lat is not None and location.lon is not None:
        parts.append(f"{location.lat:.5f},{location.lon:.5f}")
    return ", ".join(parts)


def agency_text(incident: Incident, agency: str, regency: Regency, to: Addressee | None = None) -> str:
    """The human text: what, for whom, where, who to call back, which incident."""
    to = to or built_in(agency)
    whom = to.name + (f": {', '.join(name for _, name in to.posts)}" if to.posts else "")
    category = CATEGORY_ID[incident.category] if incident.category else "DARURAT"
    when = ""
    if incident.verified_at:
        local, zone = regency.local_time(incident.verified_at)
        when = f"{local:%d/%m %H:%M} {zone}"
    lines = [
        f"[112 {regency.name}] {category} {incident.priority or ''} untuk {whom}".strip(),
        f"Lokasi: {place(incident)}",
        f"Ringkasan: {incident.summary or '-'}",
        f"Pelapor: {incident.caller or 'tidak diketahui'}",
        f"Insiden {incident.id} {when}".strip(),
        "Mohon konfirmasi penerimaan ke 112.",
    ]
    return "\n".join(lines)


def agency_subject(incident: Incident, regency: Regency) -> str:
    # SNS subjects must be ASCII and under 100 characters.
    category = CATEGORY_ID[incident.category] if incident.category else "DARURAT"
    subject = f"112 {regency.code.title()} {category} {incident.priority or ''} {incident.id}"
    return subject.encode("ascii", "replace").decode()[:99]


# What responders need, in the API's names: what, where (the handset's fix without its IMEI or number),
# whom to call back, which operator to ask, when. Not the citizen's raw words, channel metadata, flags or
# the handset's identifiers: an agency's system is outside the 112 centre's data boundary.
AGENCY_FIELDS: dict[str, Any] = {
    "id": True,
    "status": True,
    "channel": True,
    "caller": True,
    "category": True,
    "priority": True,
    "location": True,
    "summary": True,
    "agencies": True,
    "assigned_to": True,
    "received_at": True,
    "verified_at": True,
    "dispatched_at": True,
    # warnings: what to doubt, such as a fixed_at from a handset clock years ahead.
    "aml": {"lat": True, "lon": True, "accuracy_m": True, "method": True, "fixed_at": True, "warnings": True},
}


def agency_record(incident: Incident, agency: str, to: Addressee | None = None) -> dict[str, Any]:
    """The machine-readable notification: the addressee (its posts too, when the incident names some)
    and the incident as far as responders need it."""
    posts = (to.posts if to else ()) or ()
    return {
        "agency": agency,
        **({"posts": [{"id": post, "name": name} for post, name in posts]} if posts else {}),
        "incident": incident.model_dump(mode="json", by_alias=True, include=AGENCY_FIELDS),
    }


def sns_message(incident: Incident, agency: str, regency: Regency, to: Addressee | None = None) -> str:
    """An SNS MessageStructure=json body: people get text, systems get the record."""
    text = agency_text(incident, agency, regency, to)
    record = json.dumps(agency_record(incident, agency, to), ensure_ascii=False)
    return json.dumps(
        {
            "default": text,
            "sms": text[:SMS_LIMIT],
            "email": text,
            "sqs": record,
            "https": record,
            "http": record,
            "lambda": record,
        },
        ensure_ascii=False,
    )
