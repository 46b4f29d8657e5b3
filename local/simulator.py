"""Drive a running local stack as Connect, an operator or an agency would, from the command line."""

from __future__ import annotations

import copy
import json
import time
import uuid
from typing import Any

import requests

from infra.definitions import ROOT
from intake.signatures import meta_signature, x_signature
from local.aws import client

CONNECT_EVENT = ROOT / "events" / "connect" / "contact-flow.json"
INTAKE_FUNCTION = "intake-connect"


def connect_event(caller: str | None, contact_id: str | None = None) -> dict[str, Any]:
    """The Connect contact-flow event for a 112 call from `caller` (None: a withheld number)."""
    event: dict[str, Any] = copy.deepcopy(json.loads(CONNECT_EVENT.read_text(encoding="utf-8")))
    data = event["Details"]["ContactData"]
    contact_id = contact_id or str(uuid.uuid4())
    data["ContactId"] = data["InitialContactId"] = contact_id
    data["CustomerEndpoint"] = {"Address": caller, "Type": "TELEPHONE_NUMBER"} if caller else None
    # The flow passes the caller as a parameter too (our fallback); a withheld number has neither.
    event["Details"]["Parameters"] = {"caller": caller} if caller else {}
    return event


def place_call(
    endpoints: dict[str, Any], caller: str | None, contact_id: str | None = None
) -> dict[str, str]:
    """Invoke the Connect intake function by name through the local Lambda Invoke API."""
    lambda_client = client("lambda", endpoints["lambda"], endpoints["region"])
    response = lambda_client.invoke(
        FunctionName=INTAKE_FUNCTION, Payload=json.dumps(connect_event(caller, contact_id)).encode()
    )
    payload: dict[str, str] = json.loads(response["Payload"].read())
    if "FunctionError" in response:
        raise RuntimeError(f"{INTAKE_FUNCTION} failed: {payload}")
    return payload


def id_token(endpoints: dict[str, Any], username: str) -> str:
    """Log in with Cognito's InitiateAuth (USER_PASSWORD_AUTH), as the panel does, and return the IdToken."""
    password = endpoints["users"].get(username)
    if password is None:
        raise SystemExit(f"no local user {username!r}; one of {sorted(endpoints['users'])}")
    idp = client("cognito-idp", endpoints["aws"], endpoints["region"])
    result = idp.initiate_auth(
        ClientId=endpoints["userPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["IdToken"])


class ApiClient:
    """The operators' REST API with one operator's token."""

    def __init__(self, endpoints: dict[str, Any], username: str) -> None:
        self.base = endpoints["api"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {id_token(endpoints, username)}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.base + path, params=params, timeout=10)

    def post(self, path: str, body: Any = None) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=10)

    def put(self, path: str, body: Any = None) -> requests.Response:
        return self.session.put(self.base + path, json=body, timeout=10)

    def delete(self, path: str, **params: Any) -> requests.Response:
        return self.session.delete(self.base + path, params=params, timeout=10)


def agency_inbox(endpoints: dict[str, Any], agency: str, wait_seconds: int = 0) -> list[dict[str, Any]]:
    """What an agency received (peek: messages stay in the inbox)."""
    url = endpoints["resources"]["agencyInboxes"].get(agency.upper())
    if url is None:
        raise SystemExit(f"no agency {agency!r}; one of {sorted(endpoints['resources']['agencyInboxes'])}")
    sqs = client("sqs", endpoints["aws"], endpoints["region"])
    seen: dict[str, dict[str, Any]] = {}
    # Receive until the queue has nothing more to show (SQS hands out at most 10 at a time), holding each
    # message invisible meanwhile so it is not read twice, then make them all visible again.
    while True:
        response = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=30,
            WaitTimeSeconds=0 if seen else wait_seconds,
        )
        messages = [m for m in response.get("Messages", []) if m["MessageId"] not in seen]
        if not messages:
            break
        seen.update({m["MessageId"]: m for m in messages})
    handles = [m["ReceiptHandle"] for m in seen.values()]
    for start in range(0, len(handles), 10):
        sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for i, handle in enumerate(handles[start : start + 10])
            ],
        )
    return [json.loads(m["Body"]) for m in seen.values()]


def _step(text: str) -> None:
    print(f"\n▶ {text}")


def _show(response: requests.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    if response.status_code >= 400:
        raise SystemExit(f"  {response.status_code}: {body}")
    print(f"  {response.status_code} status={body.get('status')} version={body.get('version')}")
    return body


def demo(endpoints: dict[str, Any], caller: str, operator: str = "operator1") -> str:
    """A call, claimed, verified as a fire in Genteng, and dispatched to the fire brigade."""
    _step(f"112 call from {caller} (Amazon Connect → intake-connect)")
    answer = place_call(endpoints, caller)
    incident_id = answer["incidentId"]
    print(f"  Connect receives {answer}")
    api = ApiClient(endpoints, operator)
    _step(f"{operator} sees it in the queue: GET /incidents?status=RECEIVED")
    queue = api.get("/incidents", status="RECEIVED").json()
    ours = any(item["id"] == incident_id for item in queue["items"])
    print(f"  {len(queue['items'])} waiting; ours is there: {ours}")
    _step(f"{operator} claims it: POST /incidents/{incident_id}/claim")
    _show(api.post(f"/incidents/{incident_id}/claim"))
    _step("the posts the agency directory suggests for a fire in Genteng: GET /agencies/suggestion")
    suggestion = api.get("/agencies/suggestion", category="FIRE", district="Genteng").json()
    for agency in suggestion.get("agencies", []):
        print(f"  {agency['code']}: {', '.join(post['name'] for post in agency['posts']) or '(none)'}")
    _step("verifies it as A1: a house fire in Genteng, P1")
    verification = {
        "category": "FIRE",
        "priority": "P1",
        "location": {
            "district": "Genteng",
            "address": "Jl. Raya Genteng 12, dekat pasar",
            "lat": -8.3667,
            "lon": 114.15,
        },
        "summary": "Rumah terbakar, api membesar, dua orang masih di dalam",
    }
    _show(api.post(f"/incidents/{incident_id}/verify", verification))
    _step("the dispatch worker forwards it (SQS → dispatch-worker → SNS)")
    deadline = time.monotonic() + 30
    while True:
        detail = api.get(f"/incidents/{incident_id}").json()
        if detail["status"] == "DISPATCHED" or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    print(f"  status={detail['status']}")
    for dispatch in detail.get("dispatches", []):
        posts = f" ({', '.join(dispatch.get('posts', []))})" if dispatch.get("posts") else ""
        print(f"  {dispatch['agency']}{posts}: {dispatch['status']} at {dispatch['notifiedAt']}")
    _step("timeline")
    for entry in detail["timeline"]:
        before = entry["fromStatus"] or "-"
        print(f"  v{entry['version']} {entry['at']} {entry['actor']:16} {before:10} → {entry['toStatus']}")
    _step("what the fire brigade received (local inbox of DAMKAR)")
    for message in agency_inbox(endpoints, "DAMKAR"):
        if message["incident"]["id"] == incident_id:
            print(f"  {json.dumps(message, ensure_ascii=False)[:200]}…")
    return incident_id


# -- the public channels ------------------------------------------------------------------------------

WEBHOOK_SAMPLES = ROOT / "events" / "webhooks"


def _public(endpoints: dict[str, Any]) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = "respon112-local-simulator"
    return session


def web_report(
    endpoints: dict[str, Any], description: str, phone: str, district: str | None
) -> requests.Response:
    """POST /reports as the public web form does."""
    body = json.loads((WEBHOOK_SAMPLES / "web-report.json").read_text(encoding="utf-8"))
    body.update(description=description, phone=phone, clientReportId=f"cli-{uuid.uuid4().hex[:16]}")
    body["location"] = {"district": district} if district else body["location"]
    return _public(endpoints).post(f"{endpoints['api']}/reports", json=body, timeout=10)


def instagram_message(
    endpoints: dict[str, Any], text: str, sender: str, forged: bool = False
) -> requests.Response:
    """An Instagram direct message as Meta's webhook delivers it, signed with the local app secret."""
    payload = json.loads((WEBHOOK_SAMPLES / "instagram-messages.json").read_text(encoding="utf-8"))
    event = payload["entry"][0]["messaging"][0]
    event["sender"]["id"] = sender
    event["message"] = {"mid": f"local.{uuid.uuid4().hex}", "text": text}
    payload["entry"][0]["messaging"] = [event]
    body = json.dumps(payload).encode()
    secret = "forged" if forged else endpoints["secrets"]["instagramAppSecret"]
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(body, secret)}
    return _public(endpoints).post(
        f"{endpoints['api']}/webhooks/instagram", data=body, headers=headers, timeout=10
    )


def twitter_message(
    endpoints: dict[str, Any], text: str, sender: str, mention: bool = False
) -> requests.Response:
    """A direct message (or a mention) as X's Account Activity webhook delivers it, signed."""
    payload = json.loads((WEBHOOK_SAMPLES / "twitter-events.json").read_text(encoding="utf-8"))
    if mention:
        tweet = payload["tweet_create_events"][0]
        tweet.update(id_str=str(uuid.uuid4().int)[:19], text=text)
        tweet["user"]["id_str"] = sender
        payload["direct_message_events"] = []
    else:
        message = payload["direct_message_events"][0]
        message["id"] = str(uuid.uuid4().int)[:19]
        message["message_create"]["sender_id"] = sender
        message["message_create"]["message_data"]["text"] = text
        payload["tweet_create_events"] = []
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "x-twitter-webhooks-signature": x_signature(body, endpoints["secrets"]["twitterConsumerSecret"]),
    }
    return _public(endpoints).post(
        f"{endpoints['api']}/webhooks/twitter", data=body, headers=headers, timeout=10
    )


def aml_position(
    endpoints: dict[str, Any], number: str, lat: float, lon: float, accuracy: float, https: bool
) -> requests.Response:
    """A handset's AML position: relayed SMS (JSON) or ELS HTTPS (form), with the local AML token."""
    url = f"{endpoints['api']}/aml"
    headers = {"Authorization": f"Bearer {endpoints['secrets']['amlToken']}"}
    if https:
        form = {
            "v": "3",
            "emergency_number": "112",
            "source": "CALL",
            "location_latitude": f"{lat:.5f}",
            "location_longitude": f"{lon:.5f}",
            "location_accuracy": f"{accuracy:.1f}",
            "location_source": "gps",
            "location_confidence": "0.68",
            "location_time": str(int(time.time() * 1000)),
            "device_number": number,
        }
        return _public(endpoints).post(url, data=form, headers=headers, timeout=10)
    fields = [
        'A"ML=1',
        f"lt={lat:+09.5f}",
        f"lg={lon:+010.5f}",
        f"rd={accuracy:.0f}",
        f"top={time.strftime('%Y%m%d%H%M%S', time.gmtime())}",
        "lc=68",
        "pm=G",
        "si=510100000000000",
        "ei=356938035643809",
        "mcc=510",
        "mnc=10",
    ]
    text = with_length(";".join(fields) + ";ml=")
    return _public(endpoints).post(url, json={"from": number, "text": text}, headers=headers, timeout=10)


def with_length(prefix: str) -> str:
    """Complete an AML SMS with its ml value: the whole message's length, its own digits included."""
    length = len(prefix) + 1
    while len(prefix) + len(str(length)) != length:
        length = len(prefix) + len(str(length))
    return f"{prefix}{length}"


def outbox(endpoints: dict[str, Any]) -> list[dict[str, Any]]:
    """Replies the reply sender posted to the local stand-ins for Meta's Graph API and X's DMs."""
    response = _public(endpoints).get(f"{endpoints['api']}/_local/outbox", timeout=10)
    response.raise_for_status()
    sent: list[dict[str, Any]] = response.json()
    return sent
