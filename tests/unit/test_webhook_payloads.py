"""intake.webhook_payloads: Instagram and X webhook payloads into reports, tolerant of what the platforms
add."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from core.models import Channel, Flag
from intake.webhook_payloads import (
    SYSTEM_INSTAGRAM,
    SYSTEM_TWITTER,
    InstagramWebhook,
    TwitterWebhook,
    instagram_reports,
    twitter_reports,
)
from tests.support import EVENTS

INSTAGRAM: dict[str, Any] = json.loads((EVENTS / "webhooks" / "instagram-messages.json").read_text("utf-8"))
TWITTER: dict[str, Any] = json.loads((EVENTS / "webhooks" / "twitter-events.json").read_text("utf-8"))
CITIZEN = "6104825538412345"
OUR_IG_ACCOUNT = "17841400000000112"
MID = INSTAGRAM["entry"][0]["messaging"][0]["message"]["mid"]
ATTACHMENT_URL = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18312345678901234"
ME = "1234567890112"


def instagram(payload: dict[str, Any] | None = None) -> list[Any]:
    return instagram_reports(
        InstagramWebhook.model_validate(copy.deepcopy(INSTAGRAM) if payload is None else payload)
    )


def twitter(payload: dict[str, Any]) -> list[Any]:
    return twitter_reports(TwitterWebhook.model_validate(payload))


def with_messaging(*events: Any) -> dict[str, Any]:
    return {"object": "instagram", "entry": [{"id": OUR_IG_ACCOUNT, "messaging": list(events)}]}


def message_event(mid: str = "mid.1", **message: Any) -> dict[str, Any]:
    return {
        "sender": {"id": CITIZEN},
        "recipient": {"id": OUR_IG_ACCOUNT},
        "timestamp": 1795837212987,
        "message": {"mid": mid, "text": "Tolong, ada banjir", **message},
    }


def tweets(*events: dict[str, Any]) -> dict[str, Any]:
    return {"for_user_id": ME, "tweet_create_events": list(events)}


def tweet(**changes: Any) -> dict[str, Any]:
    """The sample's mention, changed."""
    event: dict[str, Any] = copy.deepcopy(TWITTER["tweet_create_events"][0])
    event.update(changes)
    return event


# -- Instagram ----------------------------------------------------------------------------------------


def test_the_sample_gives_one_report_and_skips_the_echo() -> None:
    found = instagram()

    assert len(found) == 1
    report, sender = found[0]
    assert sender == CITIZEN
    assert report.channel is Channel.INSTAGRAM
    assert report.actor == SYSTEM_INSTAGRAM
    assert report.dedupe_key == f"INSTAGRAM#{MID}"
    assert "Tolong! Ada rumah terbakar di dekat pasar Genteng" in report.text
    assert ATTACHMENT_URL in report.text
    assert report.source["instagramSender"] == CITIZEN
    assert report.source["instagramAccount"] == OUR_IG_ACCOUNT
    assert report.source["messageId"] == MID
    assert report.source["attachments"] == ATTACHMENT_URL
    assert report.flags == (Flag.LOCATION_ASKED,)
    assert report.caller is None
    assert report.location is None


def test_an_echo_is_skipped_even_alone() -> None:
    assert instagram(with_messaging(message_event(is_echo=True))) == []


def test_an_attachment_without_text_still_makes_a_report() -> None:
    event = message_event(attachments=[{"type": "image", "payload": {"url": ATTACHMENT_URL}}])
    del event["message"]["text"]

    [(report, _)] = instagram(with_messaging(event))

    assert report.text == ATTACHMENT_URL


def test_two_messages_give_two_reports_with_their_own_keys() -> None:
    found = instagram(with_messaging(message_event("mid.1"), message_event("mid.2")))

    assert [report.dedupe_key for report, _ in found] == ["INSTAGRAM#mid.1", "INSTAGRAM#mid.2"]


@pytest.mark.parametrize(
    "event",
    [
        {
            "sender": {"id": CITIZEN},
            "recipient": {"id": OUR_IG_ACCOUNT},
            "reaction": {"mid": "m", "emoji": "x"},
        },
        {"sender": {"id": CITIZEN}, "recipient": {"id": OUR_IG_ACCOUNT}, "read": {"mid": "mid.1"}},
        {"sender": {"id": CITIZEN}, "postback": {"payload": "GET_STARTED"}},
        {"sender": {"id": CITIZEN}, "message": {"mid": "mid.9", "is_deleted": True}},
        {"sender": {"id": CITIZEN}, "message": {"text": "no mid"}},
        {"message": {"mid": "mid.9", "text": "no sender"}},
        {"sender": "not an object", "message": {"mid": "mid.9", "text": "x"}},
        {"sender": {"id": CITIZEN}, "message": "not an object"},
    ],
    ids=["reaction", "read", "postback", "deleted", "no-mid", "no-sender", "bad-sender", "bad-message"],
)
def test_events_that_are_not_a_citizen_writing_are_skipped(event: dict[str, Any]) -> None:
    assert instagram(with_messaging(event, message_event("mid.ok"))) == instagram(
        with_messaging(message_event("mid.ok"))
    )
    assert len(instagram(with_messaging(event))) == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"object": "instagram", "entry": "this should be a list of entries"},
        {"object": "instagram", "entry": [1, "two", None, []]},
        {"object": "instagram", "entry": [{"messaging": "not a list"}]},
        {"object": "instagram", "entry": [{"messaging": [1, "two", None, [], True]}]},
        {"object": "instagram"},
        {},
    ],
)
def test_malformed_entries_are_skipped_without_raising(payload: dict[str, Any]) -> None:
    assert instagram(payload) == []


def test_a_malformed_entry_does_not_hide_a_good_one() -> None:
    payload = with_messaging("not an object", message_event("mid.ok"))
    payload["entry"].insert(0, "not an entry")

    found = instagram(payload)

    assert [report.dedupe_key for report, _ in found] == ["INSTAGRAM#mid.ok"]


def test_a_long_message_is_cut_to_fit() -> None:
    [(report, _)] = instagram(with_messaging(message_event(text="x" * 10_000)))

    assert report.text is not None
    assert 0 < len(report.text) <= 4000


@pytest.mark.parametrize(
    ("place", "value"),
    [("mid", "m" * 3000), ("sender", "6" * 65), ("recipient", "1" * 65)],
)
def test_a_message_with_an_over_long_id_is_kept_unparsed_between_the_others(place: str, value: str) -> None:
    broken = message_event("mid.2", text="pesan kedua")
    if place == "mid":
        broken["message"]["mid"] = value
    else:
        broken[place]["id"] = value

    first, second, third = instagram(with_messaging(message_event("mid.1"), broken, message_event("mid.3")))

    assert [first[0].dedupe_key, third[0].dedupe_key] == ["INSTAGRAM#mid.1", "INSTAGRAM#mid.3"]
    report, ask = second
    assert ask is None  # nobody to ask where: the sender may be the broken value
    assert report.flags == (Flag.UNPARSED,)
    assert report.channel is Channel.INSTAGRAM
    assert report.dedupe_key is not None
    assert report.dedupe_key.startswith("INSTAGRAM#UNPARSED#")
    assert len(report.dedupe_key) < 100
    assert report.text is not None
    assert "pesan kedua" in report.text
    assert len(report.text) <= 4000
    assert "at most" in report.source["problem"]
    assert all(len(v) <= 256 for v in report.source.values())


def test_the_same_over_long_message_has_the_same_key_and_another_one_another() -> None:
    broken = message_event("m" * 3000)
    other = message_event("m" * 3001)

    [(once, _)] = instagram(with_messaging(broken))
    [(again, _)] = instagram(with_messaging(copy.deepcopy(broken)))
    [(different, _)] = instagram(with_messaging(other))

    assert once.dedupe_key == again.dedupe_key != different.dedupe_key


def test_ids_at_their_limits_are_read() -> None:
    event = message_event("m" * 512)
    event["sender"]["id"] = "6" * 64

    [(report, sender)] = instagram(with_messaging(event))

    assert report.flags == (Flag.LOCATION_ASKED,)
    assert sender == "6" * 64


# -- X ------------------------------------------------------------------------------------------------


def test_the_sample_gives_the_dm_and_the_mention() -> None:
    dm, mention = twitter(copy.deepcopy(TWITTER))

    assert dm.channel is Channel.TWITTER
    assert dm.actor == SYSTEM_TWITTER
    assert dm.dedupe_key == "TWITTER#DM#1795837213999112345"
    assert dm.text == "Ada kecelakaan motor di jalan raya Rogojampi dekat SPBU, korban tidak sadar"
    assert dm.source == {"twitterUser": "3805104374", "screenName": "wargarogojampi", "kind": "dm"}
    assert dm.location is None

    assert mention.dedupe_key == "TWITTER#TWEET#1862345678901234567"
    assert mention.text.startswith("@BwiRespon112 banjir setinggi lutut di Muncar")
    assert mention.source["twitterUser"] == "98765432100"
    assert mention.source["screenName"] == "nelayanmuncar"
    assert mention.source["kind"] == "mention"
    assert mention.location is not None
    assert mention.location.lat == -8.4378  # GeoJSON is [lon, lat]
    assert mention.location.lon == 114.3381
    assert mention.location.address == "Muncar, Jawa Timur"


def test_our_own_direct_messages_are_skipped() -> None:
    payload = copy.deepcopy(TWITTER)
    payload["direct_message_events"][0]["message_create"]["sender_id"] = ME

    assert [r.dedupe_key for r in twitter(payload)] == ["TWITTER#TWEET#1862345678901234567"]


def test_other_direct_message_event_types_are_skipped() -> None:
    payload = copy.deepcopy(TWITTER)
    payload["direct_message_events"][0]["type"] = "message_delete"
    payload["tweet_create_events"] = []

    assert twitter(payload) == []


def test_a_dm_from_an_unknown_user_has_no_screen_name() -> None:
    payload = copy.deepcopy(TWITTER)
    payload["users"] = {}
    payload["tweet_create_events"] = []

    [dm] = twitter(payload)

    assert dm.source == {"twitterUser": "3805104374", "kind": "dm"}


def test_our_own_tweets_are_skipped() -> None:
    own = tweet(user={"id_str": ME, "screen_name": "BwiRespon112"})

    assert twitter(tweets(own)) == []


def test_tweets_that_do_not_mention_us_are_skipped() -> None:
    other = tweet(entities={"user_mentions": [{"id_str": "555", "screen_name": "someone"}]})
    nobody = tweet(entities={})

    assert twitter(tweets(other, nobody)) == []


def test_retweets_are_skipped() -> None:
    assert twitter(tweets(tweet(retweeted_status={"id_str": "1"}))) == []


def test_extended_tweet_full_text_is_preferred() -> None:
    long = "@BwiRespon112 " + "banjir " * 60
    [report] = twitter(tweets(tweet(text="@BwiRespon112 banjir…", extended_tweet={"full_text": long})))

    assert report.text == long.strip()


def test_a_numeric_id_is_read_when_id_str_is_missing() -> None:
    event = tweet()
    del event["id_str"]
    event["id"] = 1862345678901234568

    [report] = twitter(tweets(event))

    assert report.dedupe_key == "TWITTER#TWEET#1862345678901234568"


@pytest.mark.parametrize(
    "point",
    [["east", "south"], [114.3381, -98.0], [214.3381, -8.4378], [None, None], [{"lon": 1}, 2]],
    ids=["non-numeric", "latitude-out-of-range", "longitude-out-of-range", "nulls", "object"],
)
def test_a_bad_point_keeps_the_place_only(point: list[Any]) -> None:
    [report] = twitter(tweets(tweet(coordinates={"type": "Point", "coordinates": point})))

    assert report.location is not None
    assert report.location.address == "Muncar, Jawa Timur"
    assert report.location.lat is None
    assert report.location.lon is None


def test_a_bad_point_without_a_place_gives_no_location() -> None:
    event = tweet(coordinates={"type": "Point", "coordinates": ["east", "south"]})
    del event["place"]

    [report] = twitter(tweets(event))

    assert report.location is None


@pytest.mark.parametrize("name", ["", "ab", "  x  "])
def test_a_place_shorter_than_three_characters_is_ignored(name: str) -> None:
    with_point, without_point = tweet(place={"full_name": name}), tweet(place={"full_name": name})
    del without_point["coordinates"]

    [located, unlocated] = twitter(tweets(with_point, without_point))

    assert located.location is not None
    assert located.location.address is None
    assert (located.location.lat, located.location.lon) == (-8.4378, 114.3381)
    assert unlocated.location is None


def test_a_tweet_without_coordinates_uses_its_place() -> None:
    event = tweet()
    del event["coordinates"]

    [report] = twitter(tweets(event))

    assert report.location is not None
    assert report.location.address == "Muncar, Jawa Timur"
    assert report.location.lat is None


@pytest.mark.parametrize(
    "payload",
    [
        {"for_user_id": ME, "direct_message_events": "nope", "tweet_create_events": {"a": 1}},
        {"for_user_id": ME, "direct_message_events": [1, None, "x"], "tweet_create_events": [[], 2]},
        {"for_user_id": ME, "direct_message_events": [{"type": "message_create", "message_create": "x"}]},
        {"for_user_id": ME, "users": "not a map", "favorite_events": [{}]},
        {},
    ],
)
def test_malformed_x_payloads_give_no_reports_without_raising(payload: dict[str, Any]) -> None:
    assert twitter(payload) == []


def test_without_for_user_id_no_mention_is_ours() -> None:
    payload = copy.deepcopy(TWITTER)
    del payload["for_user_id"]

    reports = twitter(payload)

    assert [r.dedupe_key for r in reports] == ["TWITTER#DM#1795837213999112345"]


def test_without_for_user_id_a_tweet_whose_mentions_lack_ids_is_not_ours() -> None:
    """`None in {None}`: a mention without id_str must not match a missing for_user_id."""
    entities = {"user_mentions": [{"screen_name": "someone"}]}

    assert twitter({"tweet_create_events": [tweet(entities=entities)]}) == []


def test_a_place_name_too_long_for_an_address_does_not_lose_the_delivery() -> None:
    """A signed delivery whose place name is longer than Location.address allows (500) must still give
    its reports: today Location's ValidationError escapes `_tweet_location` (its fallback builds the
    same invalid address again), so the whole delivery, DM included, fails with a 5xx."""
    payload = copy.deepcopy(TWITTER)
    payload["tweet_create_events"][0]["place"] = {"full_name": "Muncar " * 80}

    reports = twitter(payload)

    assert [r.dedupe_key for r in reports] == [
        "TWITTER#DM#1795837213999112345",
        "TWITTER#TWEET#1862345678901234567",
    ]
    location = reports[1].location
    assert location is not None
    assert (location.lat, location.lon) == (-8.4378, 114.3381)


@pytest.mark.parametrize(
    "change",
    ["dm id", "dm sender", "dm screen name", "tweet id", "author id", "author screen name"],
)
def test_an_x_event_with_an_over_long_id_is_kept_unparsed_and_the_other_reported(change: str) -> None:
    payload = copy.deepcopy(TWITTER)
    dm, mention = payload["direct_message_events"][0], payload["tweet_create_events"][0]
    long = "9" * 3000
    if change == "dm id":
        dm["id"] = long
    elif change == "dm sender":
        dm["message_create"]["sender_id"] = long
    elif change == "dm screen name":
        payload["users"][dm["message_create"]["sender_id"]]["screen_name"] = "x" * 65
    elif change == "tweet id":
        mention["id_str"] = long
    elif change == "author id":
        mention["user"]["id_str"] = long
    else:
        mention["user"]["screen_name"] = "x" * 65

    reports = twitter(payload)

    assert len(reports) == 2
    unparsed = [r for r in reports if Flag.UNPARSED in r.flags]
    assert len(unparsed) == 1
    assert unparsed[0].dedupe_key is not None
    assert unparsed[0].dedupe_key.startswith("TWITTER#UNPARSED#")
    assert len(unparsed[0].text or "") <= 4000
    (kept,) = [r for r in reports if not r.flags]
    assert kept.dedupe_key in {"TWITTER#DM#1795837213999112345", "TWITTER#TWEET#1862345678901234567"}


def test_an_over_long_for_user_id_is_no_account_of_ours() -> None:
    payload = copy.deepcopy(TWITTER)
    payload["for_user_id"] = "1" * 3000

    assert [r.dedupe_key for r in twitter(payload)] == ["TWITTER#DM#1795837213999112345"]
