"""The repository's 112 flow (infra/flows/emergency-112.json) as the local stack runs it: its
placeholders filled by the same variables `cdk deploy` gives CloudFormation's Fn::Sub, with the local
intake's ARN and a local queue in place of the deployed ones."""

from __future__ import annotations

import json
from pathlib import Path

from core.regency import REGENCIES
from infra.contact_flow import FLOW_PATH, flow_variables, substitute
from local.config import ACCOUNT_ID, REGENCY, REGION, function_arn
from local.flow.contact import Contact
from local.flow.model import Flow

INTAKE_FUNCTION = "intake-connect"
# The operators' queue of the sample event's instance: Connect gives a queue a UUID; the local one is named.
LOCAL_QUEUE = "operators-112"


def local_queue_arn() -> str:
    instance = Contact.inbound(None).instance_arn.rsplit("/", 1)[-1]
    return f"arn:aws:connect:{REGION}:{ACCOUNT_ID}:instance/{instance}/queue/{LOCAL_QUEUE}"


def load(text: str, variables: dict[str, str]) -> Flow:
    """A flow file's text with its placeholders filled, parsed."""
    return Flow.parse(json.loads(substitute(text, variables)))


def emergency_flow(backup_number: str | None = None, path: Path = FLOW_PATH) -> Flow:
    """The 112 flow as the local stack runs it (`backup_number`: as `connectBackupNumber` sets it)."""
    variables = flow_variables(
        function_arn(INTAKE_FUNCTION),
        local_queue_arn(),
        REGENCIES[REGENCY].name,
        backup_number=backup_number,
    )
    return load(path.read_text(encoding="utf-8"), variables)
