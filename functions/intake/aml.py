"""Advanced Mobile Location (ETSI TS 103 625), as Android's Emergency Location Service sends it.

SMS: `A"ML=1;lt=+51.53321;lg=-0.12601;rd=14;top=20220131171748;lc=68;pm=W;si=…;ei=…;mcc=234;mnc=15;ml=126`,
relayed to us by an SMS gateway with the sender's number. HTTPS: name-value pairs (`location_latitude`,
`location_accuracy`, `device_number`, …), every one optional. A message that says it has no position
(`pm=N`, `rd=N`, no latitude) is well-formed and yields no fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from core.models import AmlFix, AmlTransport, PositioningMethod
from core.phone import normalize_phone

SMS_KEYS = frozenset({'A"ML', "lt", "lg", "rd", "top", "lc", "pm", "si", "ei", "mcc", "mnc", "ml"})
_METHODS = {"G": PositioningMethod.GNSS, "W": PositioningMethod.WIFI, "C": PositioningMethod.CELL}
_HTTPS_METHODS = {
    "gps": PositioningMethod.GNSS,
    "wifi": PositioningMethod.WIFI,
    "cell": PositioningMethod.CELL,
}
_DIGITS = re.compile(r"^[0-9]{14,16}$")
MAX_ACCURACY_M = 1_000_000.0  # a circle wider than 1,000 km locates nobody


class AmlFormatError(ValueError):
    """Not an AML message, or one that breaks the format (the message says what)."""


@dataclass(frozen=True)
class AmlMessage:
    fix: AmlFix | None  # None: the handset had no position
    number: str | None
    imei: str | None
    warnings: tuple[str, ...] = ()


def _float(value: str | None, field: str) -> float | None:
    if value in (None, "", "N"):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except ValueError:
        raise AmlFormatError(f"{field}={value!r} is not a number") from None
    if not math.isfinite(number):
        raise AmlFormatError(f"{field}={value!r} is not a finite number")
    return number


def parse_sms(text: str, sender: str | None, received_at: datetime) -> AmlMessage:
    """An AML SMS body, as relayed with the sender's number."""
    text = text.strip()
    if not text.startswith('A"ML='):
        raise AmlFormatError('not an AML message: it must start with A"ML=')
    fields: dict[str, str] = {}
    for part in text.split(";"):
        key, separator, value = part.partition("=")
        if not separator:
            raise AmlFormatError(f"{part!r} is not key=value")
        if key not in SMS_KEYS:
            raise AmlFormatError(f"unknown key {key!r}")
        if key in fields:
            raise AmlFormatError(f"key {key!r} appears twice")
        fields[key] = value
    version = fields['A"ML']
    if version != "1":
        raise AmlFormatError(f'version A"ML={version} is not 1')
    warnings: list[str] = []
    if "ml" in fields and fields["ml"] != str(len(text)):
        # ml guards against truncation, but Google's own published sample is off by one: a position in an
        # emergency is worth more than the check, so a mismatch is reported, not fatal. A truncated
        # message fails on its fields anyway.
        warnings.append(f"ml={fields['ml']} but the message is {len(text)} characters long")
    fixed_at = None
    if fields.get("top"):
        if not re.fullmatch(r"[0-9]{14}", fields["top"]):
            raise AmlFormatError(f"top={fields['top']!r} is not yyyyMMddHHmmss")
        try:
            fixed_at = datetime.strptime(fields["top"], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            raise AmlFormatError(f"top={fields['top']!r} is not a valid time") from None
    number = normalize_phone(sender)
    imei = fields.get("ei") if _DIGITS.match(fields.get("ei", "")) else None
    lat, lon = _float(fields.get("lt"), "lt"), _float(fields.get("lg"), "lg")
    method = _METHODS.get(fields.get("pm", ""), PositioningMethod.UNKNOWN)
    said_none = fields.get("pm") == "N" or fields.get("rd") == "N"
    if lat is None or lon is None or said_none or (lat == 0 and lon == 0):
        return AmlMessage(None, number, imei, tuple(warnings))
    fix = _fix(
        lat, lon, _float(fields.get("rd"), "rd"), _float(fields.get("lc"), "lc"), method, fixed_at,
        received_at, AmlTransport.SMS, number, imei,
    )  # fmt: skip
    return AmlMessage(fix, number, imei, tuple(warnings))


def parse_https(form: Mapping[str, str], received_at: datetime) -> AmlMessage:
    """ELS HTTPS name-value pairs. Every field is optional; a malformed one makes the message discarded."""
    number = normalize_phone(form.get("device_number"))
    imei_field = form.get("device_imei") or form.get("imei") or ""
    imei = imei_field if _DIGITS.match(imei_field) else None
    lat = _float(form.get("location_latitude"), "location_latitude")
    lon = _float(form.get("location_longitude"), "location_longitude")
    if lat is None or lon is None:
        return AmlMessage(None, number, imei)
    confidence = _float(form.get("location_confidence"), "location_confidence")
    fixed_at = None
    if form.get("location_time"):
        milliseconds = _float(form["location_time"], "location_time")
        try:
            fixed_at = datetime.fromtimestamp(milliseconds / 1000, tz=UTC) if milliseconds else None
        except (OverflowError, OSError, ValueError):
            raise AmlFormatError(f"location_time={form['location_time']!r} is out of range") from None
    method = _HTTPS_METHODS.get((form.get("location_source") or "").lower(), PositioningMethod.UNKNOWN)
    fix = _fix(
        lat, lon, _float(form.get("location_accuracy"), "location_accuracy"),
        None if confidence is None else confidence * 100, method, fixed_at, received_at,
        AmlTransport.HTTPS, number, imei,
    )  # fmt: skip
    return AmlMessage(fix, number, imei)


def _fix(
    lat: float,
    lon: float,
    accuracy: float | None,
    confidence: float | None,
    method: PositioningMethod,
    fixed_at: datetime | None,
    received_at: datetime,
    transport: AmlTransport,
    number: str | None,
    imei: str | None,
) -> AmlFix:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise AmlFormatError(f"position {lat},{lon} is outside the globe")
    if accuracy is not None and not 0 <= accuracy <= MAX_ACCURACY_M:
        raise AmlFormatError(f"accuracy {accuracy} m is not between 0 and {MAX_ACCURACY_M:.0f}")
    if confidence is not None and not 0 <= confidence <= 100:
        raise AmlFormatError(f"confidence {confidence} is not a percentage")
    return AmlFix(
        lat=lat,
        lon=lon,
        accuracy_m=accuracy,
        confidence=confidence,
        method=method,
        fixed_at=fixed_at,
        received_at=received_at,
        transport=transport,
        number=number,
        imei=imei,
    )
