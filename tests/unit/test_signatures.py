"""intake.signatures: the HMAC headers Meta and X sign their webhooks with, and the shared AML token.

Expected values are computed here with hmac/hashlib/base64 directly (and one published HMAC-SHA256 vector,
RFC 4231 test case 2), never with the functions under test."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from intake.signatures import (
    meta_signature,
    meta_signature_valid,
    token_valid,
    x_crc_response,
    x_signature,
    x_signature_valid,
)
from tests.support import EVENTS, load_event

SECRETS = json.loads((EVENTS / "webhooks" / "sample-secrets.json").read_text(encoding="utf-8"))
APP_SECRET = SECRETS["instagramAppSecret"]
CONSUMER_SECRET = SECRETS["twitterConsumerSecret"]
BODY = b'{"object": "instagram", "entry": []}'

# RFC 4231, test case 2: HMAC-SHA256(key="Jefe", data="what do ya want for nothing?").
RFC4231_KEY = "Jefe"
RFC4231_DATA = b"what do ya want for nothing?"
RFC4231_HEX = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


def hex_hmac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def b64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def one_byte_changed(body: bytes) -> bytes:
    return body[:-2] + bytes([body[-2] ^ 0x01]) + body[-1:]


# -- the signatures themselves ------------------------------------------------------------------------


def test_meta_signature_is_sha256_and_the_lowercase_hex_hmac() -> None:
    assert meta_signature(RFC4231_DATA, RFC4231_KEY) == f"sha256={RFC4231_HEX}"
    assert meta_signature(BODY, APP_SECRET) == f"sha256={hex_hmac(APP_SECRET, BODY)}"


def test_x_signature_is_sha256_and_the_base64_hmac() -> None:
    expected = base64.b64encode(bytes.fromhex(RFC4231_HEX)).decode()

    assert x_signature(RFC4231_DATA, RFC4231_KEY) == f"sha256={expected}"
    assert x_signature(BODY, CONSUMER_SECRET) == f"sha256={b64_hmac(CONSUMER_SECRET, BODY)}"


def test_x_crc_response_is_the_base64_hmac_of_the_token() -> None:
    token = load_event("apigw/twitter-crc.json")["queryStringParameters"]["crc_token"]

    assert x_crc_response(token, CONSUMER_SECRET) == f"sha256={b64_hmac(CONSUMER_SECRET, token.encode())}"
    assert x_crc_response(RFC4231_DATA.decode(), RFC4231_KEY) == x_signature(RFC4231_DATA, RFC4231_KEY)


def test_different_secrets_give_different_signatures() -> None:
    assert meta_signature(BODY, APP_SECRET) != meta_signature(BODY, APP_SECRET + "x")
    assert x_signature(BODY, CONSUMER_SECRET) != x_signature(BODY, CONSUMER_SECRET + "x")


# -- Meta: X-Hub-Signature-256 --------------------------------------------------------------------------


def test_meta_accepts_the_right_header() -> None:
    assert meta_signature_valid(BODY, f"sha256={hex_hmac(APP_SECRET, BODY)}", APP_SECRET)


def test_meta_accepts_the_signed_sample_event() -> None:
    event = load_event("apigw/instagram-messages.json")

    assert meta_signature_valid(event["body"].encode(), event["headers"]["X-Hub-Signature-256"], APP_SECRET)


def test_meta_accepts_uppercase_hex() -> None:
    header = f"sha256={hex_hmac(APP_SECRET, BODY).upper()}"

    assert meta_signature_valid(BODY, header, APP_SECRET)


def test_meta_refuses_the_forged_sample_event() -> None:
    event = load_event("apigw/instagram-messages-invalid.json")

    assert not meta_signature_valid(
        event["body"].encode(), event["headers"]["X-Hub-Signature-256"], APP_SECRET
    )


@pytest.mark.parametrize(
    "header",
    [
        f"sha256={hex_hmac('another-secret', BODY)}",
        f"sha256={'0' * 64}",
        hex_hmac(APP_SECRET, BODY),  # without the sha256= prefix
        f"sha1={hashlib.sha1(BODY).hexdigest()}",  # noqa: S324 - the legacy header's algorithm, refused
        f"sha256={b64_hmac(APP_SECRET, BODY)}",  # X's encoding, not Meta's
        "sha256=",
        "garbage",
    ],
)
def test_meta_refuses_a_forged_header(header: str) -> None:
    assert not meta_signature_valid(BODY, header, APP_SECRET)


@pytest.mark.parametrize("header", [None, ""])
def test_meta_refuses_a_missing_header(header: str | None) -> None:
    assert not meta_signature_valid(BODY, header, APP_SECRET)


def test_meta_refuses_a_signature_over_another_body() -> None:
    header = f"sha256={hex_hmac(APP_SECRET, BODY)}"
    changed = one_byte_changed(BODY)

    assert changed != BODY
    assert len(changed) == len(BODY)
    assert meta_signature_valid(BODY, header, APP_SECRET)
    assert not meta_signature_valid(changed, header, APP_SECRET)


def test_meta_never_validates_with_an_empty_secret() -> None:
    header = f"sha256={hex_hmac('', BODY)}"  # what an attacker can compute when the secret is unset

    assert not meta_signature_valid(BODY, header, "")


# -- X: x-twitter-webhooks-signature -------------------------------------------------------------------


def test_x_accepts_the_right_header() -> None:
    assert x_signature_valid(BODY, f"sha256={b64_hmac(CONSUMER_SECRET, BODY)}", CONSUMER_SECRET)


def test_x_accepts_the_signed_sample_event() -> None:
    event = load_event("apigw/twitter-events.json")

    assert x_signature_valid(
        event["body"].encode(), event["headers"]["x-twitter-webhooks-signature"], CONSUMER_SECRET
    )


def test_x_refuses_the_forged_sample_event() -> None:
    event = load_event("apigw/twitter-events-invalid.json")

    assert not x_signature_valid(
        event["body"].encode(), event["headers"]["x-twitter-webhooks-signature"], CONSUMER_SECRET
    )


@pytest.mark.parametrize(
    "header",
    [
        f"sha256={b64_hmac('another-secret', BODY)}",
        b64_hmac(CONSUMER_SECRET, BODY),  # without the prefix
        f"sha256={hex_hmac(CONSUMER_SECRET, BODY)}",  # Meta's encoding, not X's
        "sha256=",
        "garbage",
    ],
)
def test_x_refuses_a_forged_header(header: str) -> None:
    assert not x_signature_valid(BODY, header, CONSUMER_SECRET)


@pytest.mark.parametrize("header", [None, ""])
def test_x_refuses_a_missing_header(header: str | None) -> None:
    assert not x_signature_valid(BODY, header, CONSUMER_SECRET)


def test_x_refuses_a_signature_over_another_body() -> None:
    header = f"sha256={b64_hmac(CONSUMER_SECRET, BODY)}"

    assert x_signature_valid(BODY, header, CONSUMER_SECRET)
    assert not x_signature_valid(one_byte_changed(BODY), header, CONSUMER_SECRET)


def test_x_never_validates_with_an_empty_secret() -> None:
    assert not x_signature_valid(BODY, f"sha256={b64_hmac('', BODY)}", "")


# -- the shared token ---------------------------------------------------------------------------------


def test_token_matches_only_itself() -> None:
    assert token_valid("sample-aml-token", "sample-aml-token")
    assert not token_valid("sample-aml-token ", "sample-aml-token")
    assert not token_valid("Sample-aml-token", "sample-aml-token")
    assert not token_valid("sample-aml-toke", "sample-aml-token")
    assert not token_valid("sample-aml-token-and-more", "sample-aml-token")


@pytest.mark.parametrize(("given", "expected"), [(None, ""), ("", ""), (None, "secret"), ("", "secret")])
def test_empty_tokens_never_match(given: str | None, expected: str) -> None:
    assert not token_valid(given, expected)


def test_any_token_is_refused_when_none_is_configured() -> None:
    assert not token_valid("anything", "")
