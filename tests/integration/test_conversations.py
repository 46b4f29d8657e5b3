"""The conversation with a citizen on the local stack (issue 13, part 5): an Instagram message arrives
through the signed webhook, the operator claims it and writes to the citizen; the local stand-in for Meta's
Graph API receives exactly one message even though the request was sent twice, the reply follows, and
the timeline shows the conversation in and out, with the reply sender's outcome.

Signatures are computed here (test_channels.py's helpers), not with the product's code."""

from __future__ import annotations

import uuid
from typing import Any

from local.simulator import ApiClient, outbox
from tests.integration.helpers import wait_for
from tests.integration.test_channels import (
    REPLY_TIMEOUT,
    detail,
    instagram_body,
    instagram_user,
    replies_to,
    signed_instagram,
    tag,
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
