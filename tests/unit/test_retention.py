"""privacy-retention: callers' numbers in incidents older than the retention period are masked and leave
the caller index, a bounded sweep at a time that picks up where the last one stopped."""

from __future__ import annotations

from typing import Any

import pytest

from core.incidents import IncidentService, Report
from core.models import AmlFix, AmlTransport, Channel, Rejection, RejectionReason, Status
from core.regency import REGENCIES
from core.related import RelatedIncidents
from core.retention import mask_old_callers
from core.settings import get_settings
from privacy.retention import lambda_handler
from tests.fakes import InMemoryIncidentRepository
from tests.support import Clock, FakeLambdaContext

CALLER = "+6281234567890"


def rejected_call(service: IncidentService, contact: str, caller: str = CALLER) -> str:
    report = Report(
        channel=Channel.VOICE, actor="system:intake", caller=caller, dedupe_key=f"CONTACT#{contact}"
    )
    incident, _ = service.register(report)
    service.claim(incident.id, "operator1")
    service.reject(incident.id, "operator1", Rejection(reason=RejectionReason.PRANK))
    return incident.id


def test_numbers_older_than_the_retention_are_masked_and_younger_ones_kept(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    old = rejected_call(service, "old")
    clock.advance(days=65)
    young = rejected_call(service, "young")
    clock.advance(days=26)  # the first is 91 days old, the second 26

    assert mask_old_callers(repo, clock(), 90) == 1

    masked = repo.incidents[old]
    assert masked.caller is None
    assert masked.caller_masked == "+62812******90"
    assert masked.status is Status.REJECTED  # what happened stays
    assert masked.rejection is not None
    assert repo.incidents[young].caller == CALLER
    assert [h.id for h in service.callers.history(CALLER).history] == [young]


def test_open_incidents_are_masked_too_and_a_withheld_number_needs_nothing(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    report = Report(channel=Channel.VOICE, actor="system:intake", caller=CALLER, dedupe_key="CONTACT#open")
    still_open, _ = service.register(report)
    withheld, _ = service.register(
        Report(channel=Channel.VOICE, actor="system:intake", caller=None, dedupe_key="CONTACT#anon")
    )
    clock.advance(days=91)
    assert mask_old_callers(repo, clock(), 90) == 1
    assert repo.incidents[still_open.id].caller is None
    assert repo.incidents[withheld.id].caller_masked is None


def test_the_handsets_number_and_imei_go_with_it(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    fix = AmlFix(
        lat=-8.36, lon=114.15, received_at=clock(), transport=AmlTransport.SMS, number=CALLER, imei="3" * 15
    )
    repo.keep_position(CALLER, fix, int(clock().timestamp()) + 600)
    incident_id = rejected_call(service, "aml")
    assert repo.incidents[incident_id].aml is not None
    clock.advance(days=91)

    mask_old_callers(repo, clock(), 90)

    aml = repo.incidents[incident_id].aml
    assert aml is not None
    assert (aml.number, aml.imei) == ("+62812******90", None)


def test_each_sweep_is_bounded_and_the_next_takes_up_where_it_stopped(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    ids = []
    for n in range(7):
        ids.append(rejected_call(service, f"c{n}", caller=f"+6281234500{n:03d}"))
        clock.advance(seconds=1)  # ids in the order of the calls
    clock.advance(days=91)

    assert mask_old_callers(repo, clock(), 90, page_size=2, max_pages=2) == 4
    assert [repo.incidents[i].caller is None for i in ids] == [True] * 4 + [False] * 3
    assert mask_old_callers(repo, clock(), 90, page_size=2, max_pages=2) == 3
    assert all(repo.incidents[i].caller is None for i in ids)
    reads = repo.calls["incidents_between"]
    assert mask_old_callers(repo, clock(), 90, page_size=2, max_pages=2) == 0
    assert repo.calls["incidents_between"] - reads == len(Status)  # one empty read per list, nothing again


def test_the_callers_attached_to_an_incident_are_masked_with_it(
    service: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    """The parent of an attach keeps its children's callers and positions in `reports`: they age with it,
    even when the parent itself came without a number (a web report)."""
    web, _ = service.register(Report(channel=Channel.WEB, actor="system:intake", dedupe_key="WEB#1"))
    fix = AmlFix(
        lat=-8.36, lon=114.15, received_at=clock(), transport=AmlTransport.SMS, number=CALLER, imei="3" * 15
    )
    repo.keep_position(CALLER, fix, int(clock().timestamp()) + 600)
    call, _ = service.register(
        Report(channel=Channel.VOICE, actor="system:intake", caller=CALLER, dedupe_key="CONTACT#1")
    )
    service.claim(web.id, "operator1")
    RelatedIncidents(repo, clock).attach(call.id, web.id, "operator1")
    assert repo.incidents[web.id].reports[0].caller == CALLER
    clock.advance(days=91)

    assert mask_old_callers(repo, clock(), 90) == 2  # the child and the parent

    parent = repo.incidents[web.id]
    report = parent.reports[0]
    assert parent.caller_masked is None  # it never had a number of its own
    assert report.caller == "+62812******90"
    assert report.aml is not None
    assert (report.aml.number, report.aml.imei) == ("+62812******90", None)
    assert report.channel is Channel.VOICE  # what it was stays
    repo.set_retention_mark(f"STATUS#{parent.status}", "")  # a sweep from the start: nothing left to mask
    assert mask_old_callers(repo, clock(), 90) == 0


def test_an_incident_changed_while_read_stops_its_list_for_the_next_run(clock: Clock) -> None:
    class Busy(InMemoryIncidentRepository):
        def mask_caller(self, incident: Any, masked: str | None, reports: Any = None) -> bool:
            self.calls["mask_caller"] += 1
            return False

    busy = Busy()
    busy_service = IncidentService(busy, REGENCIES["banyuwangi"], clock=clock)
    first = rejected_call(busy_service, "a")
    rejected_call(busy_service, "b")
    clock.advance(days=91)

    assert mask_old_callers(busy, clock(), 90) == 0
    assert busy.calls["mask_caller"] == 1  # not the second: the list waits for the first
    assert busy.retention_mark(f"STATUS#{Status.REJECTED}") is None
    assert busy.incidents[first].caller == CALLER


def test_the_function_takes_the_retention_from_the_policy(
    repo: InMemoryIncidentRepository, service: IncidentService, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    rejected_call(service, "x")
    clock.advance(days=40)
    monkeypatch.setenv("CALLER_POLICY", '{"retentionDays": 35}')
    get_settings.cache_clear()
    try:
        answer = lambda_handler({}, FakeLambdaContext(), repository=repo, clock=clock)
    finally:
        get_settings.cache_clear()
    assert answer == {"masked": 1, "retentionDays": 35}
