"""intake-connect: Amazon Connect invokes it from the 112 contact flow, before the caller reaches an
operator.

It registers the call as a RECEIVED incident and answers Connect's STRING_MAP (a flat map of strings,
under 32 KB) so the flow can set `incidentId` on the contact for the operator's screen pop, and branch on
`callerStanding` (the number's recent pranks: core.standing) to warn the caller or lower the call's
priority in the queue; every branch still ends in the operators' queue. Connect retries a failed
invocation: the same contact always maps to the same incident. When every attempt failed, the operator
who takes the call opens its incident under the same contact (IncidentService.open_call); a late success
here then answers that incident.

The flow invokes it a second time, with the block's parameter `event` = CANNOT_SPEAK, when the caller
pressed the "cannot speak" key: the call's incident gets the CANNOT_SPEAK flag (registered first, with its
standing, if the first invocation never did), audited as a change by `system:connect`; the answer adds
`cannotSpeak` to the same keys, the standing being the one the call came in with. An unknown `event`
registers the call as the first invocation does: whatever the flow says, the answer is the call's
incident.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from core.incidents import SYSTEM_INTAKE, IncidentService, Report
from core.major_incidents import ActiveMajorIncidents
from core.models import Flag, Incident
from core.observability import logger, mask_phone, metrics
from core.repository import DynamoIncidentRepository
from core.settings import get_settings
from intake.connect_event import ContactFlowEvent

# The flow's `event` parameter when the caller pressed the "cannot speak" key (infra/flows/).
CANNOT_SPEAK = "CANNOT_SPEAK"


@functools.cache
def default_service() -> IncidentService:
    settings = get_settings()
    repository = DynamoIncidentRepository(
        settings.require("table_name"), lookup_timeout_ms=settings.caller_lookup_timeout_ms
    )
    return IncidentService(repository, settings.regency, caller_policy=settings.caller_policy)


def caller_standing(incident: Incident) -> str:
    """The standing the call came in with, as its flag says (a Connect retry answers the first one's)."""
    if Flag.DEMOTED in incident.flags:
        return "DEMOTED"
    return "WARNED" if Flag.WARNED in incident.flags else "NORMAL"


def connect_response(incident: Incident, created: bool) -> dict[str, str]:
    """The keys every answer has: strings of letters, digits, '-' and '_' only, as the cannot-speak
    invocation's STRING_MAP validation wants them."""
    return {
        "incidentId": incident.id,
        "incidentStatus": incident.status.value,
        "callerKnown": "true" if incident.caller else "false",
        "repeatInvocation": "false" if created else "true",
        "callerStanding": caller_standing(incident),
        "recentPranks": str(incident.recent_pranks or 0),
    }


def major_incident_keys(majors: ActiveMajorIncidents | None) -> dict[str, str]:
    """What the flow plays to every caller before the queue while a major incident is active: its
    message (Bahasa Indonesia, speakable characters only, at most SPOKEN_MAX). The first invocation's
    block validates its answer as JSON, since a message has spaces and punctuation that Connect's
    STRING_MAP refuses (decision 59); `majorIncident` says whether there is one."""
    spoken = majors.spoken() if majors is not None else None
    if spoken is None:
        return {"majorIncident": "false"}
    return {"majorIncident": "true", "majorIncidentMessage": spoken}


# No Powertools Tracer here: it would add the X-Ray SDK to this cold start (see core.observability).
@logger.inject_lambda_context(correlation_id_path="Details.ContactData.ContactId")
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(
    event: Any, context: LambdaContext, service: IncidentService | None = None
) -> dict[str, str]:
    parsed = ContactFlowEvent.parse(event)
    report = parsed.to_report()
    if parsed.flow_event() == CANNOT_SPEAK:
        return cannot_speak(service or default_service(), report)
    incident, created, majors = (service or default_service()).register_call(report)
    if created:
        message = "call registered"
    elif incident.created_by == SYSTEM_INTAKE:
        message = "call already registered (Connect retry)"
    else:  # the intake failed or was late, and the operator who took the call opened its incident
        message = "call already registered by an operator"
    logger.info(
        message,
        extra={
            "incident_id": incident.id,
            "caller": mask_phone(incident.caller),
            "channel": incident.channel,
            "caller_standing": caller_standing(incident),
            "major_incidents": len(majors.items) if majors is not None else None,
        },
    )
    return {**connect_response(incident, created), **major_incident_keys(majors)}


def cannot_speak(service: IncidentService, report: Report) -> dict[str, str]:
    """The caller pressed the "cannot speak" key: the operator who answers must know before speaking."""
    incident, flagged = service.flag_call(report, Flag.CANNOT_SPEAK)
    logger.info(
        "caller cannot speak: incident flagged" if flagged else "caller cannot speak: flag already there",
        extra={"incident_id": incident.id, "caller": mask_phone(incident.caller)},
    )
    flagged_now = Flag.CANNOT_SPEAK in incident.flags
    return {**connect_response(incident, flagged), "cannotSpeak": "true" if flagged_now else "false"}
