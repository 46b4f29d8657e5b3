"""Helpers for the flow runner's tests: the intake as a function (a stand-in, or the real handler over
the in-memory repository), flows made of a few actions, and the 112 flow changed on purpose."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any

from core.incidents import IncidentService
from core.regency import REGENCIES
from infra.contact_flow import FLOW_PATH, flow_variables, substitute
from intake.connect import lambda_handler
from local.config import REGENCY, function_arn
from local.flow.contact import Contact
from local.flow.model import Flow
from local.flow.source import INTAKE_FUNCTION, local_queue_arn
from local.flow.steps import Invoked
from tests.support import FakeLambdaContext

CALLER = "+6281234567890"
CONTACT_ID = "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"
INCIDENT_ID = "01JDQ8ZK6V3W4X5Y6Z7A8B9C0D"
BACKUP_NUMBER = "+62333421112"
MAJOR_MESSAGE = "Kami sudah menerima laporan kebakaran di Pasar Genteng. Petugas sedang menuju lokasi."
INTAKE_ARN = function_arn(INTAKE_FUNCTION)


def new_contact() -> Contact:
    return Contact.inbound(CALLER, CONTACT_ID)


class StandInIntake:
    """The intake as a function that answers as the real one does, instantly, with the caller's standing
    `standing` (core.standing), and remembers the events it was sent."""

    def __init__(
        self,
        answer: Any = None,
        error: str | None = None,
        seconds: float = 0.1,
        standing: str = "NORMAL",
        recent_pranks: int = 0,
        major: str | None = None,
    ) -> None:
        self.answer, self.error, self.seconds = answer, error, seconds
        self.standing, self.recent_pranks = standing, recent_pranks
        self.major = major  # a major incident's message, answered to the first invocation
        self.events: list[dict[str, Any]] = []

    def invoke(self, function_arn: str, event: Mapping[str, Any], time_limit: int) -> Invoked:
        self.events.append(copy.deepcopy(dict(event)))
        if self.error is not None:
            return Invoked(None, self.error, self.seconds)
        if self.answer is not None:
            return Invoked(self.answer, None, self.seconds)
        answer = {
            "incidentId": INCIDENT_ID,
            "incidentStatus": "RECEIVED",
            "callerKnown": "true",
            "callerStanding": self.standing,
            "recentPranks": str(self.recent_pranks),
        }
        if event["Details"]["Parameters"].get("event") == "CANNOT_SPEAK":
            answer["cannotSpeak"] = "true"
        else:
            answer["majorIncident"] = "true" if self.major else "false"
            if self.major:
                answer["majorIncidentMessage"] = self.major
        return Invoked(answer, None, self.seconds)


class InProcessIntake:
    """The real intake handler over a service (the in-memory repository), called as Connect calls it."""

    def __init__(self, service: IncidentService) -> None:
        self.service = service
        self.invocations = 0

    def invoke(self, function_arn: str, event: Mapping[str, Any], time_limit: int) -> Invoked:
        self.invocations += 1
        answer = lambda_handler(json.loads(json.dumps(event)), FakeLambdaContext(), service=self.service)
        return Invoked(answer, None, 0.05)


def flow_of(*actions: dict[str, Any], start: str | None = None) -> Flow:
    """A flow of these actions, starting at the first."""
    return Flow.parse(
        {"Version": "2019-10-30", "StartAction": start or actions[0]["Identifier"], "Actions": list(actions)}
    )


def action(
    identifier: str, type_: str, parameters: dict[str, Any] | None = None, **transitions: Any
) -> dict[str, Any]:
    return {
        "Identifier": identifier,
        "Type": type_,
        "Parameters": parameters or {},
        "Transitions": transitions,
    }


def hang_up(identifier: str = "hang-up") -> dict[str, Any]:
    return action(identifier, "DisconnectParticipant")


def emergency_document(backup_number: str | None = None) -> dict[str, Any]:
    """The 112 flow's JSON with the local stack's values, as a document a test may change."""
    variables = flow_variables(
        INTAKE_ARN, local_queue_arn(), REGENCIES[REGENCY].name, backup_number=backup_number
    )
    document: dict[str, Any] = json.loads(substitute(FLOW_PATH.read_text(encoding="utf-8"), variables))
    return document


def changed(change: Callable[[dict[str, dict[str, Any]]], Any], backup_number: str | None = None) -> Flow:
    """The 112 flow with `change` applied to its actions (by identifier); the changed flow."""
    document = emergency_document(backup_number)
    actions = {a["Identifier"]: a for a in document["Actions"]}
    change(actions)
    document["Actions"] = list(actions.values())
    return Flow.parse(document)
