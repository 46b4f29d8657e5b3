"""POST /reports: a citizen's report from the web form (panel/report.html).

Its gate is the limit per client address, which intake/web.py checks before the body is even read; a
report within it is archived whole before the resolver validates it (any body within the form's limit may
be a citizen's), and one that fails validation is still kept as an UNPARSED incident.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from core.incidents import Report
from core.models import Channel, Location
from intake.routes.request import PublicRequest, ReadBody
from intake.web_report import RECEIVED_EN, RECEIVED_ID, ReportReceived, WebReport

router = Router()
READ_BODIES: tuple[ReadBody, ...] = ()  # Powertools declares the form's body: it validates it


@router.post(
    "/reports",
    tags=["reports"],
    summary="A citizen's report from the web form (112 is for emergencies)",
    status_code=202,
    responses={
        202: {"description": "Received: an operator will check it"},
        429: {"description": "Too many reports from this client; Retry-After says when to try again"},
    },
)
def post_report(request: Annotated[WebReport, Body()]) -> ReportReceived:
    current = PublicRequest(router)
    location = Location.model_validate(request.location.model_dump())  # the district is checked in core
    source = {
        "name": request.name,
        "rawKey": current.archive.keep(),
        "locationAccuracyM": None if request.accuracy_m is None else f"{request.accuracy_m:.0f}",
    }
    report = Report(
        channel=Channel.WEB,
        actor="system:web",
        caller=request.phone,
        dedupe_key=_web_dedupe_key(request),
        text=request.description,
        location=location,
        source={k: v for k, v in source.items() if v},
    )
    incident, _ = current.ports.service.register(report)
    return ReportReceived(incident_id=incident.id, message=RECEIVED_ID, message_en=RECEIVED_EN)


def _web_dedupe_key(request: WebReport) -> str | None:
    """The form's id for this report, with a digest of what it says: sending it again after a lost
    answer is the same incident, but the same id with other words (an edited form, a bug, a guess) is
    a new one instead of being silently answered with the first."""
    if not request.client_report_id:
        return None
    content = request.model_dump_json(exclude={"client_report_id"}).encode("utf-8")
    return f"WEB#{request.client_report_id}#{hashlib.sha256(content).hexdigest()[:32]}"


def keep_refused_report(problem: str) -> dict[str, Any]:
    """A web report refused with a 4xx is still kept for an operator to read (intake/web.py hands this to
    the resolver's error handlers). Only the web form's body is validated by the resolver: the webhooks
    keep what they cannot parse themselves, after their signature or token checked out, and anything else
    (e.g. a bad query on /aml) is only refused."""
    event = router.current_event
    if event.http_method == "POST" and event.path == "/reports":
        return {"incidentId": PublicRequest(router).unparsed(Channel.WEB, problem)}
    return {}
