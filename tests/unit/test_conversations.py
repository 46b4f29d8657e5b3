"""Conversations: a follow-up from the same Instagram or X sender while their incident is open joins it as a
report (no new incident, no second "where?"), once per platform message id (core/conversations.py)."""

from __future__ import annotations

import pytest

from core import lifecycle
from core.deliveries import Deadline, DeliveryRegistrar, Pending
from core.errors import ConcurrentModification
from core.incidents import IncidentService, Report
from core.models import Action, Channel, Flag, Rejection, RejectionReason, Status
from core.regency import REGENCIES
from core.replies import Reply
from intake.webhook_payloads import InstagramWebhook, TwitterWebhook, instagram_reports, twitter_reports
from tests.fakes import InMemoryIncidentRepository
from tests.support import Clock

NEVER = Deadline(3600)
IGSID = "6104825538412345"


class Replies:
    def __init__(self) -> None:
        self.sent: list[Reply] = []

    def enqueue(self, reply: Reply) -> str:
        self.sent.append(reply)
        return f"reply-{len(self.sent)}"


@pytest.fixture
def replies() -> Replies:
    return Replies()


@pytest.fixture
def registrar(service: IncidentService, replies: Replies) -> DeliveryRegistrar:
    return DeliveryRegistrar(service, replies)


def instagram(mid: str, text: str, sender: str = IGSID) -> Pending:
    payload = InstagramWebhook.model_validate(
        {
            "object": "instagram",
            "entry": [{"id": "17841400000000112", "messaging": [
                {"sender": {"id": sender}, "recipient": {"id": "17841400000000112"},
                 "message": {"mid": mid, "text": text}}]}],
        }
    )  # fmt: skip
    ((report, reply_to),) = instagram_reports(payload)
    return Pending(report, reply_to)


def register(registrar: DeliveryRegistrar, *items: Pending) -> list[str]:
    return registrar.register(list(items), NEVER).incidents


def test_the_payload_names_the_sender_of_instagram_messages_and_x_direct_messages() -> None:
    assert instagram("mid.1", "Tolong").report.sender == f"INSTAGRAM#{IGSID}"
    payload = TwitterWebhook.model_validate(
        {
            "for_user_id": "1500000000000000112",
            "direct_message_events": [{"type": "message_create", "id": "1800000000000000001",
                "message_create": {"sender_id": "1400000000000000777", "message_data": {"text": "Tolong"}}}],
        }
    )  # fmt: skip
    (dm,) = twitter_reports(payload)
    assert dm.sender == "TWITTER#1400000000000000777"


def test_a_follow_up_joins_the_open_incident_without_a_second_question(
    registrar: DeliveryRegistrar, repo: InMemoryIncidentRepository, replies: Replies, clock: Clock
) -> None:
    (first,) = register(registrar, instagram("mid.1", "Tolong, ada kebakaran!"))
    clock.advance(seconds=40)
    (second,) = register(registrar, instagram("mid.2", "Di Jalan Diponegoro, depan pasar Genteng"))

    assert second == first
    assert len(repo.incidents) == 1
    assert [reply.incident_id for reply in replies.sent] == [first]  # asked where once
    incident = repo.incidents[first]
    (joined,) = incident.reports
    assert joined.text == "Di Jalan Diponegoro, depan pasar Genteng"
    assert joined.channel is Channel.INSTAGRAM
    assert joined.message_id == "mid.2"
    assert joined.received_at == clock()
    assert joined.incident_id is None
    entry = repo.timelines[first][-1]
    assert (entry.action, entry.actor) == (Action.MESSAGE, "system:instagram")
    assert entry.details == {"channel": "INSTAGRAM", "messageId": "mid.2"}
    assert entry.from_status is entry.to_status is Status.RECEIVED


def test_a_redelivered_follow_up_is_joined_once(
    registrar: DeliveryRegistrar, repo: InMemoryIncidentRepository, replies: Replies
) -> None:
    (first,) = register(registrar, instagram("mid.1", "Tolong"))
    register(registrar, instagram("mid.2", "Di pasar"))
    again = register(registrar, instagram("mid.1", "Tolong"), instagram("mid.2", "Di pasar"))

    assert again == [first, first]
    assert len(repo.incidents[first].reports) == 1
    assert [e.action for e in repo.timelines[first]] == [Action.REGISTER, Action.MESSAGE]
    assert len(replies.sent) == 1


def test_another_sender_or_a_closed_incident_is_a_new_incident(
    registrar: DeliveryRegistrar, service: IncidentService, repo: InMemoryIncidentRepository, replies: Replies
) -> None:
    (first,) = register(registrar, instagram("mid.1", "Tolong"))
    (other,) = register(registrar, instagram("mid.2", "Ada kecelakaan", sender="6104000000000999"))
    assert other != first
    service.claim(first, "operator1")
    service.reject(first, "operator1", Rejection(reason=RejectionReason.NON_EMERGENCY))

    (later,) = register(registrar, instagram("mid.3", "Halo, saya lagi"))

    assert later not in {first, other}
    assert repo.incidents[later].flags == [Flag.CALLER_UNKNOWN, Flag.LOCATION_ASKED]
    assert len(replies.sent) == 3  # the new incident asks where: it is another report
    # the sender's latest incident is now the new one: their next message joins it
    (next_one,) = register(registrar, instagram("mid.4", "Di terminal"))
    assert next_one == later


def test_a_follow_up_to_an_attached_incident_joins_its_parent(
    registrar: DeliveryRegistrar, service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    parent, _ = service.register(Report(channel=Channel.WEB, actor="system:web", text="Kebakaran pasar"))
    (child,) = register(registrar, instagram("mid.1", "Pasar terbakar"))
    service.related.attach(child, parent.id, "operator1")

    (joined,) = register(registrar, instagram("mid.2", "Apinya makin besar"))

    assert joined == parent.id
    assert [r.text for r in repo.incidents[parent.id].reports] == ["Pasar terbakar", "Apinya makin besar"]


def test_a_full_incident_leaves_the_follow_up_an_incident_of_its_own(
    registrar: DeliveryRegistrar, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    (first,) = register(registrar, instagram("mid.1", "Tolong"))
    incident = repo.incidents[first]
    full = [lifecycle.report_of(incident, "operator1", clock())] * lifecycle.MAX_REPORTS
    repo.incidents[first] = incident.model_copy(update={"reports": full})

    (second,) = register(registrar, instagram("mid.2", "Di pasar"))

    assert second != first
    assert repo.incidents[second].report == "Di pasar"


def test_an_operators_change_meanwhile_is_read_again(
    registrar: DeliveryRegistrar, service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    (first,) = register(registrar, instagram("mid.1", "Tolong"))
    real_commit = repo.commit
    raced = {"done": False}

    def claimed_meanwhile(change: lifecycle.Change) -> object:
        if not raced["done"]:
            raced["done"] = True
            service.claim(first, "operator1")
            raise ConcurrentModification(first)
        return real_commit(change)

    repo.commit = claimed_meanwhile  # type: ignore[method-assign,assignment]
    (joined,) = register(registrar, instagram("mid.2", "Di pasar"))

    assert joined == first
    assert repo.incidents[first].status is Status.IN_REVIEW
    assert len(repo.incidents[first].reports) == 1


def test_a_report_without_a_sender_never_looks_for_a_conversation(clock: Clock) -> None:
    """A public post or a web report: each is its own incident, as before."""
    repo = InMemoryIncidentRepository()
    registrar = DeliveryRegistrar(IncidentService(repo, REGENCIES["banyuwangi"], clock=clock), Replies())
    source = {"twitterUser": "1400000000000000777"}
    items = [
        Pending(
            Report(
                Channel.TWITTER,
                "system:twitter",
                dedupe_key=f"TWITTER#TWEET#{n}",
                text="Banjir",
                source=source,
            )
        )
        for n in range(2)
    ]
    assert len(set(register(registrar, *items))) == 2
    assert repo.calls["sender_incident"] == 0
