"""Conversations with citizens on Instagram and X (docs/api.md#conversations): a follow-up message from the
same sender while their incident is open joins that incident as one more report, instead of becoming a new
incident that asks them "where?" again (Ushahidi's issue #2343 is the same defect).

The sender's latest incident is kept under `SENDER#<channel>#<platform id>`, written in the transaction
that creates the incident (a day's TTL). A follow-up is a MESSAGE change of that incident, written with the
message's own DEDUPE item in one transaction: the platform's redelivery finds the item and changes nothing
(decision 57). A closed incident, a full list of reports or an incident that keeps changing leave the
message to be registered as an incident of its own, as before: nothing is lost.

The other way: an operator who holds the incident (or a supervisor) writes to the citizen (`write`). The
message is an in-place MESSAGE_SENT change (its words in the incident's `outbound`), then one reply on the
replies queue; the panel's message id makes a retried request the same message, and the reply sender sends
each id once and records SENT or FAILED (`record_outcome`, decision 60). A web report or a call has no
conversation: the operator calls the number back.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core import lifecycle
from core.clock import Clock, utc_now
from core.errors import (
    CannotWrite,
    ConcurrentModification,
    IncidentNotFound,
    InvalidRequest,
    MessageRepeated,
    ReplyNotQueued,
)
from core.models import (
    MAX_REPORT_TEXT,
    Action,
    Channel,
    Incident,
    IncidentReport,
    OutboundMessage,
    OutboundState,
    Status,
)
from core.observability import MetricUnit, logger, metrics
from core.ports import IncidentRepository, ReplyQueue
from core.replies import Reply

if TYPE_CHECKING:
    from core.incidents import Report

ATTEMPTS = 3  # an operator's change between our read and our write: read again, this many times
SYSTEM_REPLY = "system:reply"  # who records what the reply sender made of a message


def recipient(incident: Incident) -> str:
    """The platform id to write to: an Instagram sender, or the sender of an X direct message (a public
    mention is no conversation). CannotWrite for any other channel: the panel offers the number to call."""
    if incident.channel is Channel.INSTAGRAM and incident.source.get("instagramSender"):
        return incident.source["instagramSender"]
    if (
        incident.channel is Channel.TWITTER
        and incident.source.get("kind") == "dm"
        and incident.source.get("twitterUser")
    ):
        return incident.source["twitterUser"]
    raise CannotWrite(
        incident.id,
        "NO_CONVERSATION",
        f"laporan dari saluran {incident.channel.value} tidak bisa dibalas dengan pesan; telepon balik "
        "nomor pelapor bila ada",
        f"a report from {incident.channel.value} cannot be answered by message; call the reporter's number "
        "back if there is one",
    )


def message_report(report: Report, incident: Incident, now: datetime) -> IncidentReport:
    """The follow-up as one report of the incident: its channel, words, source and message id."""
    return IncidentReport(
        received_at=now,
        channel=report.channel,
        caller=incident.caller,
        text=report.text[:MAX_REPORT_TEXT] if report.text else None,
        location=report.location,
        source=dict(report.source),
        message_id=(report.source.get("messageId") or report.dedupe_key or "")[:128] or None,
        added_at=now,
        added_by=report.actor,
    )


class Conversations:
    def __init__(
        self, repository: IncidentRepository, clock: Clock = utc_now, replies: ReplyQueue | None = None
    ) -> None:
        self._repo = repository
        self._now = clock
        self._replies = replies

    def follow_up(self, report: Report) -> Incident | None:
        """The open incident the sender's message joined (or had joined already: a redelivery), or None
        when it is to be registered as a new incident (no open incident of theirs, or it cannot take it)."""
        if report.sender is None or report.dedupe_key is None:
            return None
        now = self._now()
        incident_id = self._repo.sender_incident(report.sender, int(now.timestamp()))
        if incident_id is None:
            return None
        try:
            incident = self._open(self._repo.get(incident_id))
            for _ in range(ATTEMPTS):
                if incident is None:
                    return None
                change = lifecycle.add_message(
                    incident, message_report(report, incident, now), report.dedupe_key, now
                )
                if change is None:
                    return None  # its reports are full: a new incident, which the operators will see
                try:
                    joined = self._repo.commit(change)
                except ConcurrentModification:
                    incident = self._open(self._repo.get(incident.id))
                    continue
                metrics.add_metric(name="MessageJoined", unit=MetricUnit.Count, value=1)
                return joined
        except MessageRepeated as repeated:
            return self._repo.get(repeated.incident_id)  # the platform delivered it again
        except IncidentNotFound:
            return None
        logger.warning("follow-up not joined: the incident kept changing", extra={"incident_id": incident_id})
        return None

    def _open(self, incident: Incident) -> Incident | None:
        """The incident a follow-up joins: this one, or the one it was attached to; None once closed."""
        if incident.status is Status.ATTACHED and incident.parent_id:
            incident = self._repo.get(incident.parent_id)
        return incident if Action.MESSAGE in lifecycle.STATE_MACHINE[incident.status] else None

    # -- the way out: operators write to the citizen -------------------------------------------------

    def write(
        self, incident_id: str, operator: str, supervisor: bool, message_id: str, text: str
    ) -> tuple[Incident, bool]:
        """Record the operator's message on the incident and queue it once: (incident, True), or the
        incident and False when this message id is recorded already (a retry: queued again while it is
        not sent, and the reply sender sends each id once). A change made meanwhile (the citizen's next
        message, a note) is no conflict: the rule is checked again on what is read."""
        for attempt in range(ATTEMPTS):
            incident = self._repo.get(incident_id)
            known = _message(incident, message_id)
            if known is not None:
                if known.text != text or known.sent_by != operator:
                    raise InvalidRequest("messageId", "this id is another message already; use a new id")
                if known.state is OutboundState.QUEUED:
                    self._queue(incident, known)
                return incident, False
            message = OutboundMessage(
                message_id=message_id,
                channel=incident.channel,
                text=text,
                sent_by=operator,
                sent_at=self._now(),
            )
            recipient(incident)  # before the lifecycle's rule: a web report says "call back", not "claim"
            change = lifecycle.write_to_citizen(incident, message, supervisor, message.sent_at)
            try:
                written = self._repo.commit(change)
            except ConcurrentModification:
                if attempt == ATTEMPTS - 1:
                    raise
                continue
            metrics.add_metric(name="MessageWritten", unit=MetricUnit.Count, value=1)
            self._queue(written, message)
            return written, True
        raise AssertionError("unreachable")  # pragma: no cover

    def _queue(self, incident: Incident, message: OutboundMessage) -> None:
        if self._replies is None:
            raise ReplyNotQueued(incident.id)
        reply = Reply(
            channel=message.channel,
            recipient=recipient(incident),
            text=message.text,
            incident_id=incident.id,
            message_id=message.message_id,
        )
        try:
            self._replies.enqueue(reply)
        except Exception as error:
            # Recorded and QUEUED on the incident; the same request again queues it (the panel retries).
            logger.exception("message not queued", extra={"incident_id": incident.id})
            metrics.add_metric(name="MessageEnqueueFailed", unit=MetricUnit.Count, value=1)
            raise ReplyNotQueued(incident.id) from error

    def record_outcome(
        self,
        incident_id: str,
        message_id: str,
        state: OutboundState,
        platform_message_id: str | None = None,
        problem: str | None = None,
    ) -> Incident | None:
        """The reply sender's outcome on the incident's timeline, once (a redelivery records nothing more).
        None when there is nothing to record."""
        for attempt in range(ATTEMPTS):
            incident = self._repo.get(incident_id)
            change = lifecycle.message_outcome(
                incident, message_id, state, SYSTEM_REPLY, self._now(), platform_message_id, problem
            )
            if change is None:
                return None
            try:
                return self._repo.commit(change)
            except ConcurrentModification:
                if attempt == ATTEMPTS - 1:
                    raise  # the queue delivers it again; the message is not sent twice (its id is kept)
        return None  # pragma: no cover


def _message(incident: Incident, message_id: str) -> OutboundMessage | None:
    return next((m for m in incident.outbound if m.message_id == message_id), None)
