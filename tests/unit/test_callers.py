"""A caller's standing through the use cases: computed at intake from the number's history in the same
call and answered to Connect, never failing or delaying the call; reset by a verified A1; lifted or
imposed by supervisors, audited on the number and on its open incident; listed for supervisors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from core import lifecycle
from core.callers import CallerService
from core.errors import InvalidRequest
from core.incidents import IncidentService, Report, VerifyCommand
from core.models import (
    Action,
    AmlFix,
    AmlTransport,
    CallbackOutcome,
    Category,
    Channel,
    Flag,
    Incident,
    Location,
    Priority,
    Rejection,
    RejectionReason,
    Status,
)
from core.regency import REGENCIES
from core.standing import CallerLookup, CallerPolicy, PastCall, Standing, StandingChange
from intake.connect import CANNOT_SPEAK, lambda_handler
from tests.fakes import InMemoryIncidentRepository, RecordingDispatchQueue
from tests.support import Clock, FakeLambdaContext, connect_event

CALLER = "+6281234567890"
SUPERVISOR = "supervisor"


def call(service: IncidentService, caller: str = CALLER, contact: str | None = None) -> Incident:
    n = contact or f"c-{len(service.callers._repo.incidents)}"  # type: ignore[attr-defined]
    report = Report(channel=Channel.VOICE, actor="system:intake", caller=caller, dedupe_key=f"CONTACT#{n}")
    return service.register(report)[0]


def reject(
    service: IncidentService,
    incident: Incident,
    reason: RejectionReason = RejectionReason.PRANK,
    duplicate_of: str | None = None,
) -> None:
    service.claim(incident.id, "operator1")
    service.reject(incident.id, "operator1", Rejection(reason=reason, duplicate_of=duplicate_of))


def verify(service: IncidentService, incident: Incident) -> None:
    service.claim(incident.id, "operator1")
    command = VerifyCommand(Category.FIRE, Priority.P1, Location(district="Genteng"), "Rumah terbakar")
    service.verify(incident.id, "operator1", command)


def pranks(
    service: IncidentService, clock: Clock, count: int, every: timedelta = timedelta(minutes=20)
) -> None:
    for _ in range(count):
        reject(service, call(service))
        clock.advance(seconds=every.total_seconds())


# -- at intake ---------------------------------------------------------------------------------------------


def test_three_pranks_make_the_fourth_call_warned(service: IncidentService, clock: Clock) -> None:
    pranks(service, clock, 3)
    fourth = call(service)
    assert Flag.WARNED in fourth.flags
    assert fourth.recent_pranks == 3


def test_the_connect_answer_carries_the_standing(
    service: IncidentService, clock: Clock, lambda_context: FakeLambdaContext
) -> None:
    pranks(service, clock, 3)
    answer = lambda_handler(
        connect_event(contact_id="fourth", caller=CALLER), lambda_context, service=service
    )
    assert (answer["callerStanding"], answer["recentPranks"]) == ("WARNED", "3")
    retry = lambda_handler(connect_event(contact_id="fourth", caller=CALLER), lambda_context, service=service)
    assert (retry["repeatInvocation"], retry["callerStanding"], retry["recentPranks"]) == (
        "true",
        "WARNED",
        "3",
    )


def cannot_speak(contact_id: str) -> dict[str, Any]:
    """The flow's second invocation: the caller pressed the "cannot speak" key."""
    event = connect_event(contact_id=contact_id, caller=CALLER)
    event["Details"]["Parameters"] = {"caller": CALLER, "event": CANNOT_SPEAK}
    return event


def test_the_cannot_speak_answer_keeps_the_standing_the_call_came_in_with(
    service: IncidentService,
    repo: InMemoryIncidentRepository,
    clock: Clock,
    lambda_context: FakeLambdaContext,
) -> None:
    pranks(service, clock, 3)
    first = lambda_handler(connect_event(contact_id="fourth", caller=CALLER), lambda_context, service=service)

    answer = lambda_handler(cannot_speak("fourth"), lambda_context, service=service)

    assert answer["incidentId"] == first["incidentId"]
    assert (answer["cannotSpeak"], answer["callerStanding"], answer["recentPranks"]) == (
        "true",
        "WARNED",
        "3",
    )
    assert repo.incidents[answer["incidentId"]].flags == [Flag.WARNED, Flag.CANNOT_SPEAK]


def test_a_cannot_speak_key_after_a_failed_first_invocation_registers_the_call_with_its_standing(
    service: IncidentService,
    repo: InMemoryIncidentRepository,
    clock: Clock,
    lambda_context: FakeLambdaContext,
) -> None:
    pranks(service, clock, 5, every=timedelta(hours=20))

    answer = lambda_handler(cannot_speak("fresh"), lambda_context, service=service)

    assert (answer["cannotSpeak"], answer["callerStanding"], answer["recentPranks"]) == (
        "true",
        "DEMOTED",
        "5",
    )
    incident = repo.incidents[answer["incidentId"]]
    assert incident.flags == [Flag.DEMOTED, Flag.CANNOT_SPEAK]
    assert incident.recent_pranks == 5


def test_five_pranks_in_a_week_demote_the_sixth_call(service: IncidentService, clock: Clock) -> None:
    pranks(service, clock, 5, every=timedelta(hours=20))  # over 4 days; the sixth call 20 h after the fifth
    sixth = call(service)
    assert Flag.DEMOTED in sixth.flags
    assert Flag.WARNED not in sixth.flags
    assert sixth.recent_pranks == 5


def test_other_numbers_and_other_outcomes_do_not_count(service: IncidentService, clock: Clock) -> None:
    pranks(service, clock, 3)
    assert call(service, caller="+6281299998888").flags == []
    first = call(service, caller="+6281277776666")
    reject(service, first)
    reject(service, call(service, caller="+6281277776666"), RejectionReason.NON_EMERGENCY)
    reject(service, call(service, caller="+6281277776666"), RejectionReason.DUPLICATE, first.id)
    assert call(service, caller="+6281277776666").flags == []


def test_silent_lines_count_lighter(service: IncidentService, clock: Clock) -> None:
    for _ in range(2):
        reject(service, call(service))
    reject(service, call(service), RejectionReason.SILENT)
    assert Flag.WARNED not in call(service).flags  # 2.5
    reject(service, call(service), RejectionReason.SILENT)
    assert Flag.WARNED in call(service).flags  # 3: two pranks and two silent lines (an open call is none)


def close_unreachable(service: IncidentService, incident: Incident) -> None:
    """Marked silent, called back in vain the regency's number of times, closed from the callback desk."""
    service.desk.mark_silent(incident.id, "operator1")
    for _ in range(service.desk.attempts_allowed):
        service.desk.record_attempt(incident.id, "operator1", CallbackOutcome.NO_ANSWER)
    service.desk.close_unreachable(incident.id, "operator1")


def test_a_call_closed_unreachable_from_the_callback_desk_is_no_strike(
    service: IncidentService, clock: Clock
) -> None:
    """Nobody decided it was a prank: the desk could not reach the caller (it may have been a caller in
    danger, or a pocket dial). Only an operator's PRANK or SILENT rejection counts."""
    for _ in range(4):
        close_unreachable(service, call(service))
        clock.advance(minutes=5)
    later = call(service)
    assert later.flags == []
    assert later.recent_pranks == 0
    assert [h.outcome for h in service.callers.history(CALLER).history][1:] == ["UNREACHABLE"] * 4


def test_an_abandoned_call_says_so_in_the_history(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = call(service)
    repo.commit(lifecycle.abandon(incident, "system:connect", 40, clock()))
    assert [h.outcome for h in service.callers.history(CALLER).history] == ["ABANDONED"]
    assert call(service).flags == []


def test_strikes_expire(service: IncidentService, clock: Clock) -> None:
    pranks(service, clock, 3)
    clock.advance(hours=24)
    assert call(service).flags == []


def test_a_verified_later_call_resets_the_standing(service: IncidentService, clock: Clock) -> None:
    pranks(service, clock, 3)
    fourth = call(service)
    assert Flag.WARNED in fourth.flags
    verify(service, fourth)
    fifth = call(service)
    assert fifth.flags == []
    assert fifth.recent_pranks == 3


def test_a_web_report_from_the_number_gets_no_standing(service: IncidentService, clock: Clock) -> None:
    pranks(service, clock, 3)
    report = Report(channel=Channel.WEB, actor="system:web", caller=CALLER, text="Ada kebakaran di pasar")
    web = service.register(report)[0]
    assert web.flags == []
    assert web.recent_pranks is None


class LookupDown(InMemoryIncidentRepository):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def caller_snapshot(self, *args: Any, **kwargs: Any) -> CallerLookup:
        self.calls["caller_snapshot"] += 1
        raise self.error


@pytest.mark.parametrize(
    "error",
    [ConnectionError("DynamoDB unreachable"), TimeoutError("read timed out after 300 ms"), ValueError("?")],
)
def test_a_failed_or_slow_lookup_is_normal_and_the_call_goes_on(error: Exception, clock: Clock) -> None:
    repo = LookupDown(error)
    service = IncidentService(repo, REGENCIES["banyuwangi"], clock=clock)
    fix = AmlFix(lat=-8.36, lon=114.15, received_at=clock(), transport=AmlTransport.SMS, number=CALLER)
    repo.keep_position(CALLER, fix, int(clock().timestamp()) + 600)

    incident = call(service)

    assert repo.incidents[incident.id].status is Status.RECEIVED
    assert incident.flags == []
    assert incident.recent_pranks is None  # not known, rather than none
    assert incident.aml == fix  # the kept position is read by itself then
    assert repo.calls["caller_snapshot"] == 1


def test_the_lookup_runs_before_the_call_is_stored_and_once(
    repo: InMemoryIncidentRepository, service: IncidentService
) -> None:
    call(service)
    assert repo.calls["caller_snapshot"] == 1
    assert repo.calls["caller_lookup"] == 0  # the record, read by key: not the history
    assert repo.calls["kept_position"] == 0  # it came with the record


# -- the configured policy ----------------------------------------------------------------------------------


def test_the_thresholds_come_from_the_configured_policy(
    repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    service = IncidentService(
        repo, REGENCIES["banyuwangi"], clock=clock, caller_policy=CallerPolicy(warn_after=1)
    )
    reject(service, call(service))
    assert Flag.WARNED in call(service).flags


# -- supervisors ------------------------------------------------------------------------------------------


def test_a_supervisors_lift_is_audited_and_recorded_on_the_open_incident(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    pranks(service, clock, 3)
    open_call = call(service)
    assert Flag.WARNED in open_call.flags

    history = service.callers.set_standing(
        CALLER, SUPERVISOR, Standing.NORMAL, "Penelepon dikenal, anaknya sakit"
    )

    assert history.standing.standing is Standing.NORMAL
    (entry,) = history.timeline
    assert (entry.change, entry.actor, entry.from_standing, entry.to_standing, entry.reason) == (
        StandingChange.LIFT,
        SUPERVISOR,
        Standing.WARNED,
        Standing.NORMAL,
        "Penelepon dikenal, anaknya sakit",
    )
    stored = repo.incidents[open_call.id]
    assert Flag.WARNED not in stored.flags
    last = repo.timelines[open_call.id][-1]
    assert (last.action, last.actor, last.reason, last.details) == (
        Action.STANDING,
        SUPERVISOR,
        "Penelepon dikenal, anaknya sakit",
        {"standing": "NORMAL"},
    )
    assert call(service).flags == []  # the pranks before the lift no longer count


def test_the_same_lift_sent_again_changes_nothing(service: IncidentService, clock: Clock) -> None:
    pranks(service, clock, 3)
    service.callers.set_standing(CALLER, SUPERVISOR, Standing.NORMAL, "dikenal")
    again = service.callers.set_standing(CALLER, SUPERVISOR, Standing.NORMAL, "dikenal")
    assert len(again.timeline) == 1


def test_an_imposed_demotion_holds_until_its_end_and_is_listed(
    service: IncidentService, clock: Clock
) -> None:
    until = clock() + timedelta(hours=12)
    service.callers.set_standing(CALLER, SUPERVISOR, Standing.DEMOTED, "Mengancam petugas", until)

    assert Flag.DEMOTED in call(service).flags
    (row,) = service.callers.standings(10).items
    assert (row.caller, row.standing, row.until, row.imposed, row.reason) == (
        CALLER,
        Standing.DEMOTED,
        until,
        True,
        "Mengancam petugas",
    )
    clock.advance(hours=12)
    assert Flag.DEMOTED not in call(service).flags
    assert service.callers.standings(10).items == []


def test_a_verified_a1_ends_an_imposed_standing_and_says_so(service: IncidentService, clock: Clock) -> None:
    service.callers.set_standing(CALLER, SUPERVISOR, Standing.WARNED, "Iseng berulang")
    clock.advance(minutes=5)
    genuine = call(service)
    verify(service, genuine)

    history = service.callers.history(CALLER)
    assert history.standing.standing is Standing.NORMAL
    assert history.timeline[0].change is StandingChange.RESET
    assert history.timeline[0].incident_id == genuine.id
    assert service.callers.standings(10).items == []


@pytest.mark.parametrize(
    ("standing", "hours", "field"),
    [(Standing.NORMAL, 5, "until"), (Standing.WARNED, -1, "until"), (Standing.DEMOTED, 24 * 91, "until")],
)
def test_a_decision_that_cannot_hold_is_refused(
    service: IncidentService, clock: Clock, standing: Standing, hours: int, field: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        service.callers.set_standing(CALLER, SUPERVISOR, standing, "alasan", clock() + timedelta(hours=hours))
    assert refused.value.field == field


# -- the supervisors' list follows decisions -------------------------------------------------------------


def test_the_third_prank_puts_the_number_on_the_list_and_a_verify_takes_it_off(
    service: IncidentService, clock: Clock
) -> None:
    pranks(service, clock, 2)
    assert service.callers.standings(10).items == []
    pranks(service, clock, 1)
    (row,) = service.callers.standings(10).items
    assert (row.caller, row.standing, row.recent_pranks, row.imposed) == (CALLER, Standing.WARNED, 3, False)
    verify(service, call(service))
    assert service.callers.standings(10).items == []


def test_a_failed_refresh_never_fails_the_rejection(clock: Clock) -> None:
    class RecordsDown(InMemoryIncidentRepository):
        def caller_record(self, caller: str) -> Any:
            raise ConnectionError("DynamoDB unreachable")

    repo = RecordsDown()
    service = IncidentService(repo, REGENCIES["banyuwangi"], RecordingDispatchQueue(), clock)
    incident = call(service)
    reject(service, incident)
    assert repo.incidents[incident.id].status is Status.REJECTED


def test_the_history_says_each_outcome(service: IncidentService, clock: Clock) -> None:
    reject(service, call(service))
    clock.advance(minutes=1)
    reject(service, call(service), RejectionReason.SILENT)
    clock.advance(minutes=1)
    verify(service, call(service))
    clock.advance(minutes=1)
    call(service)

    history = service.callers.history(CALLER)

    assert [h.outcome for h in history.history] == ["OPEN", "VERIFIED", "SILENT", "PRANK"]
    assert history.history[1].category is Category.FIRE
    assert history.history_days == 30


def test_the_service_takes_its_policy_from_the_regency_by_default(repo: InMemoryIncidentRepository) -> None:
    service = IncidentService(repo, REGENCIES["banyuwangi"])
    assert isinstance(service.callers, CallerService)
    assert service.callers.policy == REGENCIES["banyuwangi"].caller_policy


# -- the record the intake reads ----------------------------------------------------------------------------


class LaggingIndex(InMemoryIncidentRepository):
    """The by-caller index as DynamoDB's eventual consistency may serve it: the incidents in `hidden`
    still show as they were when first registered (open)."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, Incident] = {}

    def caller_lookup(self, caller: str, since: datetime, limit: int, now: datetime) -> CallerLookup:
        found = super().caller_lookup(caller, since, limit, now)
        calls = [PastCall.of(self.hidden[c.id]) if c.id in self.hidden else c for c in found.calls]
        return CallerLookup(calls, found.record, found.position, found.history)


def test_a_prank_the_index_does_not_show_yet_still_counts(clock: Clock) -> None:
    """Two operators reject two calls of a number a moment apart: the second refresh reads the index
    before it shows the first rejection, and the record (which the first refresh wrote) keeps it."""
    repo = LaggingIndex()
    service = IncidentService(repo, REGENCIES["banyuwangi"], clock=clock)
    pranks(service, clock, 1)
    second, third = call(service), call(service)
    repo.hidden[second.id] = second  # as registered: the index lags behind its rejection
    reject(service, second)
    reject(service, third)

    fourth = call(service)

    assert (fourth.flags, fourth.recent_pranks) == ([Flag.WARNED], 3)
    record = repo.caller_record(CALLER)
    assert record is not None
    assert [c.id for c in record.calls][:2] == [third.id, second.id]


def test_the_intake_reads_the_record_not_the_history(
    repo: InMemoryIncidentRepository, service: IncidentService, clock: Clock
) -> None:
    """What the policy needs of the history is on the number's record, refreshed by each decision; a
    number without a record (no strike, nothing decided) is NORMAL without reading its history."""
    for _ in range(3):
        verify(service, call(service))  # genuine calls: no strike, so no record
    assert repo.caller_record(CALLER) is None
    pranks(service, clock, 1)
    record = repo.caller_record(CALLER)
    assert record is not None
    # the strike and the latest verified call (the reset), not the other verified calls
    assert [c.rejection.reason if c.rejection else "VERIFIED" for c in record.calls] == ["PRANK", "VERIFIED"]
    repo.calls.clear()
    assert call(service).recent_pranks == 1
    assert (repo.calls["caller_snapshot"], repo.calls["caller_lookup"]) == (1, 0)
