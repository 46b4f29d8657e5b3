"""Instagram (Meta) and X webhook payloads, parsed tolerantly into reports.

Both platforms add fields and event kinds over time: the models accept anything shaped like a JSON
object, read only what a report needs, and skip what is not a citizen writing to us (our own echoes and
replies, reactions, read receipts, follows). Signatures are checked before any of this runs.

Every platform id is bounded before it becomes a key or an attribute (a dedupe key is a DynamoDB
partition key: 2,048 bytes at most): a message whose id, sender or account breaks its limit is not
dropped and does not fail the others of its delivery; it becomes an UNPARSED report of its own, keyed by
the hash of the message, so that a redelivery is the same incident.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from core.incidents import Report
from core.models import Channel, Flag, Location

SYSTEM_INSTAGRAM = "system:instagram"
SYSTEM_TWITTER = "system:twitter"
MAX_TEXT = 4000
# Far above what the platforms send (an Instagram mid is about 150 characters, X and Instagram user,
# account and post ids about 20 digits, an X handle 15 characters), far below a key's 2,048 bytes.
MAX_MESSAGE_ID = 512
MAX_PLATFORM_ID = 64
MAX_SCREEN_NAME = 64


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


Text = Annotated[str | None, BeforeValidator(_text)]
Objects = Annotated[
    list[dict[str, Any]], BeforeValidator(lambda v: [x for x in _list(v) if isinstance(x, dict)])
]
Object = Annotated[dict[str, Any], BeforeValidator(_dict)]


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _too_long(*fields: tuple[str, str | None, int]) -> str | None:
    """What the first (name, value, limit) over its limit is, or None when all fit."""
    for name, value, limit in fields:
        if value is not None and len(value) > limit:
            return f"{name} has {len(value)} characters, at most {limit} are accepted"
    return None


def _unparsed(channel: Channel, actor: str, event: dict[str, Any], problem: str) -> Report:
    """A message that breaks a limit, kept for an operator to read: its JSON (cut to MAX_TEXT), keyed by
    its hash so that the platform's retry of the delivery is the same incident."""
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"))  # ASCII: any string hashes
    raw = json.dumps(event, ensure_ascii=False).encode("utf-8", "replace").decode("utf-8")
    return Report(
        channel=channel,
        actor=actor,
        dedupe_key=f"{channel.value}#UNPARSED#{hashlib.sha256(canonical.encode()).hexdigest()}",
        text=raw[:MAX_TEXT],
        source={"problem": problem[:256]},
        flags=(Flag.UNPARSED,),
    )


# -- Instagram (Meta webhooks, object "instagram", field messages) -----------------------------------


class InstagramWebhook(_Tolerant):
    object: Text = None
    entry: Objects = Field(default_factory=list)


def instagram_reports(payload: InstagramWebhook) -> list[tuple[Report, str | None]]:
    """(report, sender IGSID to ask where) for each message a citizen sent; echoes of our own messages
    are skipped. A message that breaks a limit is an UNPARSED report, with nobody to ask."""
    found: list[tuple[Report, str | None]] = []
    for entry in payload.entry:
        for event in _list(entry.get("messaging")):
            if not isinstance(event, dict):
                continue
            message = _dict(event.get("message"))
            mid = _text(message.get("mid"))
            sender = _text(_dict(event.get("sender")).get("id"))
            if not mid or not sender or message.get("is_echo") or message.get("is_deleted"):
                continue
            account = _text(_dict(event.get("recipient")).get("id"))
            problem = _too_long(
                ("message.mid", mid, MAX_MESSAGE_ID),
                ("sender.id", sender, MAX_PLATFORM_ID),
                ("recipient.id", account, MAX_PLATFORM_ID),
            )
            if problem:
                found.append((_unparsed(Channel.INSTAGRAM, SYSTEM_INSTAGRAM, event, problem), None))
                continue
            urls = [
                url
                for attachment in _list(message.get("attachments"))
                if (url := _text(_dict(_dict(attachment).get("payload")).get("url")))
            ]
            text = _text(message.get("text"))
            body = "\n".join([*([text] if text else []), *urls]) or "(lampiran tanpa teks)"
            report = Report(
                channel=Channel.INSTAGRAM,
                actor=SYSTEM_INSTAGRAM,
                dedupe_key=f"INSTAGRAM#{mid}",
                text=body[:MAX_TEXT],
                source={
                    k: v
                    for k, v in {
                        "instagramSender": sender,
                        "instagramAccount": account,
                        "messageId": mid,
                        "attachments": " ".join(urls)[:256] or None,
                    }.items()
                    if v
                },
                # Instagram sends no location attachment: the reply asks for the place in words.
                flags=(Flag.LOCATION_ASKED,),
                sender=f"{Channel.INSTAGRAM.value}#{sender}",
            )
            found.append((report, sender))
    return found


# -- X (Account Activity API; the X Activity API keeps the CRC and signature scheme) ---------------


class TwitterWebhook(_Tolerant):
    for_user_id: Text = None
    direct_message_events: Objects = Field(default_factory=list)
    tweet_create_events: Objects = Field(default_factory=list)
    users: Object = Field(default_factory=dict)


def twitter_reports(payload: TwitterWebhook) -> list[Report]:
    """Direct messages to the account and posts that mention it, written by someone else."""
    # An account id no platform sends is no account of ours: without it no mention can be told ours.
    me = (
        payload.for_user_id
        if _too_long(("for_user_id", payload.for_user_id, MAX_PLATFORM_ID)) is None
        else None
    )
    messages = (_direct_message(event, me, payload.users) for event in payload.direct_message_events)
    reports = [report for report in messages if report]
    reports += [r for r in (_mention(tweet, me) for tweet in payload.tweet_create_events) if r]
    return reports


def _direct_message(event: dict[str, Any], me: str | None, users: dict[str, Any]) -> Report | None:
    create = _dict(event.get("message_create"))
    sender = _text(create.get("sender_id"))
    event_id = _text(event.get("id"))
    if event.get("type") != "message_create" or not event_id or not sender or sender == me:
        return None
    screen_name = _text(_dict(users.get(sender)).get("screen_name"))
    problem = _too_long(
        ("direct message id", event_id, MAX_PLATFORM_ID),
        ("message_create.sender_id", sender, MAX_PLATFORM_ID),
        ("users.screen_name", screen_name, MAX_SCREEN_NAME),
    )
    if problem:
        return _unparsed(Channel.TWITTER, SYSTEM_TWITTER, event, problem)
    text = _text(_dict(create.get("message_data")).get("text")) or "(pesan tanpa teks)"
    return Report(
        channel=Channel.TWITTER,
        actor=SYSTEM_TWITTER,
        dedupe_key=f"TWITTER#DM#{event_id}",
        text=text[:MAX_TEXT],
        source={
            k: v for k, v in {"twitterUser": sender, "screenName": screen_name, "kind": "dm"}.items() if v
        },
        sender=f"{Channel.TWITTER.value}#{sender}",
    )


def _mention(tweet: dict[str, Any], me: str | None) -> Report | None:
    tweet_id = _text(tweet.get("id_str")) or _text(tweet.get("id"))
    author = _dict(tweet.get("user"))
    author_id = _text(author.get("id_str")) or _text(author.get("id"))
    mentions = {
        _text(_dict(m).get("id_str")) for m in _list(_dict(tweet.get("entities")).get("user_mentions"))
    }
    # Without for_user_id there is no telling a mention of us (or a post of our own) from any other post.
    if not me or not tweet_id or not author_id or author_id == me or me not in mentions:
        return None
    if "retweeted_status" in tweet:
        return None
    screen_name = _text(author.get("screen_name"))
    problem = _too_long(
        ("tweet id", tweet_id, MAX_PLATFORM_ID),
        ("user.id", author_id, MAX_PLATFORM_ID),
        ("user.screen_name", screen_name, MAX_SCREEN_NAME),
    )
    if problem:
        return _unparsed(Channel.TWITTER, SYSTEM_TWITTER, tweet, problem)
    text = (
        _text(_dict(tweet.get("extended_tweet")).get("full_text"))
        or _text(tweet.get("full_text"))
        or _text(tweet.get("text"))
        or ""
    )
    return Report(
        channel=Channel.TWITTER,
        actor=SYSTEM_TWITTER,
        dedupe_key=f"TWITTER#TWEET#{tweet_id}",
        text=text[:MAX_TEXT],
        location=_tweet_location(tweet),
        source={
            k: v
            for k, v in {
                "twitterUser": author_id,
                "screenName": screen_name,
                "tweetId": tweet_id,
                "kind": "mention",
            }.items()
            if v
        },
    )


def _tweet_location(tweet: dict[str, Any]) -> Location | None:
    """A geotagged post's point (GeoJSON: longitude first), or its place's name."""
    point = _list(_dict(tweet.get("coordinates")).get("coordinates"))
    place = _text(_dict(tweet.get("place")).get("full_name"))
    address = place[:500] if place and len(place) >= 3 else None  # Location.address holds 500 characters
    try:
        lon, lat = (float(point[0]), float(point[1])) if len(point) == 2 else (None, None)
        return Location(lat=lat, lon=lon, address=address) if lat is not None or address else None
    except (TypeError, ValueError):  # an out-of-range or non-numeric point: keep the place only
        return Location(address=address) if address else None
