"""POST /incidents/{id}/messages: an operator writes to the citizen on the channel they reported on
(Instagram, an X direct message), through the replies queue; the conversation is in the timeline
(core/conversations.py, docs/api.md#conversations)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from core.models import Incident
from verify.routes.request import SECURED, CurrentOperator, IncidentIdParam, Service, responses
from verify.schemas import ErrorBody, MessageRequest

router = Router()


@router.post(
    "/incidents/<incident_id>/messages",
    security=SECURED,
    tags=["conversations"],
    summary="Write to the citizen (Instagram, X direct message): recorded on the incident, then sent once",
    description="The operator who holds the open incident, or a supervisor. 201: recorded (MESSAGE_SENT, "
    "the words in `outbound`, QUEUED) and queued for the reply sender, which records SENT or FAILED. The "
    "same `messageId` and text again answers 200 with the incident and sends nothing more. 409 "
    "`NO_CONVERSATION`: a web report or a call (call the reporter's number back); `CLAIMED_BY_OTHER`: "
    "another operator holds it; `ILLEGAL_TRANSITION`: it is closed.",
    status_code=201,
    responses={
        **responses(
            "Recorded and queued: the incident after the change", 400, 401, 403, 404, 409, status=201
        ),
        200: {
            "description": "This message was recorded already (a retry): the incident as it is",
            "content": {"application/json": {"model": Incident}},
        },
        503: {
            "description": "Recorded, but the replies queue did not take it: send the same request again",
            "content": {"application/json": {"model": ErrorBody}},
        },
    },
)
def write_to_citizen(
    operator: CurrentOperator,
    service: Service,
    incident_id: IncidentIdParam,
    request: Annotated[MessageRequest, Body()],
) -> Response[Incident]:
    incident, written = service.conversations.write(
        incident_id, operator.username, operator.is_supervisor, request.message_id, request.text
    )
    status = HTTPStatus.CREATED if written else HTTPStatus.OK
    return Response(status_code=int(status), content_type=content_types.APPLICATION_JSON, body=incident)
