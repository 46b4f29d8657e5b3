"""The conversation with a citizen on the local stack (issue 13, part 5): an Instagram message arrives
through the signed webhook, the operator claims it and writes to the citizen; the local stand-in for Meta's
Graph API receives exactly one message even though the request was sent twice, the reply follows, and
the timeline shows the conversation in and out, with the reply sender's outcome.

Signatures are computed here (test_channels.py's helpers), not with the product's code."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from local.simulator import ApiClient, outbox, web_report
from tests.integration.helpers import wait_for
from tests.integration.test_channels import (
    REPLY_TIMEOUT,
    detail,
    instagram_body,
    instagram_user,
    replies_to,
    signed_instagram,
    signed_twitter,
    tag,
    twitter_body,
    wait_for_reply,
)


def test_the_operator_writes_once_however_often_the_request_is_sent_and_the_timeline_shows_both_ways(
    endpoints: dict[str, Any], operator1: ApiClient, operator2: ApiClient
) -> None:
    sender = instagram_user()
    first = signed_instagram(endpoints, instagram_body(f"Tolong, ada kebakaran ({tag()})", sender))
    assert first.status_code == 200, first.text
    (incident_id,) = first.json()["incidents"]
    wait_for_reply(endpoints, sender)  # the automatic "where?"
    answer = f"Di Jalan Diponegoro, depan pasar Genteng ({tag()})"
    joined = signed_instagram(endpoints, instagram_body(answer, sender))
    assert joined.json()["incidents"] == [incident_id]
    assert operator1.post(f"/incidents/{incident_id}/claim").status_code == 200

    words = f"Petugas 112 di sini. Apakah ada orang di dalam rumah? ({tag()})"
    body = {"messageId": f"msg-{uuid.uuid4()}", "text": words}
    refused = operator2.post(f"/incidents/{incident_id}/messages", body)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "CLAIMED_BY_OTHER"
    written = operator1.post(f"/incidents/{incident_id}/messages", body)
    assert written.status_code == 201, written.text
    again = operator1.post(f"/incidents/{incident_id}/messages", body)  # the answer was lost: sent again
    assert again.status_code == 200, again.text

    def outcome() -> dict[str, Any] | None:
        message = detail(operator1, incident_id)["outbound"][0]
        return message if message["state"] != "QUEUED" else None

    message = wait_for(outcome, REPLY_TIMEOUT, "the reply sender's outcome on the incident")
    assert message["state"] == "SENT", message
    # Both queued copies have been handled once the outcome is recorded and a later reply is out.
    later = instagram_user()
    assert signed_instagram(endpoints, instagram_body(f"Pesan lain ({tag()})", later)).status_code == 200
    wait_for_reply(endpoints, later)
    assert detail(operator1, incident_id)["version"] == written.json()["version"] + 1  # one outcome only
    sent = [m for m in replies_to(endpoints, sender) if m["text"] == words]
    assert len(sent) == 1, outbox(endpoints)
    assert message["platformMessageId"] == sent[0]["messageId"]

    timeline = detail(operator1, incident_id)["timeline"]
    conversation = [e["action"] for e in timeline if e["action"].startswith(("REGISTER", "MESSAGE"))]
    assert conversation == ["REGISTER", "MESSAGE", "MESSAGE_SENT", "MESSAGE_OUTCOME"]
    assert timeline[-1]["details"] == {"messageId": body["messageId"], "state": "SENT"}
    assert detail(operator1, incident_id)["reports"][0]["text"] == answer


def test_an_x_direct_message_is_answered_by_direct_message_and_a_web_report_is_not(
    endpoints: dict[str, Any], operator1: ApiClient
) -> None:
    sender = "14" + "".join(secrets.choice("0123456789") for _ in range(17))
    delivered = signed_twitter(
        endpoints, twitter_body(f"Tolong ({tag()})", sender, f"Banjir ({tag()})", sender)
    )
    assert delivered.status_code == 200, delivered.text
    dm = [i for i in delivered.json()["incidents"] if detail(operator1, i)["source"].get("kind") == "dm"]
    (incident_id,) = dm
    assert operator1.post(f"/incidents/{incident_id}/claim").status_code == 200

    words = f"Petugas 112 di sini. Di mana lokasinya? ({tag()})"
    written = operator1.post(
        f"/incidents/{incident_id}/messages", {"messageId": f"msg-{uuid.uuid4()}", "text": words}
    )
    assert written.status_code == 201, written.text

    (sent,) = wait_for(
        lambda: replies_to(endpoints, sender), REPLY_TIMEOUT, "the direct message at X's stand-in"
    )
    assert (sent["text"], sent["channel"]) == (words, "TWITTER")
    done = wait_for(
        lambda: (m := detail(operator1, incident_id)["outbound"][0])["state"] != "QUEUED" and m,
        REPLY_TIMEOUT,
        "the outcome on the incident",
    )
    assert (done["state"], done["platformMessageId"]) == ("SENT", sent["messageId"])

    number = "+6281" + "".join(secrets.choice("0123456789") for _ in range(9))
    web = web_report(endpoints, f"Pohon tumbang ({tag()})", number, "Genteng")
    assert web.status_code == 202, web.text
    web_id = web.json()["incidentId"]
    assert operator1.post(f"/incidents/{web_id}/claim").status_code == 200
    refused = operator1.post(
        f"/incidents/{web_id}/messages", {"messageId": f"msg-{uuid.uuid4()}", "text": words}
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "NO_CONVERSATION"
    assert "telepon balik" in refused.json()["message"]
