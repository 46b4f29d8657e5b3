"""The callback desk through verify-api (verify/routes/callbacks.py over core/callbacks.py and the lifecycle):
GET /callbacks, POST /incidents/{id}/callbacks, /unreachable and /silent, with the in-memory fakes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest

from core import lifecycle
from core.contacts import contact_dedupe_key
from core.errors import ConcurrentModification
from core.incidents import IncidentService, Report
from core.models import Action, CallbackOutcome, CallbackReason, Channel, Flag, Status
from core.regency import REGENCIES
from tests.fakes import InMemoryIncidentRepository
from tests.support import Clock, FakeLambdaContext, apigw_event, response_json
from verify.api import lambda_handler

BANYUWANGI = REGENCIES["banyuwangi"]
CALLER = "+6281234567890"


@dataclass
class Desk:
    service: IncidentService
    repo: InMemoryIncidentRepository
    clock: Clock
    contacts: int = 0

    def call(self, caller: str | None = CALLER, abandoned: bool = True, flags: tuple[Flag, ...] = ()) -> str:
        """A 112 call's incident; abandoned in the queue unless told otherwise. The clock moves on 1 s."""
        self.contacts += 1
        contact = f"5ca32fbd-8f92-46af-92a5-{self.contacts:012d}"
        report = Report(
            channel=Channel.VOICE,
            actor="system:intake",
            caller=caller,
            dedupe_key=contact_dedupe_key(contact),
            contact_id=contact,
            flags=flags,
        )
        incident, _ = self.service.register(report)
        if abandoned:
            self.repo.commit(lifecycle.abandon(incident, "system:connect", 35, self.clock()))
        self.clock.advance(seconds=1)
        return incident.id

    def api(self, event: dict[str, Any]) -> tuple[int, Any]:
        response = lambda_handler(event, FakeLambdaContext(), service=self.service)
        return response["statusCode"], response_json(response) if response.get("body") else None

    def attempt(
        self, incident_id: str, outcome: str, user: str = "operator2", **extra: Any
    ) -> tuple[int, Any]:
        body = {"outcome": outcome, **extra}
        return self.api(apigw_event("record-callback", incident_id=incident_id, body=body, username=user))

    def listed(self, **query: str) -> tuple[int, Any]:
        return self.api(apigw_event("list-callbacks", query={"limit": "25", **query}))


@pytest.fixture
def desk(repo: InMemoryIncidentRepository, clock: Clock) -> Desk:
    return Desk(IncidentService(repo, BANYUWANGI, clock=clock), repo, clock)


def ids(page: dict[str, Any]) -> list[str]:
    return [entry["incident"]["id"] for entry in page["items"]]


# -- the desk ----------------------------------------------------------------------------------------------


def test_the_desk_lists_abandoned_calls_oldest_first_with_what_the_operator_needs(desk: Desk) -> None:
    first = desk.call()
    desk.call(abandoned=False)  # answered: not on the desk
    second = desk.call(caller="+6281398765432")
    status, page = desk.listed()
    assert status == 200
    assert ids(page) == [first, second]
    entry = page["items"][0]
    assert entry["incident"]["caller"] == CALLER
    assert entry["incident"]["callback"]["reason"] == "ABANDONED"
    assert entry["incident"]["callback"]["queueWaitSeconds"] == 35
    assert entry["incident"]["callback"]["attempts"] == []
    assert entry["failedAttempts"] == 0
    assert entry["attemptsAllowed"] == BANYUWANGI.callback_attempts == 3
    assert entry["mayCloseUnreachable"] is False


def test_each_entry_names_the_callers_other_recent_incidents(desk: Desk) -> None:
    earlier = [desk.call(abandoned=False) for _ in range(7)]
    on_desk = desk.call()
    _, page = desk.listed()
    [entry] = page["items"]
    recent = [item["id"] for item in entry["recentIncidents"]]
    assert recent == list(reversed(earlier))[:5]  # newest first, bounded, without the call itself
    assert on_desk not in recent


def test_a_withheld_number_is_on_the_desk_and_may_be_closed_at_once(desk: Desk) -> None:
    """Nobody can be called back without a number: the desk may close it without attempts."""
    incident_id = desk.call(caller=None)
    _, page = desk.listed()
    [entry] = page["items"]
    assert entry["incident"]["caller"] is None
    assert entry["recentIncidents"] == []
    assert entry["mayCloseUnreachable"] is True
    status, closed = desk.api(apigw_event("close-unreachable", incident_id=incident_id))
    assert (status, closed["status"]) == (200, "REJECTED")


def test_the_desk_pages_with_a_cursor(desk: Desk) -> None:
    calls = [desk.call() for _ in range(5)]
    _, first = desk.listed(limit="2")
    _, second = desk.listed(limit="2", cursor=first["nextCursor"])
    _, third = desk.listed(limit="2", cursor=second["nextCursor"])
    assert ids(first) + ids(second) + ids(third) == calls
    assert third["nextCursor"] is None


def test_a_cursor_of_another_list_is_refused(desk: Desk) -> None:
    for _ in range(3):
        desk.call(abandoned=False)
    status_page = desk.api(apigw_event("list-incidents", query={"status": "RECEIVED", "limit": "1"}))[1]
    status, body = desk.listed(cursor=status_page["nextCursor"])
    assert status == 422
    assert body["detail"][0]["loc"] == ["query", "cursor"]


def test_the_invalid_list_request_is_a_422(desk: Desk) -> None:
    status, body = desk.api(apigw_event("list-callbacks-invalid"))
    assert status == 422
    assert ["query", "limit"] in [d["loc"] for d in body["detail"]]


# -- attempts ---------------------------------------------------------------------------------------------


def test_no_answer_three_times_then_closed_as_unreachable(desk: Desk) -> None:
    incident_id = desk.call()
    for n in range(1, 4):
        status, incident = desk.attempt(incident_id, "NO_ANSWER", clientAttemptId=f"a{n}")
        assert status == 200, incident
        assert incident["status"] == "RECEIVED"
        assert len(incident["callback"]["attempts"]) == n
        desk.clock.advance(minutes=5)
        _, page = desk.listed()
        assert page["items"][0]["mayCloseUnreachable"] is (n == 3)
    status, closed = desk.api(apigw_event("close-unreachable", incident_id=incident_id, username="operator2"))
    assert status == 200, closed
    assert closed["status"] == "REJECTED"
    assert closed["rejection"] == {
        "reason": "UNREACHABLE",
        "duplicateOf": None,
        "note": "Tiga kali tidak diangkat, nomor tidak aktif",
    }
    assert closed["assignedTo"] == "operator2"
    assert ids(desk.listed()[1]) == []
    timeline = desk.service.detail(incident_id).timeline
    assert [e.action for e in timeline] == [
        Action.REGISTER,
        Action.ABANDON,
        *[Action.CALLBACK] * 3,
        Action.CLOSE_UNREACHABLE,
    ]
    assert timeline[2].details == {"outcome": "NO_ANSWER", "attempt": "1", "failed": "1"}
    assert (timeline[-1].reason, timeline[-1].to_status) == ("UNREACHABLE", Status.REJECTED)


def test_closing_too_early_is_a_conflict_that_says_how_many_failed(desk: Desk) -> None:
    incident_id = desk.call()
    desk.attempt(incident_id, "BUSY")
    status, body = desk.api(apigw_event("close-unreachable", incident_id=incident_id))
    assert status == 409
    assert body["code"] == "ILLEGAL_TRANSITION"
    assert "1 failed callback(s) of the 3 needed" in body["message"]


def test_a_wrong_number_may_be_closed_at_once(desk: Desk) -> None:
    incident_id = desk.call()
    desk.attempt(incident_id, "WRONG_NUMBER", note="Yang mengangkat tidak pernah menelepon 112")
    _, page = desk.listed()
    assert page["items"][0]["mayCloseUnreachable"] is True
    status, closed = desk.api(apigw_event("close-unreachable", incident_id=incident_id, body=None))
    assert (status, closed["status"]) == (200, "REJECTED")


def test_reached_takes_the_call_into_review_with_that_operator_and_off_the_desk(desk: Desk) -> None:
    incident_id = desk.call()
    desk.attempt(incident_id, "NO_ANSWER", user="operator2")
    status, incident = desk.attempt(incident_id, "REACHED", user="operator3")
    assert status == 200, incident
    assert (incident["status"], incident["assignedTo"]) == ("IN_REVIEW", "operator3")
    assert incident["claimedAt"] is not None
    assert incident["callback"]["doneAt"] is not None
    assert ids(desk.listed()[1]) == []
    [reached] = [e for e in desk.service.detail(incident_id).timeline if e.action is Action.CALLBACK_REACHED]
    assert (reached.from_status, reached.to_status, reached.actor) == (
        Status.RECEIVED,
        Status.IN_REVIEW,
        "operator3",
    )
    # and the review goes on as any other: operator3 verifies or rejects it
    status, _ = desk.api(apigw_event("reject-incident", incident_id=incident_id, username="operator3"))
    assert status == 200


def test_a_call_held_in_review_is_the_desks_and_the_one_who_reaches_the_caller_holds_it(desk: Desk) -> None:
    incident_id = desk.call()
    desk.service.claim(incident_id, "operator1")
    status, incident = desk.attempt(incident_id, "REACHED", user="operator4")
    assert (status, incident["assignedTo"]) == (200, "operator4")
    [reached] = [e for e in desk.service.detail(incident_id).timeline if e.action is Action.CALLBACK_REACHED]
    assert reached.details["from"] == "operator1"


def test_an_attempt_sent_again_with_its_id_is_recorded_once(desk: Desk) -> None:
    incident_id = desk.call()
    first = desk.attempt(incident_id, "NO_ANSWER", clientAttemptId="retry-1")
    again = desk.attempt(incident_id, "NO_ANSWER", clientAttemptId="retry-1")
    assert first == again
    assert len(again[1]["callback"]["attempts"]) == 1
    status, body = desk.attempt(incident_id, "BUSY", clientAttemptId="retry-1")
    assert status == 422
    assert body["detail"][0]["loc"] == ["body", "clientAttemptId"]


def test_two_operators_recording_at_once_cannot_both_win(desk: Desk) -> None:
    incident_id = desk.call()
    read = desk.repo.get(incident_id)
    desk.attempt(incident_id, "NO_ANSWER", user="operator2")
    with pytest.raises(ConcurrentModification):  # the other's change was made on what it had read
        desk.repo.commit(lifecycle.record_callback(read, "operator3", CallbackOutcome.REACHED, desk.clock()))


def test_a_race_answers_409(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    incident_id = desk.call()
    original = desk.repo.get

    def stale(incident_id: str) -> Any:  # what the request read, before another operator's attempt landed
        incident = original(incident_id)
        desk.repo.incidents[incident_id] = incident.model_copy(update={"version": incident.version + 1})
        return incident

    monkeypatch.setattr(desk.repo, "get", stale)
    status, body = desk.attempt(incident_id, "NO_ANSWER")
    assert (status, body["code"]) == (409, "CONFLICT")


@pytest.mark.parametrize("outcome", ["NO_ANSWER", "REACHED"])
def test_an_incident_not_on_the_desk_takes_no_attempt(desk: Desk, outcome: str) -> None:
    incident_id = desk.call(abandoned=False)
    status, body = desk.attempt(incident_id, outcome)
    assert status == 409
    assert "not awaiting a callback" in body["message"]


def test_the_invalid_attempt_is_a_422_naming_its_fields(desk: Desk) -> None:
    incident_id = desk.call()
    status, body = desk.api(apigw_event("record-callback-invalid", incident_id=incident_id))
    assert status == 422
    assert {tuple(d["loc"]) for d in body["detail"]} == {("body", "outcome"), ("body", "clientAttemptId")}


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "NO_ANSWER", "note": "x" * 501},
        {"outcome": "NO_ANSWER", "extra": 1},
        {"outcome": ["BUSY"]},
        {},
    ],
)
def test_hostile_attempts_are_422(desk: Desk, body: dict[str, Any]) -> None:
    incident_id = desk.call()
    status, _ = desk.api(apigw_event("record-callback", incident_id=incident_id, body=body))
    assert status == 422


def test_unreachable_is_not_a_reason_an_operator_rejects_with(desk: Desk) -> None:
    incident_id = desk.call(abandoned=False)
    desk.service.claim(incident_id, "operator1")
    body = {"reason": "UNREACHABLE", "note": "tidak bisa dihubungi"}
    status, answer = desk.api(apigw_event("reject-incident", incident_id=incident_id, body=body))
    assert status == 422
    assert answer["detail"][0]["loc"] == ["body", "reason"]


def test_attempts_on_one_call_are_bounded(desk: Desk) -> None:
    incident_id = desk.call()
    for _ in range(lifecycle.MAX_CALLBACK_ATTEMPTS):
        assert desk.attempt(incident_id, "BUSY")[0] == 200
    status, body = desk.attempt(incident_id, "BUSY")
    assert status == 422
    assert "close it as unreachable" in body["detail"][0]["msg"]


# -- silent calls ------------------------------------------------------------------------------------------


def test_an_operator_marks_a_call_silent_and_it_goes_to_the_desk(desk: Desk) -> None:
    incident_id = desk.call(abandoned=False)
    desk.service.claim(incident_id, "operator1")
    status, incident = desk.api(apigw_event("mark-silent", incident_id=incident_id))
    assert status == 200, incident
    assert "SILENT" in incident["flags"]
    assert incident["callback"]["reason"] == CallbackReason.SILENT
    assert ids(desk.listed()[1]) == [incident_id]
    [entry] = [e for e in desk.service.detail(incident_id).timeline if e.action is Action.MARK_SILENT]
    assert entry.details == {"callback": "true", "note": "Saluran terbuka, hanya suara angin"}
    # sent again: the same answer, nothing recorded twice
    assert desk.api(apigw_event("mark-silent", incident_id=incident_id))[1]["version"] == incident["version"]


def test_a_silent_call_whose_caller_pressed_cannot_speak_stays_off_the_desk(desk: Desk) -> None:
    incident_id = desk.call(abandoned=False, flags=(Flag.CANNOT_SPEAK,))
    status, incident = desk.api(apigw_event("mark-silent", incident_id=incident_id, body=None))
    assert status == 200
    assert set(incident["flags"]) >= {"SILENT", "CANNOT_SPEAK"}
    assert incident["callback"] is None
    assert ids(desk.listed()[1]) == []


def test_another_operators_incident_is_not_marked_silent(desk: Desk) -> None:
    incident_id = desk.call(abandoned=False)
    desk.service.claim(incident_id, "operator1")
    status, body = desk.api(apigw_event("mark-silent", incident_id=incident_id, username="operator2"))
    assert (status, body["code"], body["assignedTo"]) == (409, "CLAIMED_BY_OTHER", "operator1")


def test_the_invalid_silent_request_is_a_400(desk: Desk) -> None:
    incident_id = desk.call(abandoned=False)
    status, _ = desk.api(apigw_event("mark-silent-invalid", incident_id=incident_id))
    assert status == 400


def test_a_verified_or_rejected_call_leaves_the_desk(desk: Desk) -> None:
    incident_id = desk.call()
    desk.service.claim(incident_id, "operator1")
    assert ids(desk.listed()[1]) == [incident_id]  # claimed: still to be called back
    desk.api(apigw_event("reject-incident", incident_id=incident_id))
    assert ids(desk.listed()[1]) == []


@pytest.mark.parametrize("route", ["record-callback", "close-unreachable", "mark-silent", "list-callbacks"])
def test_the_desk_is_for_operators_only(desk: Desk, route: str) -> None:
    incident_id = desk.call() if route != "list-callbacks" else None
    status, _ = desk.api(apigw_event(route, incident_id=incident_id, groups="admin"))
    assert status == 403
    status, _ = desk.api(apigw_event(route, incident_id=incident_id, username=None))
    assert status == 401


def test_an_unknown_incident_is_404(desk: Desk) -> None:
    status, _ = desk.attempt("01KB0Z3Q7M2X8N4P6R9T1V5W3Y", "NO_ANSWER")
    assert status == 404


def test_the_regency_decides_how_many_attempts_fail_before_closing() -> None:
    assert BANYUWANGI.callback_attempts == 3
    with pytest.raises(ValueError, match="callback_attempts"):
        replace(BANYUWANGI, callback_attempts=0)
    two = replace(BANYUWANGI, callback_attempts=2)
    repo, clock = InMemoryIncidentRepository(), Clock(datetime(2026, 11, 29, 3, 40, tzinfo=UTC))
    local = Desk(IncidentService(repo, two, clock=clock), repo, clock)
    incident_id = local.call()
    local.attempt(incident_id, "NO_ANSWER")
    local.attempt(incident_id, "SILENT")
    assert local.listed()[1]["items"][0]["mayCloseUnreachable"] is True
