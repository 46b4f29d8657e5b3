"""core.storage.S3RawArchive and core.secrets.load_channel_secrets, on moto's S3 and Secrets Manager."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters import clear_caches
from moto import mock_aws
from mypy_boto3_s3 import S3Client

from core.ids import is_ulid, ulid_timestamp_ms
from core.secrets import ChannelSecrets, ReplySecrets, load_channel_secrets, load_reply_secrets
from core.storage import S3RawArchive
from tests.support import EVENTS, Clock

BUCKET = "respon112-test-raw"
SECRET_NAME = "respon112-test/channel-secrets"
SAMPLE_SECRETS: dict[str, str] = json.loads((EVENTS / "webhooks" / "sample-secrets.json").read_text("utf-8"))
BODY = b'{\n  "description": "Pohon tumbang",\n  "phone": "0812-3456-7890"\n}\n'


@pytest.fixture
def s3() -> Iterator[S3Client]:
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"}
        )
        yield client


@pytest.fixture
def archive(s3: S3Client, clock: Clock) -> S3RawArchive:
    return S3RawArchive(BUCKET, s3, clock)


def stored(s3: S3Client, key: str) -> dict[str, Any]:
    response = s3.get_object(Bucket=BUCKET, Key=key)
    return {
        "body": response["Body"].read(),
        "content_type": response["ContentType"],
        "metadata": response["Metadata"],
    }


# -- the raw archive --------------------------------------------------------------------------------------


def test_the_body_is_stored_under_channel_and_date(archive: S3RawArchive, s3: S3Client, clock: Clock) -> None:
    key = archive.put("web", BODY, {"content-type": "application/json", "path": "/reports"})

    channel, year, month, day, name = key.split("/")
    assert (channel, year, month, day) == ("web", "2026", "11", "29")
    assert is_ulid(name)
    assert ulid_timestamp_ms(name) == int(clock().timestamp() * 1000)
    assert stored(s3, key)["body"] == BODY


def test_a_refused_request_is_stored_apart_under_refused(
    archive: S3RawArchive, s3: S3Client, clock: Clock
) -> None:
    """Apart, so that the bucket's lifecycle rule for refused/ deletes it within days (infra)."""
    key = archive.put_refused("twitter", BODY, {"refused": "signature", "length": "123456"})

    assert key.startswith(f"refused/twitter/{clock.now:%Y/%m/%d}/")
    stored = s3.get_object(Bucket=BUCKET, Key=key)
    assert stored["Body"].read() == BODY
    assert stored["Metadata"] == {"refused": "signature", "length": "123456"}


def test_the_exact_bytes_are_kept(archive: S3RawArchive, s3: S3Client) -> None:
    body = bytes(range(256)) + "tolong 🚒".encode()

    key = archive.put("instagram", body, {})

    assert stored(s3, key)["body"] == body


def test_each_request_gets_its_own_key(archive: S3RawArchive) -> None:
    keys = {archive.put("web", BODY, {}) for _ in range(5)}

    assert len(keys) == 5


def test_the_date_is_the_clocks_in_utc(s3: S3Client, clock: Clock) -> None:
    clock.advance(hours=21)  # 2026-11-30T00:40:13Z

    key = S3RawArchive(BUCKET, s3, clock).put("twitter", BODY, {})

    assert key.startswith("twitter/2026/11/30/")


def test_metadata_and_content_type(archive: S3RawArchive, s3: S3Client) -> None:
    metadata = {
        "content-type": "application/json",
        "x-hub-signature-256": "sha256=" + "ab" * 32,
        "path": "/webhooks/instagram",
        "source-ip": "203.0.113.7",
    }

    key = archive.put("instagram", BODY, metadata)

    object_ = stored(s3, key)
    # Stored as bytes whatever the sender said; what it said is kept in the metadata.
    assert object_["content_type"] == "application/octet-stream"
    assert object_["metadata"] == metadata


def test_without_a_content_type_it_is_octet_stream(archive: S3RawArchive, s3: S3Client) -> None:
    key = archive.put("other", BODY, {"path": "/aml"})

    assert stored(s3, key)["content_type"] == "application/octet-stream"


def test_metadata_is_made_ascii(archive: S3RawArchive, s3: S3Client) -> None:
    key = archive.put("web", BODY, {"user-agent": "Pengguna Ünïcödé 🚒/1.0"})

    value = stored(s3, key)["metadata"]["user-agent"]
    assert value.isascii()
    assert value == "Pengguna ?n?c?d? ?/1.0"


def test_metadata_values_are_cut_to_256_characters(archive: S3RawArchive, s3: S3Client) -> None:
    key = archive.put("web", BODY, {"user-agent": "M" * 1000, "path": "/reports"})

    metadata = stored(s3, key)["metadata"]
    assert metadata["user-agent"] == "M" * 256
    assert metadata["path"] == "/reports"


def test_metadata_names_are_lowercase(archive: S3RawArchive, s3: S3Client) -> None:
    key = archive.put("web", BODY, {"User-Agent": "Mozilla/5.0"})

    assert stored(s3, key)["metadata"] == {"user-agent": "Mozilla/5.0"}


# -- the channel secrets ----------------------------------------------------------------------------------


@pytest.fixture
def secretsmanager() -> Iterator[Any]:
    clear_caches()
    with mock_aws():
        yield boto3.client("secretsmanager")
    clear_caches()


def test_the_secret_is_read_into_channel_secrets(secretsmanager: Any) -> None:
    secretsmanager.create_secret(Name=SECRET_NAME, SecretString=json.dumps(SAMPLE_SECRETS))

    secrets = load_channel_secrets(SECRET_NAME)

    assert secrets == ChannelSecrets(
        instagram_verify_token="sample-verify-token",
        instagram_app_secret="sample-instagram-app-secret",
        twitter_consumer_secret="sample-twitter-consumer-secret",
        aml_token="sample-aml-token",
    )


def test_keys_not_set_yet_are_empty(secretsmanager: Any) -> None:
    secretsmanager.create_secret(Name=SECRET_NAME, SecretString=json.dumps({"amlToken": "only-this"}))

    secrets = load_channel_secrets(SECRET_NAME)

    assert secrets.aml_token == "only-this"
    assert secrets.instagram_verify_token == ""
    assert secrets.instagram_app_secret == ""
    assert secrets.twitter_consumer_secret == ""


def test_the_reply_secret_holds_only_what_writes_to_citizens(secretsmanager: Any) -> None:
    secretsmanager.create_secret(Name="respon112-test/reply-secrets", SecretString=json.dumps(SAMPLE_SECRETS))

    secrets = load_reply_secrets("respon112-test/reply-secrets")

    assert secrets == ReplySecrets(instagram_page_access_token="sample-page-access-token")
    assert secrets.twitter is None  # X's four credentials are not set: no direct message is sent
    assert load_channel_secrets_keys() == {
        "instagramVerifyToken",
        "instagramAppSecret",
        "twitterConsumerSecret",
        "amlToken",
    }


def load_channel_secrets_keys() -> set[str]:
    """The inbound secret's keys: the page token is not among them."""
    return {str(field.alias) for field in ChannelSecrets.model_fields.values()}


def test_an_empty_object_gives_all_empty(secretsmanager: Any) -> None:
    secretsmanager.create_secret(Name=SECRET_NAME, SecretString="{}")

    assert load_channel_secrets(SECRET_NAME) == ChannelSecrets()


def test_unknown_keys_are_ignored(secretsmanager: Any) -> None:
    secretsmanager.create_secret(
        Name=SECRET_NAME, SecretString=json.dumps({**SAMPLE_SECRETS, "futureChannelToken": "x"})
    )

    assert load_channel_secrets(SECRET_NAME).aml_token == "sample-aml-token"


def test_a_secret_is_cached_until_the_cache_is_cleared(secretsmanager: Any) -> None:
    secretsmanager.create_secret(Name=SECRET_NAME, SecretString=json.dumps({"amlToken": "first"}))
    assert load_channel_secrets(SECRET_NAME).aml_token == "first"
    secretsmanager.put_secret_value(SecretId=SECRET_NAME, SecretString=json.dumps({"amlToken": "second"}))

    cached = load_channel_secrets(SECRET_NAME).aml_token
    clear_caches()
    fresh = load_channel_secrets(SECRET_NAME).aml_token

    assert (cached, fresh) == ("first", "second")
