"""Advanced Mobile Location (ETSI TS 103 625), as Android's Emergency Location Service sends it.

SMS: `A"ML=1;lt=+51.53321;lg=-0.12601;rd=14;top=20220131171748;lc=68;pm=W;si=…;ei=…;mcc=234;mnc=15;ml=126`,
relayed to us by an SMS gateway with the sender's number. HTTPS: name-value pairs (`location_latitude`,
`location_accuracy`, `device_number`, …), every one optional. A message that says it has no position
(`pm=N`, `rd=N`, no latitude) is well-formed and yields no fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from core.models import AmlFix, AmlTransport, AmlWarning, PositioningMethod
from core.phone import normalize_phone

SMS_KEYS = frozenset({'A"ML', "lt", "lg", "rd", "top", "lc", "pm", "si", "ei", "mcc", "mnc", "ml"})
_METHODS = {"G": PositioningMethod.GNSS, "W": PositioningMethod.WIFI, "C": PositioningMethod.CELL}
_HTTPS_METHODS = {
    "gps": PositioningMethod.GNSS,
    "wifi": PositioningMethod.WIFI,
    "cell": PositioningMethod.CELL,
}
_DIGITS = re.compile(r"^[0-9]{14,16}$")
_LENGTH = re.compile(r"[0-9]{1,4}")
_DECIMAL = re.compile(r"[+-]?[0-9]{1,20}(\.[0-9]{1,20})?")
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
    # A plain decimal: float() would also take "1_0", "1e3", "inf" and spaces.
    if not _DECIMAL.fullmatch(value):  # type: ignore[arg-type]
        raise AmlFormatError(f"{field}={value!r} is not a number")
    return float(value)  # type: ignore[arg-type]


def _optional(form: Mapping[str, str], field: str, warnings: list[str]) -> float | None:
    """An optional ELS field: malformed, it is dropped with a warning, and the rest is kept (Google asks
    receivers to tolerate malformed fields)."""
    try:
        return _float(form.get(field), field)
    except AmlFormatError as error:
        warnings.append(f"{error}; ignored")
        return None


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
    miscounted = _check_length(fields, text, warnings)
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
        received_at, AmlTransport.SMS, number, imei, [AmlWarning.LENGTH_MISMATCH] if miscounted else [],
    )  # fmt: skip
    return AmlMessage(fix, number, imei, tuple(warnings))


def _check_length(fields: Mapping[str, str], text: str, warnings: list[str]) -> bool:
    """Whether `ml`, the message's own length, is more than one off; a message that may be cut short
    is refused.

    ml is the last field, so a message cut short (a lost SMS part, a gateway's limit) has lost it, and a
    cut coordinate is a wrong place (lg=+114.1 is kilometres from +114.15012), not a vague one. A message
    that still ends with its ml is whole, whatever that ml says: published samples and real handsets
    miscount it (Google's by one, the widely copied UK sample by three), so a wrong count is a warning,
    logged, and kept on the fix when it is more than one off (by one is too common to be worth an
    operator's attention). An ml elsewhere proves nothing about the end unless it counts right."""
    ml = fields.get("ml")
    if ml is None or not _LENGTH.fullmatch(ml):
        raise AmlFormatError("ml is missing or not a length: the message may be truncated")
    off = abs(int(ml) - len(text))
    if off > 1 and list(fields)[-1] != "ml":
        raise AmlFormatError(
            f"ml={ml} is not the last field and the message is {len(text)} characters long: "
            "it may be truncated"
        )
    if off:
        warnings.append(f"ml={ml} but the message is {len(text)} characters long")
    return off > 1


def parse_https(form: Mapping[str, str], received_at: datetime) -> AmlMessage:
    """ELS HTTPS name-value pairs. Every field is optional: a malformed latitude or longitude (or one
    outside the globe) discards the message, any other malformed field is dropped with a warning."""
    number = normalize_phone(form.get("device_number"))
    imei_field = form.get("device_imei") or form.get("imei") or ""
    imei = imei_field if _DIGITS.match(imei_field) else None
    lat = _float(form.get("location_latitude"), "location_latitude")
    lon = _float(form.get("location_longitude"), "location_longitude")
    if lat is None or lon is None:
        return AmlMessage(None, number, imei)
    warnings: list[str] = []
    accuracy = _optional(form, "location_accuracy", warnings)
    if accuracy is not None and not 0 <= accuracy <= MAX_ACCURACY_M:
        warnings.append(f"location_accuracy={accuracy} is not between 0 and {MAX_ACCURACY_M:.0f}; ignored")
        accuracy = None
    confidence = _optional(form, "location_confidence", warnings)  # a fraction, 0 to 1
    if confidence is not None and not 0 <= confidence <= 1:
        warnings.append(f"location_confidence={confidence} is not between 0 and 1; ignored")
        confidence = None
    fixed_at = None
    milliseconds = _optional(form, "location_time", warnings)
    if milliseconds:
        try:
            fixed_at = datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            warnings.append(f"location_time={form['location_time']!r} is out of range; ignored")
    method = _HTTPS_METHODS.get((form.get("location_source") or "").lower(), PositioningMethod.UNKNOWN)
    fix = _fix(
        lat, lon, accuracy, None if confidence is None else confidence * 100, method, fixed_at, received_at,
        AmlTransport.HTTPS, number, imei, [],
    )  # fmt: skip
    return AmlMessage(fix, number, imei, tuple(warnings))


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
    warnings: list[AmlWarning],
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
        warnings=warnings,
    )
