"""intake.aml_message: Advanced Mobile Location by SMS (ETSI TS 103 625 / Google ELS V1) and by HTTPS
(ELS form).

Published samples (../shared/reference/formats.md §6) and ours from events/webhooks/; every malformed
message is an AmlFormatError that says what is wrong, and nothing else ever escapes the parsers."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.models import AmlTransport, AmlWarning, PositioningMethod
from intake.aml_message import AmlFormatError, parse_https, parse_sms
from tests.support import EVENTS

NOW = datetime(2026, 11, 29, 3, 40, 20, tzinfo=UTC)

GOOGLE_NO_LOCATION = (
    'A"ML=1;lt=+00.00000;lg=+000.00000;rd=N;top=20220131173734;lc=0;pm=N;si=234159000000000;'
    "ei=123456789012345;mcc=234;mnc=15;ml=127"
)
GOOGLE_COMPUTED = (
    'A"ML=1;lt=+51.53321;lg=-0.12601;rd=14;top=20220131171748;lc=68;pm=W;si=234159000000000;'
    "ei=123456789012345;mcc=234;mnc=15;ml=126"
)
GRIDGEARS = (
    'A"ML=1;lt=+54.76397;lg=-0.18305;rd=50;top=20130717141935;lc=90;pm=W;si=123456789012345;'
    "ei=1234567890123456;mcc=234;mnc=30;ml=128"
)
OURS = json.loads((EVENTS / "webhooks" / "aml-sms.json").read_text(encoding="utf-8"))
INVALID = json.loads((EVENTS / "webhooks" / "aml-sms-invalid.json").read_text(encoding="utf-8"))


def sms(**fields: str | None) -> str:
    """A well-formed AML SMS (our sample's fields), with `fields` replaced (None drops one) and a right
    ml unless `ml` is given."""
    base: dict[str, str | None] = {
        'A"ML': "1",
        "lt": "-08.36611",
        "lg": "+114.15012",
        "rd": "14",
        "top": "20261129034013",
        "lc": "68",
        "pm": "W",
        "si": "510100000000000",
        "ei": "356938035643809",
        "mcc": "510",
        "mnc": "10",
    }
    base.update({key.replace("AML", 'A"ML'): value for key, value in fields.items()})
    text = ";".join(f"{key}={value}" for key, value in base.items() if value is not None)
    return text if "ml" in fields else with_length(text)


def with_length(text: str) -> str:
    """`text` with its ml field last, counting the whole message, as a handset writes it."""
    for digits in range(1, 4):
        total = len(text) + len(";ml=") + digits
        if len(str(total)) == digits:
            return f"{text};ml={total}"
    raise AssertionError(text)


def form(name: str) -> dict[str, str]:
    text = (EVENTS / "webhooks" / name).read_text(encoding="utf-8").strip()
    return {key: values[0] for key, values in parse_qs(text).items()}


# -- the published samples ---------------------------------------------------------------------------


def test_the_published_samples_are_the_lengths_formats_md_says() -> None:
    assert len(GOOGLE_NO_LOCATION) == 127
    assert len(GOOGLE_COMPUTED) == 127  # says ml=126: Google's sample is off by one
    assert len(GRIDGEARS) == 128


def test_googles_computed_sample_is_accepted_with_a_warning_about_ml() -> None:
    message = parse_sms(GOOGLE_COMPUTED, "+447700900123", NOW)

    assert message.fix is not None
    assert message.fix.lat == 51.53321
    assert message.fix.lon == -0.12601
    assert message.fix.accuracy_m == 14
    assert message.fix.confidence == 68
    assert message.fix.method is PositioningMethod.WIFI
    assert message.fix.fixed_at == datetime(2022, 1, 31, 17, 17, 48, tzinfo=UTC)
    assert message.fix.received_at == NOW
    assert message.fix.transport is AmlTransport.SMS
    assert message.fix.imei == "123456789012345"
    assert message.fix.number == "+447700900123"
    assert len(message.warnings) == 1
    assert "ml=126" in message.warnings[0]
    assert "127" in message.warnings[0]


def test_googles_no_location_sample_gives_no_fix() -> None:
    message = parse_sms(GOOGLE_NO_LOCATION, "+447700900123", NOW)

    assert message.fix is None
    assert message.number == "+447700900123"
    assert message.imei == "123456789012345"
    assert message.warnings == ()


def test_gridgears_sample() -> None:
    message = parse_sms(GRIDGEARS, None, NOW)

    assert message.fix is not None
    assert (message.fix.lat, message.fix.lon) == (54.76397, -0.18305)
    assert message.fix.accuracy_m == 50
    assert message.fix.confidence == 90
    assert message.fix.method is PositioningMethod.WIFI
    assert message.fix.fixed_at == datetime(2013, 7, 17, 14, 19, 35, tzinfo=UTC)
    assert message.fix.imei == "1234567890123456"  # 16 digits (IMEISV) is kept
    assert message.fix.number is None
    assert message.number is None
    assert message.warnings == ()


# -- our sample ---------------------------------------------------------------------------------------


def test_our_sample_gives_the_callers_fix() -> None:
    message = parse_sms(OURS["text"], OURS["from"], NOW)

    assert message.warnings == ()
    assert message.number == "+6281234567890"
    assert message.imei == "356938035643809"
    fix = message.fix
    assert fix is not None
    assert fix.lat == -8.36611
    assert fix.lon == 114.15012
    assert fix.accuracy_m == 14
    assert fix.confidence == 68
    assert fix.method is PositioningMethod.WIFI
    assert fix.fixed_at == datetime(2026, 11, 29, 3, 40, 13, tzinfo=UTC)
    assert fix.received_at == NOW
    assert fix.transport is AmlTransport.SMS
    assert fix.number == "+6281234567890"
    assert fix.imei == "356938035643809"


def test_the_sender_is_normalised_to_e164() -> None:
    assert parse_sms(OURS["text"], "0812-3456-7890", NOW).number == "+6281234567890"
    assert parse_sms(OURS["text"], "anonymous", NOW).number is None


@pytest.mark.parametrize(("pm", "method"), [("G", "GNSS"), ("W", "WIFI"), ("C", "CELL"), ("X", "UNKNOWN")])
def test_positioning_methods(pm: str, method: str) -> None:
    fix = parse_sms(sms(pm=pm), None, NOW).fix

    assert fix is not None
    assert fix.method is PositioningMethod(method)


@pytest.mark.parametrize("no_position", [{"pm": "N"}, {"rd": "N"}, {"lt": ""}, {"lt": "N", "lg": "N"}])
def test_a_message_that_says_it_has_no_position_has_no_fix(no_position: dict[str, str]) -> None:
    message = parse_sms(sms(**no_position), OURS["from"], NOW)

    assert message.fix is None
    assert message.number == "+6281234567890"


# -- what is refused ----------------------------------------------------------------------------------


def test_the_invalid_sample_names_its_unknown_key() -> None:
    with pytest.raises(AmlFormatError, match="unknown key 'color'"):
        parse_sms(INVALID["text"], INVALID["from"], NOW)


def test_a_non_numeric_longitude_is_named() -> None:
    with pytest.raises(AmlFormatError, match="lg='east' is not a number"):
        parse_sms(sms(lg="east"), None, NOW)


@pytest.mark.parametrize("top", ["2026112903", "202611290340130", "2026112903401X"])
def test_a_time_that_is_not_14_digits_is_named(top: str) -> None:
    with pytest.raises(AmlFormatError, match=f"top='{top}' is not yyyyMMddHHmmss"):
        parse_sms(sms(top=top), None, NOW)


def test_an_impossible_time_is_refused() -> None:
    with pytest.raises(AmlFormatError, match="top='20261329034013' is not a valid time"):
        parse_sms(sms(top="20261329034013"), None, NOW)


@pytest.mark.parametrize("text", ["ML=1;lt=1;lg=1", "hello", 'a"ml=1;lt=1;lg=1', ';A"ML=1', ""])
def test_a_message_not_starting_with_the_header_is_refused(text: str) -> None:
    with pytest.raises(AmlFormatError, match='must start with A"ML='):
        parse_sms(text, None, NOW)


def test_a_duplicate_key_is_refused() -> None:
    with pytest.raises(AmlFormatError, match="key 'lt' appears twice"):
        parse_sms(sms() + ";lt=+1.0", None, NOW)


def test_a_part_without_equals_is_refused() -> None:
    with pytest.raises(AmlFormatError, match="is not key=value"):
        parse_sms(sms() + ";oops", None, NOW)


def test_version_2_is_refused() -> None:
    with pytest.raises(AmlFormatError, match='A"ML=2 is not 1'):
        parse_sms(sms(AML="2"), None, NOW)


@pytest.mark.parametrize(
    ("lt", "lg"), [("+90.5", "+114.0"), ("-91", "+114.0"), ("-8.3", "+180.01"), ("1", "-181")]
)
def test_a_position_outside_the_globe_is_refused(lt: str, lg: str) -> None:
    with pytest.raises(AmlFormatError, match="outside the globe"):
        parse_sms(sms(lt=lt, lg=lg), None, NOW)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("rd", "-1", "accuracy -1.0 m is not between 0"),
        ("lc", "101", "confidence 101.0 is not a percentage"),
        ("lc", "-5", "confidence -5.0 is not a percentage"),
        ("lt", "inf", "lt='inf' is not a number"),
        ("rd", "nan", "rd='nan' is not a number"),
        ("lt", "1_0", "lt='1_0' is not a number"),
        ("lg", "1e2", "lg='1e2' is not a number"),
        ("rd", " 14", "rd=' 14' is not a number"),
    ],
)
def test_impossible_numbers_are_refused(field: str, value: str, problem: str) -> None:
    with pytest.raises(AmlFormatError, match=problem):
        parse_sms(sms(**{field: value}), None, NOW)


@pytest.mark.parametrize(
    "imei", ["1234567890123", "12345678901234567", "35693803564380X", "", "3569 38035643809"]
)
def test_an_imei_that_is_not_14_to_16_digits_is_dropped(imei: str) -> None:
    message = parse_sms(sms(ei=imei), OURS["from"], NOW)

    assert message.imei is None
    assert message.fix is not None
    assert message.fix.imei is None


@pytest.mark.parametrize("imei", ["12345678901234", "123456789012345", "1234567890123456"])
def test_an_imei_of_14_to_16_digits_is_kept(imei: str) -> None:
    assert parse_sms(sms(ei=imei), None, NOW).imei == imei


def test_a_right_ml_gives_no_warning_and_one_off_by_one_a_warning() -> None:
    text = sms()
    length = len(text)

    assert parse_sms(text, None, NOW).warnings == ()
    off_by_one = text.removesuffix(f"ml={length}") + f"ml={length - 1}"
    assert parse_sms(off_by_one, None, NOW).warnings == (
        f"ml={length - 1} but the message is {length} characters long",
    )


@pytest.mark.parametrize("ml", ["999", "12", "1", "0", "131"])
def test_a_complete_message_with_a_miscounted_ml_is_kept_with_the_discrepancy_as_a_warning(ml: str) -> None:
    """Every field there and ml last: the message is whole, whatever its count says."""
    text = sms(ml=ml)

    message = parse_sms(text, OURS["from"], NOW)

    assert message.fix is not None
    assert (message.fix.lat, message.fix.lon) == (-8.36611, 114.15012)
    assert message.fix.warnings == [AmlWarning.LENGTH_MISMATCH]
    assert message.warnings == (f"ml={ml} but the message is {len(text)} characters long",)


def test_the_uk_sample_with_ml_124_for_127_characters_is_kept() -> None:
    """The widely copied UK example counts three short; our copy has its shape (a 15-digit IMEI)."""
    uk = (
        'A"ML=1;lt=+55.74317;lg=-4.26881;rd=50;top=20130717141935;lc=90;pm=W;si=234302543446355;'
        "ei=356708041746734;mcc=234;mnc=30;ml=124"
    )
    assert len(uk) == 127

    message = parse_sms(uk, "+447700900123", NOW)

    assert message.fix is not None
    assert (message.fix.lat, message.fix.lon, message.fix.accuracy_m) == (55.74317, -4.26881, 50)
    assert message.fix.number == "+447700900123"
    assert message.fix.warnings == [AmlWarning.LENGTH_MISMATCH]
    assert message.warnings == ("ml=124 but the message is 127 characters long",)


def test_an_ml_one_off_is_logged_but_not_put_before_the_operator() -> None:
    message = parse_sms(GOOGLE_COMPUTED, None, NOW)

    assert message.fix is not None
    assert message.fix.warnings == []
    assert message.warnings == ("ml=126 but the message is 127 characters long",)


@pytest.mark.parametrize("ml", ["abc", "", "12a", "\u0661\u0662\u0667", "12345"])
def test_an_ml_that_is_not_a_length_is_refused_as_possibly_cut(ml: str) -> None:
    with pytest.raises(AmlFormatError, match="ml is missing or not a length"):
        parse_sms(sms(ml=ml), None, NOW)


def test_an_ml_that_is_not_last_proves_the_end_only_when_it_counts_right() -> None:
    """ml comes last: what follows another ml may be the piece of a message cut short."""
    body = sms(ml=None)
    right = body.replace(";lt=", ";ml=000;lt=")
    right = right.replace("ml=000", f"ml={len(right)}")
    assert parse_sms(right, None, NOW).fix is not None

    wrong = body.replace(";lt=", ";ml=999;lt=")
    with pytest.raises(AmlFormatError, match="ml=999 is not the last field"):
        parse_sms(wrong, None, NOW)


@pytest.mark.parametrize(("lt", "lg"), [("-08.36611", "+114."), ("-08.", "+114.15012"), ("-", "+114.1")])
def test_a_coordinate_that_does_not_parse_whole_is_refused_even_with_ml(lt: str, lg: str) -> None:
    with pytest.raises(AmlFormatError, match="is not a number"):
        parse_sms(sms(lt=lt, lg=lg, ml="130"), None, NOW)


def test_a_message_cut_short_is_refused_not_read_as_a_nearby_place() -> None:
    """The coordinate of a truncated SMS is another place (lg=+114.1 is kilometres from +114.15012), and
    what is lost with it is ml, the last field."""
    truncated = sms()[: sms().index("lg=") + len("lg=+114.1")]

    with pytest.raises(AmlFormatError, match="ml is missing"):
        parse_sms(truncated, None, NOW)


def test_a_message_cut_inside_its_ml_is_refused() -> None:
    with pytest.raises(AmlFormatError, match="ml is missing or not a length"):
        parse_sms(sms().rsplit("=", 1)[0] + "=", None, NOW)


# -- HTTPS (ELS form) ---------------------------------------------------------------------------------


def test_the_https_sample_gives_the_callers_fix() -> None:
    message = parse_https(form("aml-https.form"), NOW)

    assert message.number == "+6281234567890"
    assert message.imei == "356938035643809"
    fix = message.fix
    assert fix is not None
    assert (fix.lat, fix.lon) == (-8.36611, 114.15012)
    assert fix.method is PositioningMethod.GNSS
    assert fix.accuracy_m == 9.5
    assert fix.confidence == pytest.approx(68.27)  # 0.6827, a fraction, as a percentage
    # location_time=1795837212500 ms (the sample's epoch is 2026-11-28, a day before its other dates)
    assert fix.fixed_at == datetime(2026, 11, 28, 3, 40, 12, 500000, tzinfo=UTC)
    assert fix.received_at == NOW
    assert fix.transport is AmlTransport.HTTPS
    assert fix.number == "+6281234567890"
    assert fix.imei == "356938035643809"
    assert message.warnings == ()


def test_https_without_latitude_gives_no_fix() -> None:
    fields = form("aml-https.form")
    del fields["location_latitude"]

    message = parse_https(fields, NOW)

    assert message.fix is None
    assert message.number == "+6281234567890"
    assert message.imei == "356938035643809"


def test_an_empty_https_message_gives_nothing() -> None:
    message = parse_https({}, NOW)

    assert (message.fix, message.number, message.imei) == (None, None, None)


def test_the_invalid_https_form_is_a_format_error() -> None:
    with pytest.raises(AmlFormatError, match="location_longitude='not-a-number' is not a number"):
        parse_https(form("aml-https-invalid.form"), NOW)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("location_confidence", "68"),  # a percentage where ELS sends a fraction
        ("location_confidence", "high"),
        ("location_accuracy", "-1"),
        ("location_accuracy", "unknown"),
        ("location_time", "yesterday"),
    ],
)
def test_a_malformed_optional_https_field_is_dropped_and_the_position_kept(field: str, value: str) -> None:
    """Google asks ELS receivers to tolerate malformed fields: the position is what matters."""
    message = parse_https({**form("aml-https.form"), field: value}, NOW)

    assert message.fix is not None
    assert (message.fix.lat, message.fix.lon) == (-8.36611, 114.15012)
    attribute = {"location_confidence": "confidence", "location_accuracy": "accuracy_m"}.get(
        field, "fixed_at"
    )
    assert getattr(message.fix, attribute) is None
    assert len(message.warnings) == 1
    assert field in message.warnings[0]


def test_https_imei_under_its_short_name_is_read_and_a_bad_one_dropped() -> None:
    fields = form("aml-https.form")
    del fields["device_imei"]

    assert parse_https({**fields, "imei": "356938035643809"}, NOW).imei == "356938035643809"
    assert parse_https({**fields, "device_imei": "35693803"}, NOW).imei is None


@pytest.mark.parametrize("location_time", ["1e17", "-1e17", "1e300", "99999999999999999999"])
def test_an_https_location_time_out_of_range_is_dropped(location_time: str) -> None:
    """A time datetime cannot hold (or not a plain number) is dropped with a warning, never raised."""
    message = parse_https({**form("aml-https.form"), "location_time": location_time}, NOW)

    assert message.fix is not None
    assert message.fix.fixed_at is None
    assert "location_time" in message.warnings[0]


# -- nothing but AmlFormatError, whatever arrives -----------------------------------------------------

SMS_KEYS = ['A"ML', "lt", "lg", "rd", "top", "lc", "pm", "si", "ei", "mcc", "mnc", "ml"]
HTTPS_KEYS = [
    "location_latitude",
    "location_longitude",
    "location_time",
    "location_accuracy",
    "location_confidence",
    "location_source",
    "device_number",
    "device_imei",
    "imei",
]
VALUES = st.one_of(
    st.text(max_size=24),
    st.integers().map(str),
    st.floats().map(str),
    st.from_regex(r"[0-9]{14}", fullmatch=True),
    st.sampled_from(["", "N", "G", "W", "C", "gps", "wifi", "-0", "1e400", "0x1p3", "٣"]),
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def aml_like(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(st.sampled_from([*SMS_KEYS, "x", ""]), VALUES), max_size=14))
    return 'A"ML=1;' + ";".join(f"{key}={value}" for key, value in parts)


@FUZZ
@given(text=st.one_of(st.text(), aml_like()), sender=st.one_of(st.none(), st.text(max_size=40)))
def test_parse_sms_raises_nothing_but_aml_format_error(text: str, sender: str | None) -> None:
    with contextlib.suppress(AmlFormatError):
        parse_sms(text, sender, NOW)


@FUZZ
@given(fields=st.dictionaries(st.one_of(st.sampled_from(HTTPS_KEYS), st.text(max_size=12)), VALUES))
@example(fields={"location_latitude": "1", "location_longitude": "1", "location_time": "1e17"})
def test_parse_https_raises_nothing_but_aml_format_error(fields: dict[str, str]) -> None:
    with contextlib.suppress(AmlFormatError):
        parse_https(fields, NOW)
