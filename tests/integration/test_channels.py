"""The public channels on the local stack: the web report form, the Instagram and X webhooks, Advanced
Mobile Location, the raw archive, the replies sent back, and the web form's rate limit.

Every test makes its own data (a unique text, sender, message id or phone number) and finds it again
through the operators' API, so none depends on another's or on their order. Signatures are computed
here with hmac/hashlib/base64, not with the product's helpers, so a wrong scheme on either side fails.

The web form allows 5 reports per client address per 10 minutes, and locally every client is
127.0.0.1: the folder's stack raises that limit (`serve --report-rate-limit`), and the rate-limit test
runs on a stack of its own with the deployed default.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
import requests
from botocore.config import Config

from local.config import CREDENTIALS
from local.simulator import ApiClient, aml_position, outbox, place_call, web_report, with_length
from tests.integration.helpers import DEFAULT_SERVE_ARGS, queue_items, running_stack, wait_for
from tests.support import ROOT

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SAMPLES = ROOT / "events" / "webhooks"
REPLY_TIMEOUT = 30.0  # seconds for SQS → reply-sender → the local Graph API stand-in
RATE_LIMIT = 5  # web reports per client address per window (core.ratelimit.RateLimit)
RATE_WINDOW = 600  # seconds; windows start at multiples of it (UTC epoch)
MUNCAR = (-8.4378, 114.3381)  # the point of the sample mention (GeoJSON [lon, lat] in the payload)


# -- data every test makes for itself --------------------------------------------------------------


def tag() -> str:
    return uuid.uuid4().hex[:12]


def fresh_number() -> str:
    """A mobile number no other test uses: +62 81x xxxx xxxx."""
    return "+6281" + "".join(secrets.choice("0123456789") for _ in range(9))


def instagram_user() -> str:
    """An Instagram-scoped user id no other test uses."""
    return "6104" + "".join(secrets.choice("0123456789") for _ in range(12))


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    return data


def meta_signature(body: bytes, secret: str) -> str:
    """X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)> (formats.md §4)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def x_signature(body: bytes, secret: str) -> str:
    """x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, raw body)> (§5)."""
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def instagram_body(text: str, sender: str, mid: str | None = None) -> bytes:
    """Meta's webhook with one citizen's message and, as Meta sends it, the echo of our own reply."""
    payload = sample("instagram-messages.json")
    citizen, echo = payload["entry"][0]["messaging"]
    citizen["sender"]["id"] = sender
    citizen["message"] = {"mid": mid or f"test.{tag()}", "text": text}
    echo["recipient"]["id"] = sender
    echo["message"]["mid"] = f"test.echo.{tag()}"
    return json.dumps(payload).encode()


def twitter_body(dm_text: str, dm_sender: str, mention_text: str, author: str) -> bytes:
    """X's Account Activity delivery with one direct message and one geotagged mention."""
    payload = sample("twitter-events.json")
    message = payload["direct_message_events"][0]
    message["id"] = str(uuid.uuid4().int)[:19]
    message["message_create"]["sender_id"] = dm_sender
    message["message_create"]["message_data"]["text"] = dm_text
    tweet = payload["tweet_create_events"][0]
    tweet["id_str"] = str(uuid.uuid4().int)[:19]
    tweet["text"] = mention_text
    tweet["user"]["id_str"] = author
    return json.dumps(payload).encode()


def post_instagram(endpoints: dict[str, Any], body: bytes, signature: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return requests.post(f"{endpoints['api']}/webhooks/instagram", data=body, headers=headers, timeout=10)


def post_twitter(endpoints: dict[str, Any], body: bytes, signature: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["x-twitter-webhooks-signature"] = signature
    return requests.post(f"{endpoints['api']}/webhooks/twitter", data=body, headers=headers, timeout=10)


def signed_instagram(endpoints: dict[str, Any], body: bytes) -> requests.Response:
    return post_instagram(endpoints, body, meta_signature(body, endpoints["secrets"]["instagramAppSecret"]))


def signed_twitter(endpoints: dict[str, Any], body: bytes) -> requests.Response:
    return post_twitter(endpoints, body, x_signature(body, endpoints["secrets"]["twitterConsumerSecret"]))


# -- reading it back -----------------------------------------------------------------------------------


def in_queue(api: ApiClient, incident_id: str) -> dict[str, Any]:
    """The incident as the RECEIVED queue lists it (fails when it is not there)."""
    found = [item for item in queue_items(api, "RECEIVED") if item["id"] == incident_id]
    assert len(found) == 1, f"incident {incident_id} is not in the RECEIVED queue"
    return found[0]


def reported(api: ApiClient, text: str) -> list[dict[str, Any]]:
    """Every incident in the RECEIVED queue whose report mentions `text`."""
    return [item for item in queue_items(api, "RECEIVED") if text in (item.get("report") or "")]


def detail(api: ApiClient, incident_id: str) -> dict[str, Any]:
    response = api.get(f"/incidents/{incident_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def replies_to(endpoints: dict[str, Any], recipient: str) -> list[dict[str, Any]]:
    return [message for message in outbox(endpoints) if message["recipient"] == recipient]


def wait_for_reply(endpoints: dict[str, Any], recipient: str) -> list[dict[str, Any]]:
    return wait_for(
        lambda: replies_to(endpoints, recipient),
        REPLY_TIMEOUT,
        lambda: f"a reply to {recipient} in the outbox (outbox: {outbox(endpoints)})",
    )


def s3_client(endpoints: dict[str, Any]) -> S3Client:
    """The embedded S3, with the local stack's credentials. Checksums are not validated on reads: a
    stored body that differs from what was sent must fail the test's comparison, not botocore's."""
    client: S3Client = boto3.client(
        "s3",
        endpoint_url=endpoints["aws"],
        region_name=endpoints["region"],
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(response_checksum_validation="when_required"),
    )
    return client


@pytest.fixture(scope="module")
def s3(endpoints: dict[str, Any]) -> S3Client:
    """The embedded S3 of the folder's stack."""
    return s3_client(endpoints)


def raw_keys(s3: S3Client, endpoints: dict[str, Any], prefix: str) -> set[str]:
    """Every archived request under `<prefix>/`."""
    keys: set[str] = set()
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=endpoints["resources"]["RAW_BUCKET_NAME"], Prefix=f"{prefix}/"
    )
    for page in pages:
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def raw_object(s3: S3Client, endpoints: dict[str, Any], key: str) -> tuple[bytes, dict[str, str]]:
    stored = s3.get_object(Bucket=endpoints["resources"]["RAW_BUCKET_NAME"], Key=key)
    return stored["Body"].read(), stored["Metadata"]


# -- (a) the web report form ---------------------------------------------------------------------------


def test_web_report_reaches_the_operators_queue(endpoints: dict[str, Any], operator1: ApiClient) -> None:
    text = f"Pohon besar tumbang menimpa rumah warga di Glagah ({tag()})"

    response = web_report(endpoints, text, "0812-7000-1234", "glagah")

    assert response.status_code == 202, response.text
    answer = response.json()
    assert "112" in answer["message"]
    assert answer["messageEn"]
    incident = in_queue(operator1, answer["incidentId"])
    assert incident["channel"] == "WEB"
    assert incident["status"] == "RECEIVED"
    assert incident["caller"] == "+6281270001234"
    assert incident["report"] == text
    assert incident["location"]["district"] == "Glagah"  # canonical spelling
    assert incident["createdBy"] == "system:web"
    assert incident["source"]["rawKey"].startswith("web/")


# -- (b) Instagram ---------------------------------------------------------------------------------------


def test_instagram_message_becomes_an_incident_and_is_asked_for_its_location(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    sender, text = instagram_user(), f"Tolong, rumah terbakar dekat pasar ({tag()})"

    response = signed_instagram(endpoints, instagram_body(text, sender))

    assert response.status_code == 200, response.text
    incidents = response.json()["incidents"]
    assert len(incidents) == 1, "the echo of our own message is not a report"
    incident = in_queue(operator1, incidents[0])
    assert incident["channel"] == "INSTAGRAM"
    assert incident["report"] == text
    assert "LOCATION_ASKED" in incident["flags"]
    assert incident["source"]["instagramSender"] == sender
    assert incident["createdBy"] == "system:instagram"
    (reply,) = wait_for_reply(endpoints, sender)
    assert incidents[0][-6:] in reply["text"]
    assert "Di mana kejadiannya?" in reply["text"]


def test_instagram_redelivery_is_the_same_incident_and_one_reply(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    sender, text = instagram_user(), f"Ada orang tenggelam di sungai ({tag()})"
    body = instagram_body(text, sender)
    first = signed_instagram(endpoints, body)
    assert first.status_code == 200, first.text
    wait_for_reply(endpoints, sender)

    again = signed_instagram(endpoints, body)

    assert again.status_code == 200, again.text
    assert again.json()["incidents"] == first.json()["incidents"]
    assert len(reported(operator1, text)) == 1
    # A second reply would be queued by the redelivery, before this later message's: once the later
    # one has been sent, the redelivery's would have been too.
    later = instagram_user()
    assert (
        signed_instagram(endpoints, instagram_body(f"Pesan berikutnya ({tag()})", later)).status_code == 200
    )
    wait_for_reply(endpoints, later)
    assert len(replies_to(endpoints, sender)) == 1


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(lambda body, secret: meta_signature(body, "not-the-app-secret"), id="wrong-secret"),
        pytest.param(lambda body, secret: meta_signature(body + b" ", secret), id="other-bytes"),
        pytest.param(lambda body, secret: meta_signature(body, secret)[:-2], id="truncated"),
        pytest.param(lambda body, secret: "sha1=" + meta_signature(body, secret)[7:], id="other-scheme"),
        pytest.param(lambda body, secret: None, id="missing"),
    ],
)
def test_instagram_forged_signature_is_refused_and_creates_nothing(
    endpoints: dict[str, Any], operator1: ApiClient, signature: Any
) -> None:
    text = f"Laporan palsu ({tag()})"
    sender = instagram_user()
    body = instagram_body(text, sender)

    response = post_instagram(endpoints, body, signature(body, endpoints["secrets"]["instagramAppSecret"]))

    assert response.status_code == 401, response.text
    assert "X-Hub-Signature-256" in response.json()["message"]
    assert reported(operator1, text) == []
    assert replies_to(endpoints, sender) == []


def test_instagram_handshake_echoes_the_challenge(endpoints: dict[str, Any]) -> None:
    challenge = str(secrets.randbelow(10**10))
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": endpoints["secrets"]["instagramVerifyToken"],
        "hub.challenge": challenge,
    }

    response = requests.get(f"{endpoints['api']}/webhooks/instagram", params=params, timeout=10)

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text == challenge


@pytest.mark.parametrize(
    ("mode", "token"),
    [("subscribe", "not-our-verify-token"), ("unsubscribe", None)],
    ids=["wrong-token", "wrong-mode"],
)
def test_instagram_handshake_without_our_token_is_forbidden(
    endpoints: dict[str, Any], mode: str, token: str | None
) -> None:
    params = {
        "hub.mode": mode,
        "hub.verify_token": token or endpoints["secrets"]["instagramVerifyToken"],
        "hub.challenge": "1158201444",
    }

    response = requests.get(f"{endpoints['api']}/webhooks/instagram", params=params, timeout=10)

    assert response.status_code == 403, response.text
    assert "1158201444" not in response.text


# -- (c) X -----------------------------------------------------------------------------------------------


def test_twitter_crc_answers_the_response_token(endpoints: dict[str, Any]) -> None:
    crc_token = f"crc-{tag()}"
    secret = endpoints["secrets"]["twitterConsumerSecret"]
    expected = hmac.new(secret.encode(), crc_token.encode(), hashlib.sha256).digest()

    response = requests.get(
        f"{endpoints['api']}/webhooks/twitter", params={"crc_token": crc_token}, timeout=10
    )

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"response_token": "sha256=" + base64.b64encode(expected).decode()}


def test_twitter_direct_message_and_mention_become_two_incidents(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    dm_sender, author = str(secrets.randbelow(10**10)), str(secrets.randbelow(10**11))
    dm_text = f"Ada kecelakaan motor di Rogojampi, korban tidak sadar ({tag()})"
    mention_text = f"@BwiRespon112 banjir setinggi lutut di Muncar ({tag()})"

    response = signed_twitter(endpoints, twitter_body(dm_text, dm_sender, mention_text, author))

    assert response.status_code == 200, response.text
    incidents = response.json()["incidents"]
    assert len(incidents) == 2
    by_text = {item["report"]: item for item in (in_queue(operator1, i) for i in incidents)}
    assert set(by_text) == {dm_text, mention_text}
    dm, mention = by_text[dm_text], by_text[mention_text]
    assert dm["channel"] == mention["channel"] == "TWITTER"
    assert (dm["source"]["kind"], dm["source"]["twitterUser"]) == ("dm", dm_sender)
    assert (mention["source"]["kind"], mention["source"]["twitterUser"]) == ("mention", author)
    assert (mention["location"]["lat"], mention["location"]["lon"]) == MUNCAR
    assert mention["location"]["address"] == "Muncar, Jawa Timur"


@pytest.mark.parametrize("forged", ["wrong-secret", "hex-not-base64", "missing"])
def test_twitter_forged_signature_is_refused_and_creates_nothing(
    endpoints: dict[str, Any], operator1: ApiClient, forged: str
) -> None:
    dm_text, mention_text = f"DM palsu ({tag()})", f"@BwiRespon112 palsu ({tag()})"
    body = twitter_body(dm_text, "3805104374", mention_text, "98765432100")
    secret = endpoints["secrets"]["twitterConsumerSecret"]
    signature = {
        "wrong-secret": x_signature(body, "not-the-consumer-secret"),
        "hex-not-base64": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "missing": None,
    }[forged]

    response = post_twitter(endpoints, body, signature)

    assert response.status_code == 401, response.text
    assert reported(operator1, dm_text) == []
    assert reported(operator1, mention_text) == []


def crc_signature(endpoints: dict[str, Any], token: str) -> str:
    """What GET /webhooks/twitter?crc_token=<token> answers: HMAC(consumer secret, token), the very
    signature X puts on a POST whose body is `token`."""
    response = requests.get(f"{endpoints['api']}/webhooks/twitter", params={"crc_token": token}, timeout=10)
    assert response.status_code == 200, response.text
    signature: str = response.json()["response_token"]
    return signature


def test_bodies_signed_through_the_crc_create_nothing(
    endpoints: dict[str, Any], operator1: ApiClient, s3: S3Client
) -> None:
    """Anyone may ask the CRC to sign a token; a body equal to the token then carries a valid signature.
    No such body is an Account Activity payload (a token has no braces): 20 of them create nothing."""
    marker = tag()
    tokens = [f"tolong-kebakaran-{marker}-{n}" for n in range(18)] + [str(10**12 + int(marker, 16)), "true"]
    before, refused_before = raw_keys(s3, endpoints, "twitter"), raw_keys(s3, endpoints, "refused/twitter")

    answers = [post_twitter(endpoints, t.encode(), crc_signature(endpoints, t)) for t in tokens]

    assert [a.status_code for a in answers] == [400] * len(tokens), [a.text for a in answers]
    assert all("incidentId" not in a.json() for a in answers)
    assert reported(operator1, marker) == []
    assert raw_keys(s3, endpoints, "twitter") == before, "refused bodies are not kept as genuine"
    assert len(raw_keys(s3, endpoints, "refused/twitter") - refused_before) == len(tokens)


# -- (d) Advanced Mobile Location -----------------------------------------------------------------------


def assert_located(incident: dict[str, Any], lat: float, lon: float, accuracy: float, transport: str) -> None:
    aml = incident["aml"]
    assert aml is not None, f"no AML position on {incident['id']}"
    assert (aml["lat"], aml["lon"], aml["accuracyM"]) == pytest.approx((lat, lon, accuracy), abs=1e-5)
    assert aml["transport"] == transport
    assert aml["number"] == incident["caller"]


@pytest.mark.parametrize("https", [False, True], ids=["sms", "https-form"])
def test_aml_position_attaches_to_the_callers_incident(
    endpoints: dict[str, Any], operator1: ApiClient, https: bool
) -> None:
    number = fresh_number()
    incident_id = place_call(endpoints, number)["incidentId"]

    response = aml_position(endpoints, number, -8.36611, 114.15012, 12.0, https=https)

    assert response.status_code == 200, response.text
    assert response.json() == {"outcome": "ATTACHED", "incidentId": incident_id}
    incident = detail(operator1, incident_id)
    assert_located(incident, -8.36611, 114.15012, 12.0, "HTTPS" if https else "SMS")
    assert incident["status"] == "RECEIVED"
    locate = [entry for entry in incident["timeline"] if entry["action"] == "LOCATE"]
    assert len(locate) == 1
    assert locate[0]["actor"] == "system:aml"
    assert (locate[0]["fromStatus"], locate[0]["toStatus"]) == ("RECEIVED", "RECEIVED")


def test_aml_https_form_with_the_token_in_the_query(endpoints: dict[str, Any], operator1: ApiClient) -> None:
    number = fresh_number()
    incident_id = place_call(endpoints, number)["incidentId"]
    form = {
        "v": "3",
        "emergency_number": "112",
        "source": "CALL",
        "location_latitude": "-8.21920",
        "location_longitude": "114.36910",
        "location_accuracy": "30",
        "location_source": "wifi",
        "location_time": str(int(time.time() * 1000)),
        "device_number": number,
    }

    response = requests.post(
        f"{endpoints['api']}/aml", params={"token": endpoints["secrets"]["amlToken"]}, data=form, timeout=10
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"outcome": "ATTACHED", "incidentId": incident_id}
    assert_located(detail(operator1, incident_id), -8.2192, 114.3691, 30.0, "HTTPS")


def test_aml_before_the_call_is_kept_for_it(endpoints: dict[str, Any], operator1: ApiClient) -> None:
    number = fresh_number()

    response = aml_position(endpoints, number, -8.2951, 114.3048, 18.0, https=False)

    assert response.status_code == 200, response.text
    assert response.json() == {"outcome": "KEPT"}
    incident_id = place_call(endpoints, number)["incidentId"]
    assert_located(detail(operator1, incident_id), -8.2951, 114.3048, 18.0, "SMS")


def _aml_sms(endpoints: dict[str, Any], number: str, text: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {endpoints['secrets']['amlToken']}"}
    return requests.post(
        f"{endpoints['api']}/aml", json={"from": number, "text": text}, headers=headers, timeout=10
    )


def _sms_text(top: str, ml: str | None = None) -> str:
    body = (
        f'A"ML=1;lt=-08.29510;lg=+114.30480;rd=20;top={top};lc=68;pm=G;si=510100000000000;'
        "ei=356938035643809;mcc=510;mnc=10;ml="
    )
    return body + ml if ml is not None else with_length(body)


def test_a_future_dated_aml_fix_does_not_freeze_the_callers_position(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    """A handset clock in 2099: attached with its claimed time and a warning, ordered by its arrival; the
    correct fix taken after that still replaces it (HTTPS, whose milliseconds say so even within the same
    second, on the same machine's clock)."""
    number = fresh_number()
    incident_id = place_call(endpoints, number)["incidentId"]

    wrong_clock = _aml_sms(endpoints, number, _sms_text("20991231235959"))

    assert wrong_clock.status_code == 200, wrong_clock.text
    assert wrong_clock.json() == {"outcome": "ATTACHED", "incidentId": incident_id}
    aml = detail(operator1, incident_id)["aml"]
    assert (aml["fixedAt"], aml["warnings"]) == ("2099-12-31T23:59:59.000Z", ["TIME_AHEAD"])

    correct = aml_position(endpoints, number, -8.36611, 114.15012, 12.0, https=True)

    assert correct.status_code == 200, correct.text
    assert correct.json() == {"outcome": "ATTACHED", "incidentId": incident_id}
    incident = detail(operator1, incident_id)
    assert_located(incident, -8.36611, 114.15012, 12.0, "HTTPS")
    assert incident["aml"]["warnings"] == []


def test_an_aml_sms_with_a_miscounted_ml_locates_the_caller_and_a_cut_one_is_refused(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    number = fresh_number()
    incident_id = place_call(endpoints, number)["incidentId"]
    now = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    whole = _sms_text(now)
    cut = whole[: whole.index(";rd=")]

    assert _aml_sms(endpoints, number, cut).status_code == 422
    assert detail(operator1, incident_id)["aml"] is None

    miscounted = _sms_text(now, ml=str(len(whole) - 3))  # as the UK sample: three short
    response = _aml_sms(endpoints, number, miscounted)

    assert response.status_code == 200, response.text
    assert response.json() == {"outcome": "ATTACHED", "incidentId": incident_id}
    incident = detail(operator1, incident_id)
    assert_located(incident, -8.2951, 114.3048, 20.0, "SMS")
    assert incident["aml"]["warnings"] == ["LENGTH_MISMATCH"]


@pytest.mark.parametrize(
    "variant", ["json-no-token", "form-no-token", "json-wrong-bearer", "form-wrong-query-token"]
)
def test_aml_without_the_token_is_refused(
    endpoints: dict[str, Any], operator1: ApiClient, variant: str
) -> None:
    number = fresh_number()
    incident_id = place_call(endpoints, number)["incidentId"]
    url = f"{endpoints['api']}/aml"
    form = {"location_latitude": "-8.3", "location_longitude": "114.2", "device_number": number}
    sms = sample("aml-sms.json") | {"from": number}

    if variant == "json-no-token":
        response = requests.post(url, json=sms, timeout=10)
    elif variant == "form-no-token":
        response = requests.post(url, data=form, timeout=10)
    elif variant == "json-wrong-bearer":
        response = requests.post(url, json=sms, headers={"Authorization": "Bearer wrong"}, timeout=10)
    else:
        response = requests.post(url, params={"token": "wrong"}, data=form, timeout=10)

    assert response.status_code == 401, response.text
    assert detail(operator1, incident_id)["aml"] is None


# -- odd but well-formed deliveries -----------------------------------------------------------------------
# ELS HTTPS senders expect 2xx even for what is discarded (formats.md §6), and X redelivers what got a
# 5xx: a signed or authorised, well-formed delivery must never be a server error.


def _aml_form(endpoints: dict[str, Any], **fields: str) -> requests.Response:
    form = {"device_number": fresh_number(), "location_latitude": "-8.3", "location_longitude": "114.2"}
    headers = {"Authorization": f"Bearer {endpoints['secrets']['amlToken']}"}
    return requests.post(f"{endpoints['api']}/aml", data=form | fields, headers=headers, timeout=10)


@pytest.mark.parametrize(
    "fields",
    [
        {"location_latitude": "1e-200"},
        {"location_accuracy": "1e-300"},
        {"location_accuracy": "1e300"},
        {"location_time": "253402300800000"},
        {"location_time": "-1e20"},
    ],
    ids=["tiny-latitude", "tiny-accuracy", "huge-accuracy", "time-after-year-9999", "time-far-before-1970"],
)
def test_odd_aml_https_fields_still_answer_2xx(endpoints: dict[str, Any], fields: dict[str, str]) -> None:
    response = _aml_form(endpoints, **fields)

    assert response.status_code == 200, response.text
    assert response.json()["outcome"] in {"KEPT", "DISCARDED", "NO_POSITION"}


def test_mention_geotagged_at_a_tiny_coordinate_is_an_incident(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    mention_text = f"@BwiRespon112 pohon tumbang ({tag()})"
    payload = json.loads(twitter_body("-", "1", mention_text, str(secrets.randbelow(10**11))))
    payload["direct_message_events"] = []
    payload["tweet_create_events"][0]["coordinates"]["coordinates"] = [5e-324, 0.0]

    response = signed_twitter(endpoints, json.dumps(payload).encode())

    assert response.status_code == 200, response.text
    (incident_id,) = response.json()["incidents"]
    assert in_queue(operator1, incident_id)["report"] == mention_text


# -- bounds: numbers Python cannot convert, platform ids no key can hold -----------------------------------


def test_a_report_with_an_integer_python_cannot_convert_is_a_400_and_kept(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    marker = tag()
    huge = "9" * 5000  # digits: more than Python converts to an int (4,300)
    body = f'{{"description": "kebakaran {marker}", "phone": "081234567890", "accuracyM": {huge}}}'

    response = requests.post(
        f"{endpoints['api']}/reports", data=body, headers={"Content-Type": "application/json"}, timeout=10
    )

    assert response.status_code == 400, response.text[:500]
    kept = in_queue(operator1, response.json()["incidentId"])
    assert "UNPARSED" in kept["flags"]
    assert marker in kept["report"]


def instagram_delivery(messages: list[tuple[str, str, str]]) -> bytes:
    """One Meta delivery with these (sender, mid, text) messages, in order."""
    payload = sample("instagram-messages.json")
    citizen = payload["entry"][0]["messaging"][0]
    events = []
    for sender, mid, text in messages:
        event = json.loads(json.dumps(citizen))
        event["sender"]["id"] = sender
        event["message"] = {"mid": mid, "text": text}
        events.append(event)
    payload["entry"][0]["messaging"] = events
    return json.dumps(payload).encode()


def test_an_over_long_message_id_fails_only_its_own_message(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    """A 3,000-character mid is more than a DynamoDB key holds: that message is kept for an operator
    (UNPARSED), the others of the delivery register, and Meta's retry duplicates nothing."""
    marker = tag()
    messages = [
        (instagram_user(), f"test.{marker}.1", f"Pesan pertama ({marker})"),
        (instagram_user(), "m" * 3000, f"Pesan kedua, id terlalu panjang ({marker})"),
        (instagram_user(), f"test.{marker}.3", f"Pesan ketiga ({marker})"),
    ]
    body = instagram_delivery(messages)

    first = signed_instagram(endpoints, body)
    again = signed_instagram(endpoints, body)

    assert first.status_code == again.status_code == 200, (first.text[:500], again.text[:500])
    assert again.json()["incidents"] == first.json()["incidents"]
    found = reported(operator1, marker)
    assert len(found) == 3, [item["report"][:80] for item in found]
    by_flag = {"UNPARSED" in item["flags"]: item for item in found}
    assert "Pesan kedua" in by_flag[True]["report"]
    assert len(by_flag[True]["report"]) <= 4000
    parsed = sorted(item["report"] for item in found if "UNPARSED" not in item["flags"])
    assert parsed == sorted([messages[0][2], messages[2][2]])
    wait_for_reply(endpoints, messages[2][0])  # the message after the broken one is answered too


def test_over_long_x_ids_fail_only_their_own_event(endpoints: dict[str, Any], operator1: ApiClient) -> None:
    marker = tag()
    payload = json.loads(
        twitter_body(f"DM biasa ({marker})", "3805104374", f"@BwiRespon112 ok ({marker})", "98765")
    )
    broken = json.loads(json.dumps(payload["direct_message_events"][0]))
    broken["id"] = "9" * 3000
    broken["message_create"]["message_data"]["text"] = f"DM dengan id terlalu panjang ({marker})"
    payload["direct_message_events"].insert(0, broken)
    body = json.dumps(payload).encode()

    first = signed_twitter(endpoints, body)
    again = signed_twitter(endpoints, body)

    assert first.status_code == again.status_code == 200, (first.text[:500], again.text[:500])
    found = reported(operator1, marker)
    assert len(found) == 3, [item["report"][:80] for item in found]
    assert sum("UNPARSED" in item["flags"] for item in found) == 1


# -- (e) the raw archive -------------------------------------------------------------------------------


def test_unparseable_signed_instagram_body_is_kept_as_an_unparsed_incident(
    endpoints: dict[str, Any], operator1: ApiClient, s3: S3Client
) -> None:
    channel = "instagram"
    body = b'{"object": "instagram", "entry": "' + tag().encode() + b'"'  # cut off before its brace
    before = raw_keys(s3, endpoints, channel)

    response = signed_instagram(endpoints, body)

    assert response.status_code == 400, response.text
    incident_id = response.json()["incidentId"]
    incident = in_queue(operator1, incident_id)
    assert incident["channel"] == channel.upper()
    assert "UNPARSED" in incident["flags"]
    assert incident["report"] == body.decode()
    assert incident["source"]["problem"]
    raw_key = incident["source"]["rawKey"]
    assert raw_keys(s3, endpoints, channel) - before == {raw_key}
    stored, metadata = raw_object(s3, endpoints, raw_key)
    assert stored == body
    assert metadata["path"] == f"/webhooks/{channel}"
    # The same bytes again (a platform's retry) are the same incident.
    again = signed_instagram(endpoints, body)
    assert again.status_code == 400, again.text
    assert again.json()["incidentId"] == incident_id


def test_a_signed_x_body_that_is_not_an_object_creates_nothing_and_is_kept_as_refused(
    endpoints: dict[str, Any], operator1: ApiClient, s3: S3Client
) -> None:
    """X sends JSON objects only, and the CRC signs non-objects for anyone: no incident, no long-term copy."""
    marker = tag()
    body = json.dumps([{"direct_message_events": f"not an object at the top {marker}"}]).encode()
    before = raw_keys(s3, endpoints, "refused/twitter")

    response = signed_twitter(endpoints, body)

    assert response.status_code == 400, response.text
    assert "incidentId" not in response.json()
    assert reported(operator1, marker) == []
    (key,) = raw_keys(s3, endpoints, "refused/twitter") - before
    stored, metadata = raw_object(s3, endpoints, key)
    assert stored == body
    assert metadata["refused"] == "not an Account Activity object"


def _forged_instagram(endpoints: dict[str, Any], body: bytes) -> requests.Response:
    return post_instagram(endpoints, body, meta_signature(body, "forged"))


def _forged_twitter(endpoints: dict[str, Any], body: bytes) -> requests.Response:
    return post_twitter(endpoints, body, x_signature(body, "forged"))


def _aml_without_token(endpoints: dict[str, Any], body: bytes) -> requests.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return requests.post(f"{endpoints['api']}/aml", data=body, headers=headers, timeout=10)


@pytest.mark.parametrize(
    ("prefix", "path", "send"),
    [
        ("instagram", "/webhooks/instagram", _forged_instagram),
        ("twitter", "/webhooks/twitter", _forged_twitter),
        ("other", "/aml", _aml_without_token),
    ],
    ids=["forged-instagram", "forged-twitter", "aml-without-token"],
)
def test_a_refused_post_is_archived_apart_cut_short(
    endpoints: dict[str, Any], s3: S3Client, prefix: str, path: str, send: Any
) -> None:
    """Under refused/, which the bucket's lifecycle rule expires within days: the first 64 KiB, with the
    whole body's length and hash (these bodies are smaller, so they are whole)."""
    bodies = {
        "instagram": instagram_body(f"Laporan palsu ({tag()})", "6104825538412345"),
        "twitter": twitter_body(f"DM palsu ({tag()})", "3805104374", f"palsu ({tag()})", "98765432100"),
        "other": f"device_number=%2B6281234567890&location_latitude=-8.3&note={tag()}".encode(),
    }
    body = bodies[prefix]
    before, refused_before = raw_keys(s3, endpoints, prefix), raw_keys(s3, endpoints, f"refused/{prefix}")

    response = send(endpoints, body)

    assert response.status_code == 401, response.text
    assert raw_keys(s3, endpoints, prefix) == before, "a refused POST is not kept with the genuine ones"
    new = raw_keys(s3, endpoints, f"refused/{prefix}") - refused_before
    assert len(new) == 1, f"{len(new)} objects archived under refused/{prefix}/ for one POST"
    stored, metadata = raw_object(s3, endpoints, new.pop())
    assert stored == body
    assert metadata["path"] == path
    assert metadata["source-ip"] == "127.0.0.1"
    assert metadata["length"] == str(len(body))
    assert metadata["sha256"] == hashlib.sha256(body).hexdigest()


# -- (f) the web form's rate limit, on a stack of its own -------------------------------------------------


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A stack whose web form nobody else uses: the limit counts every report from 127.0.0.1."""
    state_dir: Path = tmp_path_factory.mktemp("rate-limit-stack")
    with running_stack(state_dir, *DEFAULT_SERVE_ARGS) as endpoints:
        yield endpoints


def test_web_form_refuses_the_sixth_report_in_ten_minutes(own_stack: dict[str, Any]) -> None:
    endpoints = own_stack
    s3 = s3_client(endpoints)
    # The limiter counts per fixed window (multiples of 10 minutes, UTC): send all six inside one.
    left = RATE_WINDOW - time.time() % RATE_WINDOW
    if left < 30:
        time.sleep(left + 1)
    before, refused_before = raw_keys(s3, endpoints, "web"), raw_keys(s3, endpoints, "refused/web")
    texts = [f"Laporan ke-{n} dari warga yang sama ({tag()})" for n in range(1, RATE_LIMIT + 2)]

    responses = [web_report(endpoints, text, fresh_number(), "Genteng") for text in texts]

    assert [r.status_code for r in responses] == [202] * RATE_LIMIT + [429], [r.text for r in responses]
    refused = responses[-1]
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= RATE_WINDOW
    assert refused.json()["statusCode"] == 429
    assert "112" in refused.json()["message"]
    api = ApiClient(endpoints, "operator1")
    web = [item for item in queue_items(api, "RECEIVED") if item["channel"] == "WEB"]
    assert sorted(item["report"] for item in web) == sorted(texts[:RATE_LIMIT])
    assert sorted(item["id"] for item in web) == sorted(r.json()["incidentId"] for r in responses[:-1])
    # The accepted reports are archived whole; the refused one apart, for days only.
    assert len(raw_keys(s3, endpoints, "web") - before) == RATE_LIMIT
    assert len(raw_keys(s3, endpoints, "refused/web") - refused_before) == 1
    # Only the web form is limited: the other channels still take reports from the same address.
    sender = instagram_user()
    instagram = signed_instagram(endpoints, instagram_body(f"Masih bisa lewat Instagram ({tag()})", sender))
    assert instagram.status_code == 200, instagram.text


def test_serve_option_raises_the_web_form_limit(endpoints: dict[str, Any]) -> None:
    """The folder's stack runs with `--report-rate-limit 1000` (helpers.SERVE_ARGS): more than the
    default five reports from one address in one window all go through."""
    responses = [
        web_report(endpoints, f"Laporan latihan ke-{n} ({tag()})", fresh_number(), "Genteng")
        for n in range(RATE_LIMIT + 1)
    ]
    assert [r.status_code for r in responses] == [202] * (RATE_LIMIT + 1), [r.text for r in responses]
