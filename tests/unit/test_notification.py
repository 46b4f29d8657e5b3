"""What an agency receives: Bahasa Indonesia text, an ASCII subject, and the SNS JSON message."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from core.ids import new_ulid
from core.models import (
    Agency,
    AmlFix,
    AmlTransport,
    AmlWarning,
    Category,
    Channel,
    Incident,
    Location,
    PositioningMethod,
    Priority,
    Status,
)
from core.notification import SMS_LIMIT, agency_record, agency_subject, agency_text, sns_message
from core.regency import REGENCIES, Regency

BANYUWANGI = REGENCIES["banyuwangi"]
VERIFIED_AT = datetime(2026, 11, 29, 3, 40, 13, 123000, tzinfo=UTC)  # 10:40 WIB


def verified_incident(**updates: object) -> Incident:
    data: dict[str, object] = {
        "id": new_ulid(int(VERIFIED_AT.timestamp() * 1000) - 60_000),
        "status": Status.VERIFIED,
        "channel": Channel.VOICE,
        "caller": "+6281234567890",
        "category": Category.FIRE,
        "priority": Priority.P1,
        "location": Location(lat=-8.38421, lon=114.14512, district="Genteng", address="Pasar Genteng"),
        "summary": "Kios terbakar, api membesar",
        "agencies": [Agency.DAMKAR],
        "assigned_to": "operator1",
        "created_by": "system:intake",
        "received_at": VERIFIED_AT,
        "verified_at": VERIFIED_AT,
        "updated_at": VERIFIED_AT,
        "version": 3,
    }
    data.update(updates)
    return Incident.model_validate(data)


# -- text -----------------------------------------------------------------------------------------


def test_agency_text_is_bahasa_indonesia_with_every_fact() -> None:
    incident = verified_incident()
    text = agency_text(incident, Agency.DAMKAR, BANYUWANGI)
    lines = text.splitlines()
    assert lines[0] == "[112 Kabupaten Banyuwangi] KEBAKARAN P1 untuk Pemadam Kebakaran (Damkar)"
    assert lines[1] == "Lokasi: Kec. Genteng, Pasar Genteng, -8.38421,114.14512"
    assert lines[2] == "Ringkasan: Kios terbakar, api membesar"
    assert lines[3] == "Pelapor: +6281234567890"
    assert lines[4] == f"Insiden {incident.id} 29/11 10:40 WIB"
    assert lines[5] == "Mohon konfirmasi penerimaan ke 112."


@pytest.mark.parametrize(
    ("category", "word"),
    [
        (Category.FIRE, "KEBAKARAN"),
        (Category.CRIME, "KRIMINALITAS"),
        (Category.MEDICAL, "DARURAT MEDIS"),
        (Category.TRAFFIC_ACCIDENT, "KECELAKAAN LALU LINTAS"),
        (Category.DISASTER, "BENCANA"),
        (Category.RESCUE, "PENYELAMATAN"),
        (Category.OTHER, "LAINNYA"),
    ],
)
def test_every_category_has_an_indonesian_name(category: Category, word: str) -> None:
    text = agency_text(verified_incident(category=category), Agency.POLICE, BANYUWANGI)
    assert word in text.splitlines()[0]
    assert category.value not in text.splitlines()[0].replace(word, "")


def test_agency_text_names_the_addressee_in_indonesian() -> None:
    text = agency_text(verified_incident(), Agency.PSC119, BANYUWANGI)
    assert "untuk Ambulans PSC 119 (Dinas Kesehatan)" in text


def test_agency_text_without_caller_or_location() -> None:
    text = agency_text(verified_incident(caller=None, location=None, summary=None), Agency.DAMKAR, BANYUWANGI)
    assert "Pelapor: tidak diketahui" in text
    assert "Lokasi: lokasi belum diketahui" in text
    assert "Ringkasan: -" in text


def test_agency_text_time_is_local_across_midnight() -> None:
    late = datetime(2026, 11, 29, 18, 5, tzinfo=UTC)  # 01:05 WIB on 30 November
    text = agency_text(verified_incident(verified_at=late), Agency.DAMKAR, BANYUWANGI)
    assert "30/11 01:05 WIB" in text


def test_agency_text_time_is_labelled_with_the_regency_time_zone() -> None:
    # A regency outside WIB (Bali, across the strait from Banyuwangi, is on WITA, UTC+8).
    buleleng = Regency(code="buleleng", name="Kabupaten Buleleng", timezone="Asia/Makassar", districts=())
    text = agency_text(verified_incident(), Agency.DAMKAR, buleleng)
    assert "29/11 11:40 WITA" in text
    assert "WIB" not in text


# -- subject --------------------------------------------------------------------------------------


def test_agency_subject_is_short_ascii_and_names_the_incident() -> None:
    incident = verified_incident()
    subject = agency_subject(incident, BANYUWANGI)
    assert subject == f"112 Banyuwangi KEBAKARAN P1 {incident.id}"
    assert subject.isascii()
    assert len(subject) < 100


def test_agency_subject_stays_ascii_and_short_for_any_regency() -> None:
    regency = Regency(code="kepulauan-seribu-" + "é" * 120, name="X", timezone="Asia/Jakarta", districts=())
    subject = agency_subject(verified_incident(), regency)
    assert subject.isascii()
    assert len(subject) < 100


# -- SNS message ----------------------------------------------------------------------------------


def test_sns_message_has_a_body_per_protocol() -> None:
    incident = verified_incident()
    message = json.loads(sns_message(incident, Agency.DAMKAR, BANYUWANGI))
    assert {"default", "sms", "email", "sqs", "https"} <= set(message)
    text = agency_text(incident, Agency.DAMKAR, BANYUWANGI)
    assert message["default"] == message["email"] == text
    assert message["sms"] == text


def test_sms_is_cut_to_the_limit() -> None:
    incident = verified_incident(summary="Api menjalar ke kios sebelah. " * 40)
    message = json.loads(sns_message(incident, Agency.DAMKAR, BANYUWANGI))
    assert len(message["default"]) > SMS_LIMIT
    assert len(message["sms"]) == SMS_LIMIT
    assert message["default"].startswith(message["sms"])


def test_sqs_body_is_the_json_record_with_camel_case_incident() -> None:
    incident = verified_incident()
    message = json.loads(sns_message(incident, Agency.DAMKAR, BANYUWANGI))
    record = json.loads(message["sqs"])
    assert record == agency_record(incident, Agency.DAMKAR)
    assert record["agency"] == "DAMKAR"
    assert record["incident"]["id"] == incident.id
    assert record["incident"]["verifiedAt"] == "2026-11-29T03:40:13.123Z"
    assert record["incident"]["assignedTo"] == "operator1"
    assert "verified_at" not in record["incident"]
    assert json.loads(message["https"]) == record


def test_the_record_carries_what_responders_need_and_nothing_of_the_centres_own() -> None:
    fix = AmlFix(
        lat=-8.36611,
        lon=114.15012,
        accuracy_m=12,
        method=PositioningMethod.GNSS,
        received_at=datetime(2026, 11, 29, 3, 40, 5, tzinfo=UTC),
        transport=AmlTransport.SMS,
        number="+6281234567890",
        imei="356938035643809",
        warnings=[AmlWarning.TIME_AHEAD],
    )
    incident = verified_incident().model_copy(
        update={"aml": fix, "report": "kata-kata warga", "source": {"dialledNumber": "+62333112112"}}
    )

    record = json.loads(json.loads(sns_message(incident, Agency.DAMKAR, BANYUWANGI))["sqs"])["incident"]

    assert set(record) == {
        "id", "status", "channel", "caller", "category", "priority", "location", "summary", "agencies",
        "assignedTo", "receivedAt", "verifiedAt", "dispatchedAt", "aml",
    }  # fmt: skip
    assert record["aml"] == {
        "lat": -8.36611, "lon": 114.15012, "accuracyM": 12.0, "method": "GNSS", "fixedAt": None,
        "warnings": ["TIME_AHEAD"],
    }  # fmt: skip
    assert "356938035643809" not in json.dumps(record)
