"""The pydantic models: validators, camelCase wire format, timestamps, strictness of requests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from core.ids import new_ulid
from core.models import (
    Action,
    AuditEntry,
    Channel,
    Incident,
    Location,
    LocationInput,
    Rejection,
    RejectionReason,
    Status,
)
from verify.schemas import RejectRequest

AT = datetime(2026, 11, 29, 3, 40, 13, 123000, tzinfo=UTC)


def _incident(**updates: object) -> Incident:
    data: dict[str, object] = {
        "id": new_ulid(1_764_387_613_123),
        "status": Status.RECEIVED,
        "channel": Channel.VOICE,
        "caller": "+6281234567890",
        "contact_id": "5ca32fbd",
        "created_by": "system:intake",
        "received_at": AT,
        "updated_at": AT,
        "version": 1,
    }
    data.update(updates)
    return Incident.model_validate(data)


def _messages(error: ValidationError) -> str:
    return " | ".join(str(e["msg"]) for e in error.errors())


# -- Location -------------------------------------------------------------------------------------


def test_location_accepts_a_point_a_district_or_an_address() -> None:
    assert Location(lat=-8.2192, lon=114.3691).lat == -8.2192
    assert Location(district="Genteng").district == "Genteng"
    assert Location(address="Jl. Ahmad Yani 1").address == "Jl. Ahmad Yani 1"


@pytest.mark.parametrize("half", [{"lat": -8.2}, {"lon": 114.3}])
def test_location_half_a_point_is_an_error(half: dict[str, float]) -> None:
    with pytest.raises(ValidationError) as caught:
        Location.model_validate({**half, "district": "Genteng"})
    assert "lat and lon go together: give both or neither" in _messages(caught.value)


def test_location_with_nothing_is_an_error() -> None:
    with pytest.raises(ValidationError) as caught:
        Location()
    assert "give at least a point (lat, lon), a district or an address" in _messages(caught.value)


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [(90.01, 0.0, "lat"), (-90.01, 0.0, "lat"), (0.0, 180.01, "lon"), (0.0, -180.01, "lon")],
)
def test_location_point_out_of_range(lat: float, lon: float, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Location(lat=lat, lon=lon)
    assert [e["loc"] for e in caught.value.errors()] == [(field,)]


@pytest.mark.parametrize(("lat", "lon"), [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0)])
def test_location_point_bounds_are_inclusive(lat: float, lon: float) -> None:
    location = Location(lat=lat, lon=lon)
    assert (location.lat, location.lon) == (lat, lon)


@pytest.mark.parametrize(("field", "value"), [("district", "G"), ("district", "x" * 65), ("address", "ab")])
def test_location_text_lengths_are_bounded(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Location.model_validate({field: value})
    assert caught.value.errors()[0]["loc"] == (field,)


# -- Rejection ------------------------------------------------------------------------------------


def test_duplicate_needs_duplicate_of() -> None:
    with pytest.raises(ValidationError) as caught:
        Rejection(reason=RejectionReason.DUPLICATE)
    assert "duplicateOf is required when reason is DUPLICATE" in _messages(caught.value)


@pytest.mark.parametrize("reason", [RejectionReason.PRANK, RejectionReason.NON_EMERGENCY])
def test_duplicate_of_is_only_for_duplicate(reason: RejectionReason) -> None:
    with pytest.raises(ValidationError) as caught:
        Rejection(reason=reason, duplicate_of=new_ulid())
    assert "duplicateOf is only for reason DUPLICATE" in _messages(caught.value)


def test_duplicate_with_target_is_valid() -> None:
    target = new_ulid()
    rejection = Rejection.model_validate({"reason": "DUPLICATE", "duplicateOf": target})
    assert rejection.reason is RejectionReason.DUPLICATE
    assert rejection.duplicate_of == target


def test_duplicate_of_must_be_an_incident_id() -> None:
    with pytest.raises(ValidationError) as caught:
        Rejection.model_validate({"reason": "DUPLICATE", "duplicateOf": "incident-7"})
    assert caught.value.errors()[0]["loc"] == ("duplicateOf",)


def test_prank_needs_nothing_else() -> None:
    assert Rejection(reason=RejectionReason.PRANK).duplicate_of is None


# -- aliases ---------------------------------------------------------------------------------------


def test_dump_by_alias_is_camel_case() -> None:
    data = _incident(assigned_to="operator1").model_dump(mode="json", by_alias=True)
    assert {"contactId", "createdBy", "receivedAt", "updatedAt", "assignedTo"} <= set(data)
    assert not {"contact_id", "created_by", "received_at", "updated_at", "assigned_to"} & set(data)
    assert data["assignedTo"] == "operator1"


def test_dump_without_alias_uses_python_names() -> None:
    data = _incident().model_dump(mode="json")
    assert data["created_by"] == "system:intake"
    assert "createdBy" not in data


def test_models_populate_by_camel_alias_and_by_name() -> None:
    by_alias = Incident.model_validate(_incident().model_dump(mode="json", by_alias=True))
    by_name = Incident.model_validate(_incident().model_dump(mode="json"))
    assert by_alias.contact_id == by_name.contact_id == "5ca32fbd"
    assert by_alias.received_at == by_name.received_at == AT
    rejection = Rejection.model_validate({"reason": "DUPLICATE", "duplicate_of": by_alias.id})
    assert rejection.duplicate_of == by_alias.id


def test_json_round_trip_is_lossless() -> None:
    incident = _incident(location=Location(lat=-8.2192, lon=114.3691, district="Genteng"))
    again = Incident.model_validate_json(incident.model_dump_json(by_alias=True))
    assert again == incident


# -- timestamps -----------------------------------------------------------------------------------


def test_timestamp_serialises_iso_with_milliseconds_and_z() -> None:
    data = _incident().model_dump(mode="json")
    assert data["received_at"] == "2026-11-29T03:40:13.123Z"


def test_timestamp_on_a_whole_second_still_has_milliseconds() -> None:
    data = _incident(received_at=AT.replace(microsecond=0)).model_dump(mode="json")
    assert data["received_at"] == "2026-11-29T03:40:13.000Z"


def test_timestamp_truncates_microseconds() -> None:
    data = _incident(received_at=AT.replace(microsecond=123999)).model_dump(mode="json")
    assert data["received_at"] == "2026-11-29T03:40:13.123Z"


def test_timestamp_in_json_string_too() -> None:
    payload = json.loads(_incident(claimed_at=AT + timedelta(seconds=1)).model_dump_json(by_alias=True))
    assert payload["claimedAt"] == "2026-11-29T03:40:14.123Z"


def test_timestamp_stays_a_datetime_in_python_mode() -> None:
    assert _incident().model_dump()["received_at"] == AT


def test_audit_entry_serialises_camel_case_with_timestamp() -> None:
    entry = AuditEntry(
        incident_id=new_ulid(), version=2, at=AT, actor="operator1", action=Action.CLAIM,
        from_status=Status.RECEIVED, to_status=Status.IN_REVIEW,
    )  # fmt: skip
    data = entry.model_dump(mode="json", by_alias=True)
    assert data["at"] == "2026-11-29T03:40:13.123Z"
    assert data["fromStatus"] == "RECEIVED"
    assert data["toStatus"] == "IN_REVIEW"


# -- strictness -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (LocationInput, {"district": "Genteng", "kecamatan": "Genteng"}),
        (LocationInput, {"lat": 1.0, "lon": 1.0, "latitude": 1.0}),
        (RejectRequest, {"reason": "PRANK", "comment": "typo of note"}),
    ],
)
def test_request_models_forbid_unknown_fields(
    model: type[LocationInput | RejectRequest], data: dict[str, object]
) -> None:
    # The API's versions of Location and Rejection (verify/schemas.py) refuse what the stored ones ignore.
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    assert [e["type"] for e in caught.value.errors()] == ["extra_forbidden"]


def test_stored_models_ignore_unknown_fields() -> None:
    data = _incident().model_dump(mode="json", by_alias=True)
    incident = Incident.model_validate({**data, "addedByANewerVersion": "x"})
    assert incident.id == data["id"]
    assert "addedByANewerVersion" not in incident.model_dump(by_alias=True)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("location", {"district": "Genteng", "plusCode": "6P3Q+7X"}),
        ("rejection", {"reason": "PRANK", "reviewedBy": "supervisor1"}),
    ],
)
def test_stored_incident_ignores_unknown_fields_in_nested_models(field: str, value: dict[str, str]) -> None:
    # "Stored models ignore unknown attributes so an older function can read an item written by a newer
    # one": that must hold for the location and rejection an incident embeds, not only for its top level.
    data = _incident().model_dump(mode="json", by_alias=True)
    incident = Incident.model_validate({**data, field: value})
    assert getattr(incident, field) is not None


def test_incident_version_starts_at_one() -> None:
    with pytest.raises(ValidationError) as caught:
        _incident(version=0)
    assert caught.value.errors()[0]["loc"] == ("version",)


def test_incident_id_must_be_a_ulid() -> None:
    with pytest.raises(ValidationError) as caught:
        _incident(id="not-a-ulid")
    assert caught.value.errors()[0]["loc"] == ("id",)
