"""One small handler per flow-language action: what Connect does with its parameters, which branch it
takes, what the caller hears and how long that takes. The facts are Connect's flow-language reference
(docs/connect-flow.md lists them); where the reference is silent, the handler says what it assumes.

`HANDLERS` maps a type to its handler; a type not in it is an UnknownAction, never a skipped step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from local.flow.model import Action, Condition, FlowError
from local.flow.steps import Call, End, Result
from local.flow.world import (
    BACKUP,
    BACKUP_OPTIONS,
    INVOKE,
    INVOKE_OPTIONS,
    KEYS,
    QUEUE,
    QUEUE_OPTIONS,
    QUEUED,
    RETURNED,
    TALKED,
    Decision,
)

Handler = Callable[[Action, Call], Result]

WORDS_PER_SECOND = 2.5  # text-to-speech at a calm pace
KEY_SECONDS = 1.0  # a key pressed, after the prompt
RING_SECONDS = 6.0  # a number that answers rings about this long
STRING_MAP_VALUE = re.compile(r"^[A-Za-z0-9_-]*$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MAX_RESPONSE_BYTES = 32 * 1024
_BREAK = re.compile(r"""<break\s+time=["'](\d+(?:\.\d+)?)(ms|s)["']\s*/>""")
_TAG = re.compile(r"<[^>]+>")


# -- what the caller hears ----------------------------------------------------------------------------


def spoken(parameters: Mapping[str, Any], call: Call) -> tuple[str | None, float]:
    """What a prompt says, as text (SSML's pauses shown, its tags dropped), and how long it takes."""
    if "Text" in parameters:
        text = call.contact.fill(str(parameters["Text"]))
        return text, _speaking(text)
    if "SSML" in parameters:
        ssml = call.contact.fill(str(parameters["SSML"]))
        pauses = sum(float(n) / (1000 if unit == "ms" else 1) for n, unit in _BREAK.findall(ssml))
        text = _TAG.sub("", _BREAK.sub(lambda m: f" [pause {m.group(1)}{m.group(2)}] ", ssml))
        text = " ".join(text.split())
        return text, _speaking(_BREAK.sub("", _TAG.sub("", ssml))) + pauses
    if "PromptId" in parameters:
        return f"[recorded prompt {call.contact.value(parameters['PromptId'])}]", 5.0
    if "Media" in parameters:
        return f"[audio {parameters['Media'].get('Uri', '?')}]", 5.0
    return None, 0.0


def _speaking(text: str) -> float:
    return len(text.split()) / WORDS_PER_SECOND


def _integer(action: Action, name: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise FlowError(f"{action.identifier}: {name} {value!r} is not an integer") from None
    if not low <= number <= high:
        raise FlowError(f"{action.identifier}: {name} {number} is outside {low}-{high}")
    return number


# -- contact and flow control ---------------------------------------------------------------------------


def update_flow_logging(action: Action, call: Call) -> Result:
    behaviour = action.parameters.get("FlowLoggingBehavior")
    if behaviour not in ("Enabled", "Disabled"):
        raise FlowError(f"{action.identifier}: FlowLoggingBehavior {behaviour!r}")
    if (error := call.fault(action)) is not None:
        return call.error(action, error, "flow logs not changed")
    call.contact.logging = behaviour == "Enabled"
    return call.next(action, f"flow logs {behaviour.lower()}")


def update_voice(action: Action, call: Call) -> Result:
    voice = call.contact.value(action.parameters.get("TextToSpeechVoice"))
    engine = call.contact.value(action.parameters.get("TextToSpeechEngine", "Standard"))
    if not voice:
        raise FlowError(f"{action.identifier}: no TextToSpeechVoice")
    if (error := call.fault(action)) is not None:
        return call.error(action, error, "voice not set: Connect's default voice speaks")
    call.contact.voice = (str(voice), str(engine))
    return call.next(action, f"voice {voice} ({engine})")


def update_attributes(action: Action, call: Call) -> Result:
    """Set contact attributes. A reference with no value takes the error branch: the reference does not
    say, and the error branch is the one a flow must survive."""
    if action.parameters.get("TargetContact", "Current") != "Current":
        raise FlowError(f"{action.identifier}: only TargetContact Current is simulated")
    attributes = action.parameters.get("Attributes")
    if not isinstance(attributes, Mapping) or not attributes:
        raise FlowError(f"{action.identifier}: Attributes is a map of names to values")
    if (error := call.fault(action)) is not None:
        return call.error(action, error, "attributes not set")
    values: dict[str, str] = {}
    for name, parameter in attributes.items():
        value = call.contact.value(parameter)
        if value is None:
            return call.error(action, "NoMatchingError", f"{parameter} has no value: nothing set")
        values[str(name)] = value if isinstance(value, str) else json.dumps(value)
    call.contact.attributes.update(values)
    return call.next(action, attributes=values)


def update_routing(action: Action, call: Call) -> Result:
    """UpdateContactRoutingBehavior: a queue priority (1 is first) or a queue time adjustment, static."""
    parameters = action.parameters
    if ("QueuePriority" in parameters) == ("QueueTimeAdjustmentSeconds" in parameters):
        raise FlowError(f"{action.identifier}: QueuePriority or QueueTimeAdjustmentSeconds, one of them")
    if (error := call.fault(action)) is not None:
        return call.error(action, error, "routing not changed")
    if "QueuePriority" in parameters:
        priority = _integer(action, "QueuePriority", parameters["QueuePriority"], 1, 2**31 - 1)
        call.contact.queue_priority = priority
        return call.next(action, f"queue priority {priority}")
    adjustment = _integer(
        action, "QueueTimeAdjustmentSeconds", parameters["QueueTimeAdjustmentSeconds"], -(2**31), 2**31 - 1
    )
    call.contact.queue_time_adjustment = adjustment
    return call.next(action, f"queue time adjusted by {adjustment} s")


def loop(action: Action, call: Call) -> Result:
    """ContinueLooping LoopCount times, then DoneLooping once, then the count starts again."""
    count = _integer(action, "LoopCount", call.contact.value(action.parameters.get("LoopCount")), 0, 100)
    done = call.contact.loops.get(action.identifier, 0)
    if done < count:
        call.contact.loops[action.identifier] = done + 1
        result, note = "ContinueLooping", f"loop {done + 1} of {count}"
    else:
        call.contact.loops.pop(action.identifier, None)
        result, note = "DoneLooping", f"done after {count}"
    for condition in action.conditions:
        if condition.operator == "Equals" and condition.operands == (result,):
            return call.condition(action, condition, note)
    raise FlowError(f"{action.identifier}: a Loop needs a condition for {result}")


def compare(action: Action, call: Call) -> Result:
    reference = action.parameters.get("ComparisonValue")
    if not isinstance(reference, str):
        raise FlowError(f"{action.identifier}: ComparisonValue is one JSONPath reference")
    value = call.contact.resolve(reference)
    for condition in action.conditions:
        if holds(condition, value, action):
            return call.condition(action, condition, f"{reference} = {value!r}")
    return call.error(action, "NoMatchingCondition", f"{reference} = {value!r} matches no condition")


def holds(condition: Condition, value: Any, action: Action) -> bool:
    """A condition on a value (None: no value, which meets none)."""
    operator, operands = condition.operator, condition.operands
    text = None if value is None else str(value)
    match operator:
        case "Equals":
            return text is not None and operands == (text,)
        case "TextStartsWith" | "TextEndsWith" | "TextContains":
            if text is None or len(operands) != 1:
                return False
            return {
                "TextStartsWith": text.startswith(operands[0]),
                "TextEndsWith": text.endswith(operands[0]),
                "TextContains": operands[0] in text,
            }[operator]
        case "NumberGreaterThan" | "NumberLessThan" | "NumberGreaterOrEqualTo" | "NumberLessOrEqualTo":
            left, right = _number(text), _number(operands[0] if len(operands) == 1 else None)
            if left is None or right is None:
                return False
            return {
                "NumberGreaterThan": left > right,
                "NumberLessThan": left < right,
                "NumberGreaterOrEqualTo": left >= right,
                "NumberLessOrEqualTo": left <= right,
            }[operator]
    raise FlowError(f"{action.identifier}: condition operator {operator!r} is not simulated")


def _number(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# -- what the caller meets ------------------------------------------------------------------------------


def message(action: Action, call: Call) -> Result:
    if (error := call.fault(action)) is not None:
        return call.error(action, error, "the message could not be played")
    said, seconds = spoken(action.parameters, call)
    if said is None:
        raise FlowError(f"{action.identifier}: a message needs Text, SSML, PromptId or Media")
    call.clock.advance(seconds)
    return call.next(action, said=said)


def get_input(action: Action, call: Call) -> Result:
    """GetParticipantInput: say the prompt and wait for keys. StoreInput True keeps what was pressed in
    $.StoredCustomerInput (`Timeout` when nothing was) and goes on; otherwise the first key meets the
    conditions (Equals, one key each)."""
    parameters = action.parameters
    store = str(parameters.get("StoreInput", "False")).lower() == "true"
    # The reference names it InputTimeoutSeconds in one version, InputTimeLimitSeconds in another.
    given = parameters.get("InputTimeLimitSeconds", parameters.get("InputTimeoutSeconds", 5))
    limit = _integer(action, "InputTimeLimitSeconds", given, 1, 180)
    if store and "PhoneNumberValidation" in parameters.get("InputValidation", {}):
        raise FlowError(f"{action.identifier}: PhoneNumberValidation is not simulated")
    if (error := call.fault(action)) is not None:
        return call.error(action, error, "no input gathered")
    said, seconds = spoken(parameters, call)
    menu = tuple(operand for condition in action.conditions for operand in condition.operands[:1])
    expected = _stored_inputs(call) if store else menu
    keys = call.world.keys(action, expected)
    if keys is not None and (not keys or set(keys) - set(KEYS)):
        raise FlowError(f"{action.identifier}: a caller presses digits, * and #, not {keys!r}")
    call.clock.advance(seconds + (limit if keys is None else KEY_SECONDS * len(keys)))
    if store:
        maximum = parameters.get("InputValidation", {}).get("CustomValidation", {}).get("MaximumLength")
        length = _integer(action, "MaximumLength", maximum, 1, 1024) if maximum is not None else None
        kept = "Timeout" if keys is None else keys[:length]
        call.contact.stored_input = kept
        note = f"pressed {keys}: stored {kept}" if keys else f"nothing pressed in {limit} s: stored Timeout"
        return call.next(action, note, said=said)
    if keys is None:
        return call.error(action, "InputTimeLimitExceeded", f"nothing pressed in {limit} s", said=said)
    for condition in action.conditions:
        if condition.operator == "Equals" and condition.operands == (keys[0],):
            return call.condition(action, condition, f"pressed {keys[0]}", said=said)
    return call.error(action, "NoMatchingCondition", f"pressed {keys[0]}", said=said)


def _stored_inputs(call: Call) -> tuple[str, ...]:
    """The stored inputs the flow tells apart: the operands of every Compare on $.StoredCustomerInput."""
    return tuple(
        operand
        for action in call.flow.of_type("Compare")
        if action.parameters.get("ComparisonValue") == "$.StoredCustomerInput"
        for condition in action.conditions
        for operand in condition.operands
    )


def invoke_lambda(action: Action, call: Call) -> Result:
    """InvokeLambdaFunction, synchronous: Connect's event with the block's parameters; the answer, if it
    comes within InvocationTimeLimitSeconds and passes ResponseValidation, becomes $.External. A
    timeout is the error branch, though the function may still finish its work (a late registration)."""
    parameters = action.parameters
    arn = call.contact.value(parameters.get("LambdaFunctionARN"))
    given = parameters.get("InvocationTimeLimitSeconds", 8)
    limit = _integer(action, "InvocationTimeLimitSeconds", given, 1, 8)
    if parameters.get("InvocationType", "SYNCHRONOUS") != "SYNCHRONOUS":
        raise FlowError(f"{action.identifier}: only SYNCHRONOUS invocations are simulated")
    validation = parameters.get("ResponseValidation", {}).get("ResponseType", "STRING_MAP")
    if not isinstance(arn, str) or not arn:
        raise FlowError(f"{action.identifier}: no LambdaFunctionARN")
    inputs = {
        str(name): str(value)
        for name, parameter in parameters.get("LambdaInvocationAttributes", {}).items()
        if (value := call.contact.value(parameter)) is not None
    }
    outcome = call.world.choose(Decision(INVOKE, action, INVOKE_OPTIONS))
    name = arn.rsplit(":function:", 1)[-1]
    if outcome == "error":
        call.contact.external = {}
        call.clock.advance(0.1)
        return call.error(action, "NoMatchingError", f"{name} failed (simulated): not invoked")
    invoked = call.functions.invoke(arn, call.contact.lambda_event(inputs), limit)
    if outcome == "timeout":
        call.contact.external = {}
        call.clock.advance(limit)
        late = f"{name} answered after the block's {limit} s (simulated): answer ignored"
        return call.error(action, "NoMatchingError", late)
    call.clock.advance(min(invoked.seconds, limit))
    slow = f"; took {invoked.seconds:.1f} s, over the block's {limit} s" if invoked.seconds > limit else ""
    if invoked.error is not None:
        call.contact.external = {}
        return call.error(action, "NoMatchingError", f"{name} failed: {invoked.error}{slow}")
    problem = _invalid_response(invoked.payload, validation)
    if problem:
        call.contact.external = {}
        return call.error(action, "NoMatchingError", f"{name} answered, but {problem}{slow}")
    call.contact.external = dict(invoked.payload)
    answer = ", ".join(f"{k}={v}" for k, v in invoked.payload.items())
    return call.next(action, f"{name} → {answer}{slow}")


def _invalid_response(payload: Any, validation: str) -> str | None:
    if not isinstance(payload, Mapping):
        return "its answer is not a JSON object"
    if len(json.dumps(payload).encode("utf-8")) >= MAX_RESPONSE_BYTES:
        return "its answer is 32 KB or more"
    if validation == "STRING_MAP":
        for key, value in payload.items():
            if not isinstance(value, str) or not STRING_MAP_VALUE.match(value):
                return f"{key}={value!r} is not a STRING_MAP value (letters, digits, - and _)"
    elif validation != "JSON":
        raise FlowError(f"ResponseType {validation!r}")
    return None


def set_queue(action: Action, call: Call) -> Result:
    if "QueueId" not in action.parameters:
        raise FlowError(f"{action.identifier}: only a QueueId is simulated (not an agent)")
    queue = call.contact.value(action.parameters["QueueId"])
    if (error := call.fault(action)) is not None:
        return call.error(action, error, "the queue could not be set")
    if not queue:
        return call.error(action, "NoMatchingError", f"{action.parameters['QueueId']} has no value")
    call.contact.queue_arn = str(queue)
    return call.next(action, f"working queue {str(queue).rsplit('/', 1)[-1]}")


def transfer_to_queue(action: Action, call: Call) -> Result:
    queue = call.contact.queue_arn
    if queue is None:
        return call.error(action, "NoMatchingError", "no working queue set")
    outcome = call.world.choose(Decision(QUEUE, action, QUEUE_OPTIONS))
    name = queue.rsplit("/", 1)[-1]
    if outcome != QUEUED:
        return call.error(action, outcome, f"queue {name}: {outcome}")
    priority = call.contact.queue_priority
    return call.ended(action, End.QUEUED, f"in queue {name}, priority {priority}", reached=queue)


def transfer_to_number(action: Action, call: Call) -> Result:
    """TransferParticipantToThirdParty: ring the number for up to its time limit. With
    ContinueFlowExecution the caller comes back to the flow when the other person hangs up first."""
    parameters = action.parameters
    number = call.contact.value(parameters.get("ThirdPartyPhoneNumber"))
    given = parameters.get("ThirdPartyConnectionTimeLimitSeconds", 30)
    ring = _integer(action, "ThirdPartyConnectionTimeLimitSeconds", given, 1, 600)
    back = str(parameters.get("ContinueFlowExecution", "False")).lower() == "true"
    if not isinstance(number, str) or not E164.match(number):
        call.clock.advance(1)
        return call.error(action, "CallFailed", f"{number!r} is not a number to call")
    outcome = call.world.choose(Decision(BACKUP, action, BACKUP_OPTIONS))
    if outcome == TALKED or (outcome == RETURNED and not back):
        call.clock.advance(RING_SECONDS)
        talks = f"{number} answered: the caller talks to them"
        return call.ended(action, End.TRANSFERRED, talks, reached=number)
    if outcome == RETURNED:
        call.clock.advance(RING_SECONDS)
        return call.next(action, f"{number} answered, then hung up with the caller still there")
    call.clock.advance(ring if outcome == "ConnectionTimeLimitExceeded" else 2)
    return call.error(action, outcome, f"{number}: {outcome}")


def disconnect(action: Action, call: Call) -> Result:
    return call.ended(action, End.DISCONNECTED, "the flow hung up (DisconnectParticipant)")


def end_flow(action: Action, call: Call) -> Result:
    return call.ended(action, End.DISCONNECTED, "the flow ended (EndFlowExecution) with no queue or transfer")


HANDLERS: Mapping[str, Handler] = {
    "UpdateFlowLoggingBehavior": update_flow_logging,
    "UpdateContactTextToSpeechVoice": update_voice,
    "UpdateContactAttributes": update_attributes,
    "UpdateContactRoutingBehavior": update_routing,
    "Loop": loop,
    "Compare": compare,
    "MessageParticipant": message,
    "GetParticipantInput": get_input,
    "InvokeLambdaFunction": invoke_lambda,
    "UpdateContactTargetQueue": set_queue,
    "TransferContactToQueue": transfer_to_queue,
    "TransferParticipantToThirdParty": transfer_to_number,
    "DisconnectParticipant": disconnect,
    "EndFlowExecution": end_flow,
}
