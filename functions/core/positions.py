"""Advanced Mobile Location: a handset that dials 112 sends its own position, by SMS and/or HTTPS,
seconds after the call starts. Match it to the caller's open incident, or keep it for the call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core import lifecycle
from core.boundaries import district_at
from core.clock import Clock, utc_now
from core.errors import ConcurrentModification
from core.lifecycle import TERMINAL
from core.models import AmlFix, AmlWarning, Channel, Incident
from core.observability import MetricUnit, logger, metrics
from core.ports import IncidentRepository
from core.regency import Regency

SYSTEM_AML = "system:aml"
# An AML message belongs to an emergency call in progress: only a 112 call's incident takes it (a web
# report from the same number is not where the handset dialled from), a caller's incident older than
# OPEN_WINDOW is another emergency, and a position older than KEEP_FOR is no longer where the caller is.
OPEN_WINDOW = timedelta(hours=2)
KEEP_FOR = timedelta(minutes=30)
# A fix is taken before it is sent, so a handset time after the arrival is a wrong clock (a wrong year,
# local time written as UTC: WIB is UTC+7). A handset's clock, set by its network, may still run a minute
# or two ahead of ours: CLOCK_TOLERANCE forgives that much, far below any wrong zone or date.
CLOCK_TOLERANCE = timedelta(minutes=5)
_ATTEMPTS = 3


class Outcome(StrEnum):
    ATTACHED = "ATTACHED"  # on the caller's open incident
    SUPERSEDED = "SUPERSEDED"  # matched, but the incident already has a newer (or as new, finer) fix
    KEPT = "KEPT"  # waiting for the call it belongs to
    UNMATCHABLE = "UNMATCHABLE"  # neither a number nor an IMEI to match by


@dataclass(frozen=True)
class PositionResult:
    outcome: Outcome
    incident_id: str | None = None


def imei_key(imei: str) -> str:
    return f"IMEI#{imei}"


def _clock_ahead(fix: AmlFix) -> bool:
    return fix.fixed_at is not None and fix.fixed_at > fix.received_at + CLOCK_TOLERANCE


def ordered_at(fix: AmlFix) -> datetime:
    """The time a fix is ordered by: the handset's own, unless it gave none or claims one more than
    CLOCK_TOLERANCE after the fix arrived (a wrong clock), then its arrival. A time long past is kept:
    an SMS can wait hours in the network, and a delayed fix must not outrank a current one."""
    if fix.fixed_at is None or _clock_ahead(fix):
        return fix.received_at
    return fix.fixed_at


def vetted(fix: AmlFix) -> AmlFix:
    """`fix` with what its times say about it among its warnings, for the operator: a time after its
    arrival (ordered by arrival, the claimed time kept), or one older than KEEP_FOR (a delayed message
    or a clock behind: the caller may have moved since)."""
    warnings = list(fix.warnings)
    if _clock_ahead(fix):
        warnings.append(AmlWarning.TIME_AHEAD)
    elif fix.fixed_at is not None and fix.fixed_at < fix.received_at - KEEP_FOR:
        warnings.append(AmlWarning.TIME_STALE)
    warnings = list(dict.fromkeys(warnings))  # a fix that already says so says it once
    if warnings == fix.warnings:
        return fix
    logger.warning(
        "AML fix time not trusted as sent",
        extra={
            "warnings": [w.value for w in warnings],
            "fixed_at": fix.fixed_at.isoformat() if fix.fixed_at else None,
            "received_at": fix.received_at.isoformat(),
        },
    )
    return fix.model_copy(update={"warnings": warnings})


def supersedes(new: AmlFix, old: AmlFix | None) -> bool:
    """Whether `new` should replace `old` on an incident: the later fix (by `ordered_at`: the handset's
    own time when it can be trusted, else arrival) wins, since the caller may be moving; of two fixes as
    old, the finer one (as fine: the one that arrived last).
    An SMS and an HTTPS message of one fix arrive in either order, and neither may undo a better one; a
    handset whose clock says 2099 cannot hold its place against the fixes after it."""
    if old is None:
        return True
    new_time, old_time = ordered_at(new), ordered_at(old)
    if new_time != old_time:
        return new_time > old_time
    unknown = float("inf")
    new_radius = unknown if new.accuracy_m is None else new.accuracy_m
    old_radius = unknown if old.accuracy_m is None else old.accuracy_m
    return new_radius <= old_radius  # as fine: the later arrival, as for any other tie


def district_of(regency: Regency | None, incident: Incident, fix: AmlFix) -> str | None:
    """The kecamatan the fix lies in, by the regency's boundaries, when the incident has none to keep."""
    if regency is None or (incident.location is not None and incident.location.district is not None):
        return None
    return district_at(regency, fix.lat, fix.lon)


def attach_if_newer(
    repository: IncidentRepository,
    incident: Incident,
    fix: AmlFix,
    now: datetime,
    regency: Regency | None = None,
) -> Incident | None:
    """The incident with `fix` committed on it as a LOCATE change (with the fix's kecamatan when the
    incident has none and `regency` has boundaries), or None when its own fix is newer or finer. Raises
    ConcurrentModification when the incident changed since it was read."""
    if not supersedes(fix, incident.aml):
        return None
    district = district_of(regency, incident, fix)
    return repository.commit(lifecycle.locate(incident, fix, SYSTEM_AML, now, district))


class PositionService:
    def __init__(
        self, repository: IncidentRepository, clock: Clock = utc_now, regency: Regency | None = None
    ) -> None:
        self._repo = repository
        self._now = clock
        self._regency = regency  # its boundaries give an incident without a kecamatan the fix's

    def receive(self, fix: AmlFix) -> PositionResult:
        now = self._now()
        fix = vetted(fix)
        number = fix.number
        if number is None and fix.imei:
            # SMS and HTTPS from one handset: the other transport may have said the number.
            earlier = self._repo.kept_position(imei_key(fix.imei), int(now.timestamp()))
            number = earlier.number if earlier else None
        if number is None and fix.imei is None:
            metrics.add_metric(name="AmlUnmatchable", unit=MetricUnit.Count, value=1)
            return PositionResult(Outcome.UNMATCHABLE)
        expires_at = int((now + KEEP_FOR).timestamp())
        if number:
            fix = fix.model_copy(update={"number": number})
            matched = self._attach(number, fix)
            if matched:
                incident_id, attached = matched
                if fix.imei and fix.number:
                    # The handset's other transport may say only its IMEI: leave it the number to match by.
                    self._repo.keep_position(imei_key(fix.imei), fix, expires_at)
                outcome = Outcome.ATTACHED if attached else Outcome.SUPERSEDED
                metrics.add_metric(name=f"Aml{outcome.title()}", unit=MetricUnit.Count, value=1)
                return PositionResult(outcome, incident_id)
        for key in (number, imei_key(fix.imei) if fix.imei else None):
            if key:
                self._repo.keep_position(key, fix, expires_at)
        metrics.add_metric(name="AmlKept", unit=MetricUnit.Count, value=1)
        return PositionResult(Outcome.KEPT)

    def _attach(self, number: str, fix: AmlFix) -> tuple[str, bool] | None:
        """The open 112-call incident of this caller, if any, and whether it now carries this fix."""
        incident_id = None
        for _ in range(_ATTEMPTS):
            now = self._now()
            recent = self._repo.recent_by_caller(number, limit=5)
            incident = next(
                (
                    i
                    for i in recent
                    if i.channel is Channel.VOICE
                    and i.status not in TERMINAL
                    and now - i.received_at <= OPEN_WINDOW
                ),
                None,
            )
            if incident is None:
                return None
            incident_id = incident.id
            try:
                attached = attach_if_newer(self._repo, incident, fix, now, self._regency)
                return incident.id, attached is not None
            except ConcurrentModification:
                continue  # an operator changed it meanwhile: read it again and add the position
        logger.warning("AML position not attached after retries", extra={"incident_id": incident_id})
        return None
