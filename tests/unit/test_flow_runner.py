"""The local flow runner, action by action: what Connect's flow language says each action does with its
parameters, which branch it takes, what the caller hears, the contact attributes and references it
reads and sets, and the errors for what it cannot simulate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from infra.contact_flow import FLOW_PATH, MissingVariable, substitute
from local.flow.contact import Contact, UnknownReference
from local.flow.model import Flow, FlowError, UnknownAction
from local.flow.runner import Outcome, run
from local.flow.source import emergency_flow, local_queue_arn
from local.flow.steps import Clock, End, Functions
from local.flow.world import Decision, Script
from tests.flows import (
    BACKUP_NUMBER,
    CALLER,
    CONTACT_ID,
    INCIDENT_ID,
    INTAKE_ARN,
    StandInIntake,
    action,
    flow_of,
    hang_up,
    new_contact,
)

START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
QUEUE = local_queue_arn()


def queue(identifier: str = "queue") -> list[dict[str, Any]]:
    """Set the operators' queue and transfer to it; a failure of either says sorry and hangs up."""
    return [
        action(
            identifier,
            "UpdateContactTargetQueue",
            {"QueueId": QUEUE},
            NextAction="transfer",
            Errors=[{"NextAction": "sorry", "ErrorType": "NoMatchingError"}],
        ),
        action(
            "transfer",
            "TransferContactToQueue",
            NextAction="sorry",
            Errors=[
                {"NextAction": "sorry", "ErrorType": "QueueAtCapacity"},
                {"NextAction": "sorry", "ErrorType": "NoMatchingError"},
            ],
        ),
        action("sorry", "MessageParticipant", {"Text": "Maaf"}, NextAction="hang-up"),
        hang_up(),
    ]


def call(
    flow: Flow,
    script: Script | None = None,
    functions: Functions | None = None,
    contact: Contact | None = None,
) -> Outcome:
    return run(flow, contact or new_contact(), script or Script(), functions or StandInIntake(), Clock(START))


def branches(outcome: Outcome) -> list[tuple[str, str]]:
    return [(step.action, step.branch) for step in outcome.steps]


# -- the flow file ------------------------------------------------------------------------------------


def test_the_repositorys_flow_runs_with_the_local_stacks_values() -> None:
    flow = emergency_flow()

    assert flow.start == "enable-logging"
    assert "${" not in str({a.identifier: a.parameters for a in flow.actions.values()})
    assert flow.actions["register-incident"].parameters["LambdaFunctionARN"] == INTAKE_ARN
    assert flow.actions["set-operators-queue"].parameters["QueueId"] == QUEUE
    assert "Banyuwangi" in flow.actions["greet"].parameters["Text"]


def test_substitute_fills_placeholders_as_fn_sub_does() -> None:
    assert substitute("${A}-${B}", {"A": "1", "B": "2"}) == "1-2"
    assert substitute("${!Literal} ${A}", {"A": "x"}) == "${Literal} x"
    with pytest.raises(MissingVariable, match=r"\$\{Nope\}"):
        substitute("a ${Nope} b", {})
    with pytest.raises(MissingVariable):
        substitute(FLOW_PATH.read_text(encoding="utf-8"), {})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"Version": "2020-01-01", "StartAction": "a", "Actions": []}, "version"),
        (
            {"Version": "2019-10-30", "StartAction": "b", "Actions": [action("a", "DisconnectParticipant")]},
            "StartAction 'b'",
        ),
        (
            {"Version": "2019-10-30", "StartAction": "a", "Actions": [hang_up("a"), hang_up("a")]},
            "two actions are called 'a'",
        ),
        (
            {"Version": "2019-10-30", "StartAction": "a", "Actions": [action("a", "Loop", NextAction="b")]},
            "a --next--> 'b': no such action",
        ),
        (
            {
                "Version": "2019-10-30",
                "StartAction": "a",
                "Actions": [action("a", "Loop", Errors=[{"NextAction": "a"}])],
            },
            "without its 'ErrorType'",
        ),
    ],
)
def test_a_flow_connect_would_refuse_is_refused(document: dict[str, Any], message: str) -> None:
    with pytest.raises(FlowError, match=message):
        Flow.parse(document)


def test_an_unknown_action_is_an_error_naming_it_before_the_call_starts() -> None:
    flow = flow_of(
        action("greet", "MessageParticipant", {"Text": "Halo"}, NextAction="queue"),
        *queue(),
        action("later", "TransferToFlow", {"ContactFlowId": "x"}, NextAction="queue"),  # never reached
    )

    with pytest.raises(UnknownAction, match="'later' is a 'TransferToFlow'") as raised:
        call(flow)
    assert (raised.value.identifier, raised.value.type) == ("later", "TransferToFlow")


def test_an_unknown_reference_is_an_error_naming_it() -> None:
    flow = flow_of(
        action("greet", "MessageParticipant", {"Text": "Halo $.Lex.IntentName"}, NextAction="queue"), *queue()
    )

    with pytest.raises(UnknownReference, match=r"\$\.Lex\.IntentName"):
        call(flow)


# -- the contact and its references -----------------------------------------------------------------------


def test_references_read_the_contact() -> None:
    contact = new_contact()
    contact.attributes["incidentId"] = INCIDENT_ID
    contact.external = {"incidentStatus": "RECEIVED", "nested": {"deep": "yes"}}
    contact.stored_input = "55"
    contact.queue_arn = QUEUE

    assert contact.resolve("$.Attributes.incidentId") == INCIDENT_ID
    assert contact.resolve("$.Attributes.missing") is None
    assert contact.resolve("$.External.incidentStatus") == "RECEIVED"
    assert contact.resolve("$.External.nested.deep") == "yes"
    assert contact.resolve("$.CustomerEndpoint.Address") == CALLER
    assert contact.resolve("$.SystemEndpoint.Address") == "+62333112112"
    assert contact.resolve("$.StoredCustomerInput") == "55"
    assert contact.resolve("$.ContactId") == contact.resolve("$.InitialContactId") == CONTACT_ID
    assert contact.resolve("$.Queue.ARN") == QUEUE
    assert contact.fill("kejadian $.Attributes.incidentId.") == f"kejadian {INCIDENT_ID}."
    assert contact.value("static text") == "static text"
    assert Contact.inbound(None).resolve("$.CustomerEndpoint.Address") is None


def test_the_lambda_event_is_connects_with_the_contact_as_it_is_now() -> None:
    contact = new_contact()
    contact.attributes["backupNumber"] = "none"

    event = contact.lambda_event({"caller": CALLER})

    data = event["Details"]["ContactData"]
    assert event["Name"] == "ContactFlowEvent"
    assert data["ContactId"] == data["InitialContactId"] == CONTACT_ID
    assert data["CustomerEndpoint"] == {"Address": CALLER, "Type": "TELEPHONE_NUMBER"}
    assert data["Attributes"] == {"backupNumber": "none"}
    assert data["Queue"] is None
    assert event["Details"]["Parameters"] == {"caller": CALLER}
    assert Contact.inbound(None).lambda_event({})["Details"]["ContactData"]["CustomerEndpoint"] is None


# -- actions --------------------------------------------------------------------------------------------


def test_a_message_says_its_text_and_ssml_with_pauses_and_takes_time() -> None:
    flow = flow_of(
        action("one", "MessageParticipant", {"Text": "Satu dua tiga empat lima"}, NextAction="two"),
        action(
            "two",
            "MessageParticipant",
            {"SSML": '<speak>Mohon tunggu<break time="5s"/></speak>'},
            NextAction="queue",
        ),
        *queue(),
    )

    outcome = call(flow)

    assert outcome.said[:2] == ["Satu dua tiga empat lima", "Mohon tunggu [pause 5s]"]
    one, two = outcome.steps[:2]
    assert two.at - one.at == pytest.approx(5 / 2.5)  # five words at 2.5 a second
    assert outcome.steps[2].at - two.at == pytest.approx(2 / 2.5 + 5)  # two words and the pause
    assert outcome.end is End.QUEUED


def test_update_attributes_sets_static_and_referenced_values() -> None:
    flow = flow_of(
        action(
            "set",
            "UpdateContactAttributes",
            {
                "TargetContact": "Current",
                "Attributes": {"fixed": "yes", "caller": "$.CustomerEndpoint.Address"},
            },
            NextAction="queue",
            Errors=[{"NextAction": "queue", "ErrorType": "NoMatchingError"}],
        ),
        *queue(),
    )

    outcome = call(flow)

    assert outcome.contact.attributes == {"fixed": "yes", "caller": CALLER}
    assert outcome.steps[0].attributes == {"fixed": "yes", "caller": CALLER}
    # a reference with no value takes the error branch and sets nothing
    withheld = call(flow, contact=Contact.inbound(None))
    assert branches(withheld)[0] == ("set", "error:NoMatchingError")
    assert withheld.contact.attributes == {}
    # as does a failure the world makes
    failed = call(flow, Script(failing={"set": "NoMatchingError"}))
    assert branches(failed)[0] == ("set", "error:NoMatchingError")


def test_a_loop_continues_its_count_then_is_done_then_starts_again() -> None:
    flow = flow_of(
        action("count", "UpdateContactAttributes", {"Attributes": {"x": "1"}}, NextAction="loop"),
        action(
            "loop",
            "Loop",
            {"LoopCount": "2"},
            NextAction="done",
            Conditions=[
                {"NextAction": "again", "Condition": {"Operator": "Equals", "Operands": ["ContinueLooping"]}},
                {"NextAction": "done", "Condition": {"Operator": "Equals", "Operands": ["DoneLooping"]}},
            ],
        ),
        action("again", "MessageParticipant", {"Text": "lagi"}, NextAction="loop"),
        action("done", "MessageParticipant", {"Text": "selesai"}, NextAction="queue"),
        *queue(),
    )

    outcome = call(flow)

    loops = [step.branch for step in outcome.steps if step.action == "loop"]
    assert loops == ["condition:ContinueLooping", "condition:ContinueLooping", "condition:DoneLooping"]
    assert outcome.contact.loops == {}  # reset once done


@pytest.mark.parametrize(
    ("operator", "operand", "value", "holds"),
    [
        ("Equals", "55", "55", True),
        ("Equals", "55", "5", False),
        ("Equals", "55", None, False),
        ("TextStartsWith", "+", "+62333421112", True),
        ("TextStartsWith", "+", "none", False),
        ("TextEndsWith", "12", "+62333421112", True),
        ("TextContains", "3334", "+62333421112", True),
        ("NumberGreaterThan", "2", "3", True),
        ("NumberGreaterThan", "2", "2", False),
        ("NumberGreaterOrEqualTo", "2", "2.0", True),
        ("NumberLessThan", "2", "1.5", True),
        ("NumberLessOrEqualTo", "2", "3", False),
        ("NumberGreaterThan", "2", "banyak", False),
        ("NumberGreaterThan", "2", "NaN", False),
    ],
)
def test_compare_branches_on_the_first_condition_that_holds(
    operator: str, operand: str, value: str | None, holds: bool
) -> None:
    flow = flow_of(
        action(
            "check",
            "Compare",
            {"ComparisonValue": "$.Attributes.value"},
            NextAction="no",
            Conditions=[{"NextAction": "yes", "Condition": {"Operator": operator, "Operands": [operand]}}],
            Errors=[{"NextAction": "no", "ErrorType": "NoMatchingCondition"}],
        ),
        action("yes", "MessageParticipant", {"Text": "ya"}, NextAction="queue"),
        action("no", "MessageParticipant", {"Text": "tidak"}, NextAction="queue"),
        *queue(),
    )
    contact = new_contact()
    if value is not None:
        contact.attributes["value"] = value

    outcome = call(flow, contact=contact)

    assert branches(outcome)[0] == ("check", f"condition:{operand}" if holds else "error:NoMatchingCondition")


def test_a_condition_operator_it_does_not_know_is_an_error() -> None:
    flow = flow_of(
        action(
            "check",
            "Compare",
            {"ComparisonValue": "$.Attributes.value"},
            NextAction="queue",
            Conditions=[{"NextAction": "queue", "Condition": {"Operator": "Matches", "Operands": [".*"]}}],
        ),
        *queue(),
    )
    contact = new_contact()
    contact.attributes["value"] = "x"

    with pytest.raises(FlowError, match="'Matches' is not simulated"):
        call(flow, contact=contact)


def invoke(**parameters: Any) -> list[dict[str, Any]]:
    return [
        action(
            "invoke",
            "InvokeLambdaFunction",
            {
                "LambdaFunctionARN": INTAKE_ARN,
                "InvocationTimeLimitSeconds": "3",
                "LambdaInvocationAttributes": {"caller": "$.CustomerEndpoint.Address"},
                "ResponseValidation": {"ResponseType": "STRING_MAP"},
                **parameters,
            },
            NextAction="keep",
            Errors=[{"NextAction": "queue", "ErrorType": "NoMatchingError"}],
        ),
        action(
            "keep",
            "UpdateContactAttributes",
            {"Attributes": {"incidentId": "$.External.incidentId"}},
            NextAction="queue",
            Errors=[{"NextAction": "queue", "ErrorType": "NoMatchingError"}],
        ),
        *queue(),
    ]


def test_invoke_sends_connects_event_and_keeps_the_answer_as_external() -> None:
    intake = StandInIntake()

    outcome = call(flow_of(*invoke()), functions=intake)

    (event,) = intake.events
    assert event["Details"]["Parameters"] == {"caller": CALLER}
    assert event["Details"]["ContactData"]["ContactId"] == CONTACT_ID
    assert outcome.contact.attributes == {"incidentId": INCIDENT_ID}
    assert branches(outcome)[:2] == [("invoke", "next"), ("keep", "next")]
    assert outcome.steps[1].at - outcome.steps[0].at == pytest.approx(0.1)  # the function's own time


@pytest.mark.parametrize(
    ("intake", "note"),
    [
        (StandInIntake(error="Unhandled: boom"), "failed: Unhandled: boom"),
        (StandInIntake(answer={"incidentId": 42}), "is not a STRING_MAP value"),
        (StandInIntake(answer={"note": "spaces are refused"}), "is not a STRING_MAP value"),
        (StandInIntake(answer=["not", "a", "map"]), "not a JSON object"),
        (StandInIntake(answer={"big": "x" * 40_000}), "32 KB or more"),
    ],
    ids=["error", "number", "space", "list", "large"],
)
def test_a_failed_or_unreadable_answer_takes_the_error_branch(intake: StandInIntake, note: str) -> None:
    outcome = call(flow_of(*invoke()), functions=intake)

    assert branches(outcome)[0] == ("invoke", "error:NoMatchingError")
    assert note in outcome.steps[0].note
    assert outcome.contact.external == {}
    assert outcome.end is End.QUEUED


def test_json_validation_takes_any_object() -> None:
    outcome = call(
        flow_of(*invoke(ResponseValidation={"ResponseType": "JSON"})),
        functions=StandInIntake(answer={"incidentId": 42}),
    )

    assert outcome.contact.attributes == {"incidentId": "42"}


def test_a_simulated_intake_failure_does_not_invoke_it() -> None:
    intake = StandInIntake()

    outcome = call(flow_of(*invoke()), Script(intake="error"), intake)

    assert intake.events == []
    assert branches(outcome)[0] == ("invoke", "error:NoMatchingError")


def test_a_timeout_runs_the_function_waits_the_blocks_limit_and_takes_the_error_branch() -> None:
    intake = StandInIntake()

    outcome = call(flow_of(*invoke()), Script(intake="timeout"), intake)

    assert len(intake.events) == 1  # it ran: a late registration, as Connect's timeout leaves it
    assert branches(outcome)[0] == ("invoke", "error:NoMatchingError")
    assert outcome.steps[1].at == pytest.approx(3.0)
    assert "incidentId" not in outcome.contact.attributes


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"InvocationTimeLimitSeconds": "9"}, "outside 1-8"),
        ({"InvocationTimeLimitSeconds": "soon"}, "not an integer"),
        ({"InvocationType": "ASYNCHRONOUS"}, "only SYNCHRONOUS"),
        ({"LambdaFunctionARN": ""}, "no LambdaFunctionARN"),
    ],
)
def test_an_invocation_connect_would_refuse_is_an_error(parameters: dict[str, Any], message: str) -> None:
    with pytest.raises(FlowError, match=message):
        call(flow_of(*invoke(**parameters)))


def key_prompt(store: bool) -> list[dict[str, Any]]:
    parameters: dict[str, Any] = {
        "Text": "Tekan lima lima",
        "InputTimeLimitSeconds": "4",
        "StoreInput": str(store),
    }
    if store:
        parameters["InputValidation"] = {"CustomValidation": {"MaximumLength": "2"}}
        return [
            action(
                "ask",
                "GetParticipantInput",
                parameters,
                NextAction="check",
                Errors=[{"NextAction": "queue", "ErrorType": "NoMatchingError"}],
            ),
            action(
                "check",
                "Compare",
                {"ComparisonValue": "$.StoredCustomerInput"},
                NextAction="queue",
                Conditions=[{"NextAction": "queue", "Condition": {"Operator": "Equals", "Operands": ["55"]}}],
                Errors=[{"NextAction": "queue", "ErrorType": "NoMatchingCondition"}],
            ),
            *queue(),
        ]
    return [
        action(
            "ask",
            "GetParticipantInput",
            parameters,
            NextAction="queue",
            Conditions=[{"NextAction": "queue", "Condition": {"Operator": "Equals", "Operands": ["5"]}}],
            Errors=[
                {"NextAction": "queue", "ErrorType": "InputTimeLimitExceeded"},
                {"NextAction": "queue", "ErrorType": "NoMatchingCondition"},
                {"NextAction": "queue", "ErrorType": "NoMatchingError"},
            ],
        ),
        *queue(),
    ]


@pytest.mark.parametrize(
    ("pressed", "stored", "check"),
    [
        ("55", "55", "condition:55"),
        ("555", "55", "condition:55"),
        ("5", "5", "error:NoMatchingCondition"),
        (None, "Timeout", "error:NoMatchingCondition"),
    ],
)
def test_stored_input_keeps_the_keys_or_timeout_for_a_compare(
    pressed: str | None, stored: str, check: str
) -> None:
    outcome = call(flow_of(*key_prompt(store=True)), Script(presses=pressed))

    assert outcome.contact.stored_input == stored
    assert branches(outcome)[:2] == [("ask", "next"), ("check", check)]
    assert outcome.said[0] == "Tekan lima lima"
    waited = outcome.steps[1].at - outcome.steps[0].at
    assert waited == pytest.approx(3 / 2.5 + (4 if pressed is None else len(pressed)))


@pytest.mark.parametrize(
    ("pressed", "branch"),
    [
        ("5", "condition:5"),
        ("59", "condition:5"),
        ("1", "error:NoMatchingCondition"),
        (None, "error:InputTimeLimitExceeded"),
    ],
)
def test_a_menu_input_meets_its_conditions_with_the_first_key(pressed: str | None, branch: str) -> None:
    outcome = call(flow_of(*key_prompt(store=False)), Script(presses=pressed))

    assert branches(outcome)[0] == ("ask", branch)


def test_keys_a_phone_cannot_press_are_refused() -> None:
    with pytest.raises(ValueError, match="digits, \\* and # only"):
        Script(presses="5a")


def test_the_queue_takes_the_call_or_is_at_capacity() -> None:
    flow = flow_of(*queue())

    queued = call(flow)
    full = call(flow, Script(queue_full=None))

    assert (queued.end, queued.reached) == (End.QUEUED, QUEUE)
    assert "priority 5" in queued.reason
    assert branches(full)[1] == ("transfer", "error:QueueAtCapacity")
    assert full.end is End.DISCONNECTED  # this little flow hangs up: the runner says so


def test_a_transfer_with_no_working_queue_is_an_error() -> None:
    flow = flow_of(*queue()[1:], start="transfer")

    assert branches(call(flow))[0] == ("transfer", "error:NoMatchingError")


def test_routing_priority_reaches_the_queue() -> None:
    """UpdateContactRoutingBehavior, which a caller's standing will set (issue 12)."""
    flow = flow_of(
        action("first", "UpdateContactRoutingBehavior", {"QueuePriority": "1"}, NextAction="queue"), *queue()
    )

    outcome = call(flow)

    assert outcome.contact.queue_priority == 1
    assert "priority 1" in outcome.reason
    with pytest.raises(FlowError, match="one of them"):
        call(
            flow_of(
                action(
                    "both",
                    "UpdateContactRoutingBehavior",
                    {"QueuePriority": "1", "QueueTimeAdjustmentSeconds": "5"},
                    NextAction="queue",
                ),
                *queue(),
            )
        )


def backup(continue_flow: str = "True") -> list[dict[str, Any]]:
    return [
        action(
            "backup",
            "TransferParticipantToThirdParty",
            {
                "ThirdPartyPhoneNumber": "$.Attributes.backupNumber",
                "ThirdPartyConnectionTimeLimitSeconds": "30",
                "ContinueFlowExecution": continue_flow,
            },
            NextAction="queue",
            Errors=[
                {"NextAction": "held", "ErrorType": "CallFailed"},
                {"NextAction": "held", "ErrorType": "ConnectionTimeLimitExceeded"},
                {"NextAction": "held", "ErrorType": "NoMatchingError"},
            ],
        ),
        action("held", "MessageParticipant", {"Text": "Mohon tunggu"}, NextAction="queue"),
        *queue(),
    ]


@pytest.mark.parametrize(
    ("outcome_", "end", "first"),
    [
        ("talked", End.TRANSFERRED, ("backup", "end")),
        ("returned", End.QUEUED, ("backup", "next")),
        ("CallFailed", End.QUEUED, ("backup", "error:CallFailed")),
        ("ConnectionTimeLimitExceeded", End.QUEUED, ("backup", "error:ConnectionTimeLimitExceeded")),
    ],
)
def test_the_backup_number_answers_or_fails(outcome_: str, end: End, first: tuple[str, str]) -> None:
    contact = new_contact()
    contact.attributes["backupNumber"] = BACKUP_NUMBER

    outcome = call(flow_of(*backup()), Script(backup=outcome_), contact=contact)

    assert outcome.end is end
    assert branches(outcome)[0] == first
    if end is End.TRANSFERRED:
        assert outcome.reached == BACKUP_NUMBER


def test_a_backup_number_that_is_no_number_fails_the_call() -> None:
    contact = new_contact()
    contact.attributes["backupNumber"] = "none"

    assert branches(call(flow_of(*backup()), contact=contact))[0] == ("backup", "error:CallFailed")


def test_without_continue_flow_execution_the_call_ends_with_the_backup() -> None:
    contact = new_contact()
    contact.attributes["backupNumber"] = BACKUP_NUMBER

    assert call(flow_of(*backup("False")), Script(backup="returned"), contact=contact).end is End.TRANSFERRED


def test_the_flow_hanging_up_is_a_disconnect_by_the_flow() -> None:
    outcome = call(
        flow_of(action("greet", "MessageParticipant", {"Text": "Halo"}, NextAction="bye"), hang_up("bye"))
    )

    assert outcome.end is End.DISCONNECTED
    assert outcome.reason == "the flow hung up (DisconnectParticipant)"


def test_an_action_with_nowhere_to_go_ends_the_call() -> None:
    outcome = call(flow_of(action("greet", "MessageParticipant", {"Text": "Halo"})))

    assert outcome.end is End.DISCONNECTED
    assert "no NextAction" in outcome.reason


def test_an_error_with_no_branch_is_a_flow_error() -> None:
    flow = flow_of(
        action(
            "set",
            "UpdateContactAttributes",
            {"Attributes": {"x": "$.Attributes.none"}},
            NextAction="queue",
            Errors=[{"NextAction": "queue", "ErrorType": "Other"}],
        ),
        *queue(),
    )

    with pytest.raises(FlowError, match="set: NoMatchingError has no branch"):
        call(flow)


def test_a_failure_the_action_cannot_have_is_refused() -> None:
    flow = flow_of(*queue())

    with pytest.raises(FlowError, match="queue cannot fail with CallFailed; it can: NoMatchingError"):
        call(flow, Script(failing={"queue": "CallFailed"}))


def test_a_caller_who_hangs_up_ends_the_call_before_that_action() -> None:
    outcome = call(
        flow_of(action("greet", "MessageParticipant", {"Text": "Halo"}, NextAction="queue"), *queue()),
        Script(hang_up_at="queue"),
    )

    assert outcome.end is End.CALLER_HUNG_UP
    assert [step.action for step in outcome.steps] == ["greet"]


def test_a_caller_held_for_ever_is_stopped_by_the_simulation_not_by_the_flow() -> None:
    flow = flow_of(
        action(
            "hold",
            "MessageParticipant",
            {"SSML": '<speak>Tunggu<break time="10s"/></speak>'},
            NextAction="hold",
        )
    )

    outcome = run(flow, new_contact(), Script(), StandInIntake(), Clock(START), limit_seconds=60)

    assert outcome.end is End.STILL_HELD
    assert 60 < outcome.at < 72


def test_the_world_is_asked_only_among_the_ways_the_action_declares() -> None:
    asked: list[Decision] = []

    class Recording(Script):
        def choose(self, decision: Decision) -> str:
            asked.append(decision)
            return super().choose(decision)

    call(
        flow_of(
            action(
                "greet",
                "MessageParticipant",
                {"Text": "Halo"},
                NextAction="queue",
                Errors=[{"NextAction": "queue", "ErrorType": "NoMatchingError"}],
            ),
            *queue(),
        ),
        Recording(),
    )

    assert [(d.kind, d.action.identifier, d.options) for d in asked] == [
        ("fault", "greet", ("ok", "NoMatchingError")),
        ("fault", "queue", ("ok", "NoMatchingError")),
        ("queue", "transfer", ("queued", "QueueAtCapacity", "NoMatchingError")),
    ]
