"""Retention of callers' numbers in history (UU 27/2022 on personal data): an incident keeps its caller's
number for the policy's `retention_days`; then the number is masked (as logs mask it: +62812******90),
the handset's number and IMEI with it, and those of every report attached to it (core/related.py: the
parent keeps its children's callers and positions in `reports`), and the incident leaves the caller
index, so no history or lookup links it to the number any more. The incident itself (what happened,
where, who decided) stays.

The sweep walks each status's list in the status index, oldest first, from where it stopped last time
(a mark per list) up to the first incident younger than the retention period: a bounded read per run,
and no Scan. A number's own record and audit trail are deleted by DynamoDB's TTL once they have been
irrelevant for as long (core.callers).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.ids import ulid_floor
from core.models import AmlFix, Incident, IncidentReport, Status
from core.observability import MetricUnit, logger, mask_phone, metrics
from core.ports import IncidentRepository

# Before the first id any incident can have: where a list's sweep starts.
START = ulid_floor(0)


def _is_number(value: str | None) -> bool:
    return value is not None and "*" not in value  # a masked one keeps its stars


def _aml_holds_a_number(aml: AmlFix | None) -> bool:
    return aml is not None and (_is_number(aml.number) or aml.imei is not None)


def _holds_a_number(incident: Incident) -> bool:
    return (
        incident.caller is not None
        or _aml_holds_a_number(incident.aml)
        or any(_is_number(r.caller) or _aml_holds_a_number(r.aml) for r in incident.reports)
    )


def _masked_aml(aml: AmlFix | None) -> AmlFix | None:
    if aml is None:
        return None
    return aml.model_copy(update={"imei": None, "number": mask_phone(aml.number) if aml.number else None})


def masked_reports(incident: Incident) -> list[IncidentReport] | None:
    """The incident's reports with their numbers masked, or None when none holds a number."""
    if not any(_is_number(r.caller) or _aml_holds_a_number(r.aml) for r in incident.reports):
        return None
    return [
        report.model_copy(
            update={
                "caller": mask_phone(report.caller) if report.caller else None,
                "aml": _masked_aml(report.aml),
            }
        )
        for report in incident.reports
    ]


def mask_old_callers(
    repository: IncidentRepository,
    now: datetime,
    retention_days: int,
    page_size: int = 100,
    max_pages: int = 10,
) -> int:
    """Mask the numbers of incidents received more than `retention_days` before `now`, at most
    `max_pages` pages of `page_size` per status list; how many were masked. An incident that changed while
    it was read stops its list's sweep there, for the next run to take up again."""
    before = ulid_floor(int((now - timedelta(days=retention_days)).timestamp() * 1000))
    masked = 0
    for status in Status:
        name = f"STATUS#{status}"
        after = repository.retention_mark(name) or START
        for _ in range(max_pages):
            page = repository.incidents_between(status, after, before, page_size)
            stopped, start = False, after
            for incident in page:
                if _holds_a_number(incident):
                    number = incident.caller or (incident.aml.number if incident.aml else None)
                    masked_number = mask_phone(number) if _is_number(number) else None
                    if not repository.mask_caller(incident, masked_number, masked_reports(incident)):
                        stopped = True
                        break
                    masked += 1
                after = incident.id
            if after != start:
                repository.set_retention_mark(name, after)
            if stopped or len(page) < page_size:
                break
    if masked:
        logger.info("callers' numbers masked after the retention period", extra={"masked": masked})
    # Emitted every run, 0 included: a sweep that stopped running shows as missing data.
    metrics.add_metric(name="CallerNumbersMasked", unit=MetricUnit.Count, value=masked)
    return masked
