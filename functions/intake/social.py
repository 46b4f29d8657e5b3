"""Instagram (Meta) and X webhook payloads, parsed tolerantly into reports.

Both platforms add fields and event kinds over time: the models accept anything shaped like a JSON
object, read only what a report needs, and skip what is not a citizen writing to us (our own echoes and
replies, reactions, read receipts, follows). Signatures are checked before any of this runs.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from core.incidents import Report
from core.models import Channel, Flag, Location

SYSTEM_INSTAGRAM = "system:instagram"
SYSTEM_TWITTER = "system:twitter"
MAX_TEXT = 4000


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


# -- Instagram (Meta webhooks, object "instagram", field messages) -----------------------------------


class InstagramWebhook(_Tolerant):
    object: Text = None
    entry: Objects = Field(default_factory=list)


def instagram_reports(payload: InstagramWebhook) -> list[tuple[Report, str]]:
    """(report, sender IGSID) for each message a citizen sent; echoes of our own messages are skipped."""
    found: list[tuple[Report, str]] = []
    for entry in payload.entry:
        for event in _list(entry.get("messaging")):
            if not isinstance(event, dict):
                continue
            message = _dict(event.get("message"))
            mid = _text(message.get("mid"))
            sender = _text(_dict(event.get("sender")).get("id"))
            if not mid or not sender or message.get("is_echo") or message.get("is_deleted"):
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
                        "instagramAccount": _text(_dict(event.get("recipient")).get("id")),
                        "messageId": mid,
                        "attachments": " ".join(urls)[:256] or None,
                    }.items()
                    if v
                },
                # Instagram sends no location attachment: the reply asks for the place in words.
                flags=(Flag.LOCATION_ASKED,),
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
    me = payload.for_user_id
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
    text = _text(_dict(create.get("message_data")).get("text")) or "(pesan tanpa teks)"
    screen_name = _text(_dict(users.get(sender)).get("screen_name"))
    return Report(
        channel=Channel.TWITTER,
        actor=SYSTEM_TWITTER,
        dedupe_key=f"TWITTER#DM#{event_id}",
        text=text[:MAX_TEXT],
        source={
            k: v for k, v in {"twitterUser": sender, "screenName": screen_name, "kind": "dm"}.items() if v
        },
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
                "screenName": _text(author.get("screen_name")),
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
