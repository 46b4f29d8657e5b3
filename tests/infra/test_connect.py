"""The 112 contact flow (infra/flows/emergency-112.json) and Amazon Connect in the stack.

The flow must be valid Flow language, and every caller must end with a human: whatever fails (the
intake function, an attribute update, a message, the queue itself), the call goes on towards the
operators' queue, or to the backup number when one is set. The flow never hangs up; every retry waits
behind a message, and retrying the queue is bounded before the backup path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.connect import DAYS
from infra.contact_flow import (
    ALL_BUSY,
    BUSY,
    CANNOT_SPEAK,
    CANNOT_SPEAK_KEYS,
    CANNOT_SPEAK_NOTED,
    CONNECT_DEFAULT_QUEUE_PRIORITY,
    CONNECT_VOICE,
    CONNECT_VOICE_ENGINE,
    FALLBACK,
    FLOW_PATH,
    GREETING,
    HOLD,
    NO_BACKUP_NUMBER,
    WARNING,
)
from intake.connect import CANNOT_SPEAK as CANNOT_SPEAK_EVENT
from tests.infra.conftest import INSTANCE_ARN, PHONE_NUMBER_ARN, synthesize
from tests.infra.helpers import Synthesized, get_att, ref

FLOW_TEXT = FLOW_PATH.read_text(encoding="utf-8")
FLOW: dict[str, Any] = json.loads(FLOW_TEXT)
ACTIONS: dict[str, dict[str, Any]] = {a["Identifier"]: a for a in FLOW["Actions"]}
FORBIDDEN = set("%:()\\/=$,;[]{}")
PLACEHOLDERS = {
    "IntakeFunctionArn",
    "OperatorsQueueArn",
    "InvocationTimeLimitSeconds",
    "VoiceId",
    "VoiceEngine",
    "BackupNumber",
    "QueueAttempts",
    "BackupRingSeconds",
    "GreetingText",
    "BusyText",
    "AllBusyText",
    "FallbackText",
    "HoldText",
    "CannotSpeakWaitSeconds",
    "CannotSpeakText",
    "CannotSpeakNotedText",
    "WarningText",
    "DemotedQueuePriority",
}
PROMPTS = {
    "GreetingText",
    "BusyText",
    "AllBusyText",
    "FallbackText",
    "HoldText",
    "CannotSpeakText",
    "CannotSpeakNotedText",
    "WarningText",
}
DIGIT_WORDS = {
    "0": "nol",
    "1": "satu",
    "2": "dua",
    "3": "tiga",
    "4": "empat",
    "5": "lima",
    "6": "enam",
    "7": "tujuh",
    "8": "delapan",
    "9": "sembilan",
}
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
HUMAN = "TransferContactToQueue"
BACKUP = "TransferParticipantToThirdParty"
MESSAGE = "MessageParticipant"
BACKUP_NUMBER = "+62333421112"


def transitions(action: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(kind, target) for each way out of an action: next, an error type or a condition."""
    out = action.get("Transitions", {})
    if "NextAction" in out:
        yield "next", out["NextAction"]
    for error in out.get("Errors", []):
        yield f"error:{error.get('ErrorType')}", error["NextAction"]
    for condition in out.get("Conditions", []):
        yield f"condition:{','.join(condition['Condition']['Operands'])}", condition["NextAction"]


def reachable(start: str, avoiding: frozenset[str] = frozenset()) -> set[str]:
    """Actions reachable from `start` (itself included) without passing any of `avoiding`."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        current = todo.pop()
        if current in seen or current in avoiding:
            continue
        seen.add(current)
        todo.extend(target for _, target in transitions(ACTIONS[current]))
    return seen


def successors(identifier: str) -> set[str]:
    return {target for _, target in transitions(ACTIONS[identifier])}


def of_type(type_: str) -> set[str]:
    return {identifier for identifier, a in ACTIONS.items() if a["Type"] == type_}


def only(type_: str) -> str:
    (identifier,) = of_type(type_)
    return identifier


def target(identifier: str, kind: str) -> str:
    (found,) = [to for k, to in transitions(ACTIONS[identifier]) if k == kind]
    return found


# -- the flow file ---------------------------------------------------------------------------------------


def test_flow_header() -> None:
    assert FLOW["Version"] == "2019-10-30"
    assert FLOW["StartAction"] in ACTIONS
    assert 0 < len(FLOW["Actions"]) <= 250


def test_identifiers_are_unique_and_valid() -> None:
    identifiers = [a["Identifier"] for a in FLOW["Actions"]]
    assert len(identifiers) == len(set(identifiers))
    for identifier in identifiers:
        assert 0 < len(identifier) <= 50, identifier
        assert not FORBIDDEN & set(identifier), identifier


def test_every_transition_leads_to_an_action() -> None:
    for identifier, action in ACTIONS.items():
        for kind, to in transitions(action):
            assert to in ACTIONS, f"{identifier} --{kind}--> {to}: no such action"
        assert "NextAction" in action.get("Transitions", {}), f"{identifier} has no NextAction"


def test_every_action_is_reachable_from_the_start() -> None:
    assert reachable(FLOW["StartAction"]) == set(ACTIONS)


def test_lambda_invocations_are_synchronous_validated_and_time_limited() -> None:
    invocations = of_type("InvokeLambdaFunction")
    assert invocations == {"register-incident", "flag-cannot-speak"}
    # The first answer may carry a major incident's message (words: JSON, decision 59); the key's answer
    # is letters, digits, - and _ only.
    validation = {"register-incident": "JSON", "flag-cannot-speak": "STRING_MAP"}
    for identifier in invocations:
        params = ACTIONS[identifier]["Parameters"]
        assert params["ResponseValidation"] == {"ResponseType": validation[identifier]}, identifier
        assert params["InvocationTimeLimitSeconds"] == "${InvocationTimeLimitSeconds}", identifier
        assert params["LambdaFunctionARN"] == "${IntakeFunctionArn}", identifier
        assert params["InvocationType"] == "SYNCHRONOUS", identifier
        assert params["LambdaInvocationAttributes"]["caller"] == "$.CustomerEndpoint.Address", identifier
    # the intake's failure must not keep the caller from the key, nor from a human
    assert [to for kind, to in transitions(ACTIONS["register-incident"]) if kind.startswith("error:")] == [
        "offer-cannot-speak-key"
    ]


def test_the_cannot_speak_key_is_offered_after_registration_and_before_the_queue() -> None:
    offer = ACTIONS["offer-cannot-speak-key"]
    assert offer["Type"] == "GetParticipantInput"
    # Said inside the input action: Connect hears no key pressed while a separate message plays.
    assert offer["Parameters"] == {
        "Text": "${CannotSpeakText}",
        "InputTimeLimitSeconds": "${CannotSpeakWaitSeconds}",
        "StoreInput": "True",
        "InputValidation": {"CustomValidation": {"MaximumLength": str(len(CANNOT_SPEAK_KEYS))}},
    }
    assert successors("register-incident") == {"keep-incident-id", "offer-cannot-speak-key"}
    assert successors("keep-incident-id") == {"major-incident-declared"}
    assert successors("major-incident-declared") == {"keep-major-incident-message", "offer-cannot-speak-key"}
    assert successors("keep-major-incident-message") == {"offer-cannot-speak-key"}
    queue = "set-operators-queue"
    assert queue not in reachable(FLOW["StartAction"], avoiding=frozenset({"offer-cannot-speak-key"}))
    # whatever the caller does (nothing, a wrong key, a failure), a major incident's message, the
    # standing's branch and then the queue come next: the key is offered before any of them, to every
    # caller alike
    assert "caller-standing" not in reachable(
        FLOW["StartAction"], avoiding=frozenset({"offer-cannot-speak-key"})
    )
    after = "major-incident"
    assert after not in reachable(FLOW["StartAction"], avoiding=frozenset({"offer-cannot-speak-key"}))
    assert target("offer-cannot-speak-key", "error:NoMatchingError") == after
    check = ACTIONS[target("offer-cannot-speak-key", "next")]
    assert check["Type"] == "Compare"
    assert check["Parameters"] == {"ComparisonValue": "$.StoredCustomerInput"}
    assert [c["Condition"] for c in check["Transitions"]["Conditions"]] == [
        {"Operator": "Equals", "Operands": [CANNOT_SPEAK_KEYS]}
    ]
    assert check["Transitions"]["NextAction"] == after
    assert check["Transitions"]["Errors"] == [{"NextAction": after, "ErrorType": "NoMatchingCondition"}]
    # the prompt names the keys as words a caller hears
    assert " ".join(DIGIT_WORDS[d] for d in CANNOT_SPEAK_KEYS) in CANNOT_SPEAK


def test_the_pressed_key_is_kept_on_the_contact_and_flags_the_incident() -> None:
    note = ACTIONS[target("pressed-cannot-speak-key", f"condition:{CANNOT_SPEAK_KEYS}")]
    assert note["Type"] == "UpdateContactAttributes"
    assert note["Parameters"] == {"TargetContact": "Current", "Attributes": {"cannotSpeak": "true"}}
    assert successors(note["Identifier"]) == {"flag-cannot-speak"}
    flag = ACTIONS["flag-cannot-speak"]
    assert flag["Parameters"]["LambdaInvocationAttributes"]["event"] == CANNOT_SPEAK_EVENT
    noted = ACTIONS[target("flag-cannot-speak", "next")]
    assert successors("flag-cannot-speak") == {noted["Identifier"]}  # a failed flag says the same
    assert noted["Parameters"] == {"Text": "${CannotSpeakNotedText}"}
    assert successors(noted["Identifier"]) == {"major-incident"}


def test_the_flow_never_hangs_up() -> None:
    assert of_type("DisconnectParticipant") == set()
    assert of_type("EndFlowExecution") == set()


def test_every_caller_reaches_a_human() -> None:
    """From every action, whatever happens, the operators' queue is still ahead."""
    humans = of_type(HUMAN)
    assert humans, "no TransferContactToQueue"
    for identifier in ACTIONS:
        assert humans & reachable(identifier), f"{identifier} never leads to the operators' queue"


def test_no_loop_without_a_message() -> None:
    """Every retry waits behind something the caller hears: without the messages the flow has no cycle,
    so it can never spin (and Connect never cuts a looping contact off)."""
    messages = frozenset(of_type(MESSAGE))
    for identifier in set(ACTIONS) - messages:
        for successor in successors(identifier) - messages:
            assert identifier not in reachable(successor, avoiding=messages), (
                f"{identifier} loops back to itself without a message"
            )


def test_retrying_the_queue_is_bounded_and_then_tries_the_backup() -> None:
    transfer = only(HUMAN)
    (loop,) = of_type("Loop")
    # Around the queue, only the Loop's ContinueLooping leads back to it: the queue is tried a bounded
    # number of times before anything else happens.
    assert transfer not in reachable(
        target(transfer, "next"), avoiding=frozenset({loop, "has-backup-number"})
    )
    assert target(loop, "condition:ContinueLooping") == transfer
    assert ACTIONS[loop]["Parameters"] == {"LoopCount": "${QueueAttempts}"}
    done = target(loop, "condition:DoneLooping")
    assert target(loop, "next") == done
    assert ACTIONS[done]["Type"] == MESSAGE
    assert successors(done) == {"has-backup-number"}
    # each try waits behind the busy message (its SSML ends with a pause) before the Loop counts it
    busy = target(transfer, "next")
    assert ACTIONS[busy]["Type"] == MESSAGE
    assert successors(busy) == {loop}


def test_queue_failures_go_to_the_busy_message() -> None:
    transfer = ACTIONS[only(HUMAN)]
    busy = target(only(HUMAN), "next")
    assert ACTIONS[busy]["Type"] == MESSAGE
    assert ACTIONS[busy]["Parameters"]["SSML"].startswith("<speak>${BusyText}<break time=")
    errors = {kind: to for kind, to in transitions(transfer) if kind.startswith("error:")}
    assert errors == {"error:QueueAtCapacity": busy, "error:NoMatchingError": busy}


def test_a_missing_queue_tells_the_caller_and_tries_the_backup() -> None:
    advice = target("set-operators-queue", "error:NoMatchingError")
    assert ACTIONS[advice]["Parameters"] == {"Text": "${FallbackText}"}
    assert successors(advice) == {"has-backup-number"}


def test_the_backup_number_is_called_only_when_one_is_configured() -> None:
    check = ACTIONS["has-backup-number"]
    assert check["Type"] == "Compare"
    assert check["Parameters"] == {"ComparisonValue": "$.Attributes.backupNumber"}
    backup = only(BACKUP)
    assert [(c["Condition"], c["NextAction"]) for c in check["Transitions"]["Conditions"]] == [
        ({"Operator": "TextStartsWith", "Operands": ["+"]}, backup)
    ]
    # Without one (the attribute holds NO_BACKUP_NUMBER), the caller is held and the queue tried again.
    no_backup = target("has-backup-number", "error:NoMatchingCondition")
    assert target("has-backup-number", "next") == no_backup
    assert ACTIONS[no_backup]["Type"] == MESSAGE
    assert successors(no_backup) == {"set-operators-queue"}
    assert not NO_BACKUP_NUMBER.startswith("+")
    # The attribute is set before anything can fail, from the deploy-time placeholder.
    remember = ACTIONS["remember-backup-number"]
    assert remember["Parameters"]["Attributes"] == {"backupNumber": "${BackupNumber}"}
    assert "remember-backup-number" in reachable(FLOW["StartAction"], avoiding=frozenset({"greet"}))


def test_the_backup_transfer_comes_back_to_the_queue_whatever_happens() -> None:
    backup = ACTIONS[only(BACKUP)]
    assert backup["Parameters"] == {
        "ThirdPartyPhoneNumber": "$.Attributes.backupNumber",
        "ThirdPartyConnectionTimeLimitSeconds": "${BackupRingSeconds}",
        "ContinueFlowExecution": "True",
    }
    outcomes = dict(transitions(backup))
    assert set(outcomes) == {
        "next",
        "error:CallFailed",
        "error:ConnectionTimeLimitExceeded",
        "error:NoMatchingError",
    }
    # the backup hung up with the caller still there: back to the queue; it failed: hold, then the queue
    assert outcomes["next"] == "set-operators-queue"
    for kind in ("error:CallFailed", "error:ConnectionTimeLimitExceeded", "error:NoMatchingError"):
        assert ACTIONS[outcomes[kind]]["Type"] == MESSAGE, kind
        assert successors(outcomes[kind]) == {"set-operators-queue"}, kind


def test_the_voice_is_set_before_anything_is_said() -> None:
    voice = only("UpdateContactTextToSpeechVoice")
    assert ACTIONS[voice]["Parameters"] == {
        "TextToSpeechVoice": "${VoiceId}",
        "TextToSpeechEngine": "${VoiceEngine}",
    }
    said_before = of_type(MESSAGE) & reachable(FLOW["StartAction"], avoiding=frozenset({voice}))
    assert said_before == set(), f"spoken with Connect's default English voice: {said_before}"
    assert successors(voice) == {"remember-backup-number"}  # a failure to set it still goes on


# -- the caller's standing (core.standing): a warning, a lower priority, and always the queue -------------


def test_a_major_incident_is_played_from_the_attribute_to_every_caller_then_the_standing() -> None:
    """The intake's first answer says whether one is active; the message is kept on the contact (the key's
    invocation replaces $.External) and played after the key, before the standing's branch, whatever
    happens (decision 59)."""
    declared = ACTIONS["major-incident-declared"]
    assert declared["Parameters"] == {"ComparisonValue": "$.External.majorIncident"}
    assert target("major-incident-declared", "condition:true") == "keep-major-incident-message"
    keep = ACTIONS["keep-major-incident-message"]["Parameters"]["Attributes"]
    assert keep == {"majorIncident": "true", "majorIncidentMessage": "$.External.majorIncidentMessage"}
    check = ACTIONS["major-incident"]
    assert check["Parameters"] == {"ComparisonValue": "$.Attributes.majorIncident"}
    assert target("major-incident", "condition:true") == "play-major-incident"
    assert target("major-incident", "next") == "caller-standing"
    assert target("major-incident", "error:NoMatchingCondition") == "caller-standing"
    play = ACTIONS["play-major-incident"]
    assert play["Type"] == MESSAGE
    assert play["Parameters"] == {"Text": "$.Attributes.majorIncidentMessage"}
    assert successors("play-major-incident") == {"caller-standing"}  # played or not, on to the queue
    assert "play-major-incident" not in reachable(
        FLOW["StartAction"], avoiding=frozenset({"offer-cannot-speak-key"})
    )


def path_of(standing: str, start: str = "caller-standing") -> list[str]:
    """The actions a call goes through from `start` to the queue when the intake answered `standing` and
    nothing fails: a Compare takes the condition its value meets, every other action its next."""
    path = [start]
    while ACTIONS[path[-1]]["Type"] != HUMAN:
        action = ACTIONS[path[-1]]
        following = action["Transitions"]["NextAction"]
        if (
            action["Type"] == "Compare"
            and action["Parameters"]["ComparisonValue"] == "$.Attributes.callerStanding"
        ):
            met = [
                c["NextAction"]
                for c in action["Transitions"]["Conditions"]
                if c["Condition"] == {"Operator": "Equals", "Operands": [standing]}
            ]
            following = met[0] if met else target(path[-1], "error:NoMatchingCondition")
        assert following not in path, f"{standing}: a loop at {following}"
        path.append(following)
    return path


def test_the_standing_is_the_intakes_first_answer_kept_on_the_contact() -> None:
    check = ACTIONS["caller-standing"]
    assert check["Type"] == "Compare"
    # The contact attribute, not $.External: the cannot-speak key's second invocation replaces $.External
    # before the branch. Only the first invocation's answer sets it; an intake that failed set nothing, and
    # the Compare then meets no condition: straight to the queue.
    assert check["Parameters"] == {"ComparisonValue": "$.Attributes.callerStanding"}
    assert target("register-incident", "next") == "keep-incident-id"
    keep = ACTIONS["keep-incident-id"]["Parameters"]["Attributes"]
    assert keep["callerStanding"] == "$.External.callerStanding"
    assert keep["recentPranks"] == "$.External.recentPranks"
    setting = {
        identifier
        for identifier in of_type("UpdateContactAttributes")
        if "callerStanding" in ACTIONS[identifier]["Parameters"]["Attributes"]
    }
    assert setting == {"keep-incident-id"}
    # the key is offered first: no warning and no lower priority before it
    assert {"caller-standing", "warn-caller", "lower-priority"}.isdisjoint(
        reachable(FLOW["StartAction"], avoiding=frozenset({"offer-cannot-speak-key"}))
    )


@pytest.mark.parametrize(
    ("standing", "warned", "lowered"),
    [("NORMAL", False, False), ("WARNED", True, False), ("DEMOTED", True, True), ("", False, False)],
)
def test_each_standings_path_ends_in_the_queue(standing: str, warned: bool, lowered: bool) -> None:
    path = path_of(standing)
    assert ACTIONS[path[-1]]["Type"] == HUMAN
    assert "set-operators-queue" in path
    assert ("warn-caller" in path) is warned
    assert ("lower-priority" in path) is lowered
    assert not {"DisconnectParticipant", "EndFlowExecution", BACKUP} & {ACTIONS[a]["Type"] for a in path}


def test_a_demoted_call_is_queued_at_a_lower_priority_never_elsewhere() -> None:
    lower = ACTIONS["lower-priority"]
    assert lower["Type"] == "UpdateContactRoutingBehavior"
    assert lower["Parameters"] == {"QueuePriority": "${DemotedQueuePriority}"}  # static, as Connect requires
    assert successors("lower-priority") == {"warn-caller"}
    assert of_type("UpdateContactRoutingBehavior") == {"lower-priority"}
    # the only queue a demoted call is set to is the operators' own
    assert of_type("UpdateContactTargetQueue") == {"set-operators-queue"}


def test_the_warning_is_a_message_then_the_queue_whatever_happens() -> None:
    warn = ACTIONS["warn-caller"]
    assert warn["Type"] == MESSAGE
    assert warn["Parameters"] == {"Text": "${WarningText}"}
    assert successors("warn-caller") == {"set-operators-queue"}


def test_the_warning_says_the_call_is_recorded_and_a_false_report_an_offence() -> None:
    assert "direkam" in WARNING
    assert "pelanggaran" in WARNING
    assert "tetap di saluran" in WARNING  # someone in real danger is told to stay


def test_only_known_placeholders() -> None:
    assert set(PLACEHOLDER.findall(FLOW_TEXT)) == PLACEHOLDERS


@pytest.mark.parametrize(
    "text", [GREETING, BUSY, ALL_BUSY, FALLBACK, HOLD, CANNOT_SPEAK, CANNOT_SPEAK_NOTED, WARNING]
)
def test_prompts_spell_numbers_out_and_are_safe_in_ssml(text: str) -> None:
    """A voice of another language reads digits in its own language ("one hundred twelve"): the prompts
    write numbers as the words a caller expects ("satu satu dua")."""
    assert not re.search(r"\d", text), text
    assert not set('<>&"\\') & set(text), text


# -- in the stack ----------------------------------------------------------------------------------------


def flow(config: Synthesized) -> tuple[str, dict[str, Any]]:
    content = config.props(config.only("AWS::Connect::ContactFlow"))["Content"]
    assert set(content) == {"Fn::Sub"}
    text, variables = content["Fn::Sub"]
    return text, variables


def intake_target(config: Synthesized) -> Any:
    """What Connect invokes: the function in dev, its `live` alias with provisioned concurrency in prod."""
    function = config.function("intake-connect")
    if config.stage == "dev":
        config.assertions.resource_count_is("AWS::Lambda::Alias", 0)
        return get_att(function, "Arn")
    alias = config.only("AWS::Lambda::Alias")
    props = config.props(alias)
    assert props["FunctionName"] == ref(function)
    assert props["Name"] == "live"
    assert props["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": 1}
    return ref(alias)


def instance_arn(config: Synthesized) -> Any:
    if config.name == "full":
        config.assertions.resource_count_is("AWS::Connect::Instance", 0)
        return INSTANCE_ARN
    return get_att(config.only("AWS::Connect::Instance"), "Arn")


def test_flow_is_the_committed_file_with_every_placeholder_filled(config: Synthesized) -> None:
    text, variables = flow(config)
    assert text == FLOW_TEXT
    assert set(variables) == PLACEHOLDERS
    assert variables["IntakeFunctionArn"] == intake_target(config)
    assert variables["OperatorsQueueArn"] == get_att(config.only("AWS::Connect::Queue"), "QueueArn")
    assert 1 <= int(variables["InvocationTimeLimitSeconds"]) <= 8  # Connect's limit
    assert 1 <= int(variables["QueueAttempts"]) <= 100  # the Loop action's limit
    assert 10 <= int(variables["BackupRingSeconds"]) <= 600  # the transfer's limit
    assert 1 <= int(variables["CannotSpeakWaitSeconds"]) <= 8  # a few seconds more before the queue
    assert (variables["VoiceId"], variables["VoiceEngine"]) == (CONNECT_VOICE, CONNECT_VOICE_ENGINE)
    assert variables["BackupNumber"] == NO_BACKUP_NUMBER  # none configured in these configurations
    assert int(variables["DemotedQueuePriority"]) > CONNECT_DEFAULT_QUEUE_PRIORITY  # routed after the others
    for name in PROMPTS:
        value = variables[name]
        assert name != "WarningText" or value == WARNING
        assert isinstance(value, str), name
        assert value.strip(), name
        assert not {'"', "\\"} & set(value), f"{name} would break the flow's JSON"
    filled = PLACEHOLDER.sub(lambda m: "X" if m.group(1) in PLACEHOLDERS else m.group(0), text)
    json.loads(filled)


def test_a_configured_backup_number_and_voice_reach_the_flow(tmp_path: Path) -> None:
    configured = synthesize(
        "backup",
        {"connectBackupNumber": BACKUP_NUMBER, "connectVoice": "Lucia", "connectVoiceEngine": "Standard"},
        tmp_path,
    )
    _, variables = flow(configured)
    assert variables["BackupNumber"] == BACKUP_NUMBER
    assert BACKUP_NUMBER.startswith("+")  # what has-backup-number looks for
    assert (variables["VoiceId"], variables["VoiceEngine"]) == ("Lucia", "Standard")


def test_flow_is_active_in_the_instance(config: Synthesized) -> None:
    props = config.props(config.only("AWS::Connect::ContactFlow"))
    assert props["InstanceArn"] == instance_arn(config)
    assert props["Type"] == "CONTACT_FLOW"
    assert props["State"] == "ACTIVE"


def test_intake_is_associated_and_invocable_by_this_instance_only(config: Synthesized) -> None:
    target = intake_target(config)
    instance = instance_arn(config)
    config.assertions.has_resource_properties(
        "AWS::Connect::IntegrationAssociation",
        {"InstanceId": instance, "IntegrationArn": target, "IntegrationType": "LAMBDA_FUNCTION"},
    )
    permissions = [
        p["Properties"]
        for p in config.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "connect.amazonaws.com"
    ]
    function_name = ref(config.only("AWS::Lambda::Alias")) if config.stage == "prod" else target
    assert permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": function_name,
            "Principal": "connect.amazonaws.com",
            "SourceAccount": {"Ref": "AWS::AccountId"},
            "SourceArn": instance,
        }
    ]


def test_dev_creates_an_instance(dev: Synthesized) -> None:
    instance = dev.props(dev.only("AWS::Connect::Instance"))
    assert instance["IdentityManagementType"] == "CONNECT_MANAGED"
    assert instance["Attributes"]["InboundCalls"] is True
    assert instance["Attributes"]["ContactflowLogs"] is True


def test_an_instance_arn_imports_the_instance(full: Synthesized) -> None:
    full.assertions.resource_count_is("AWS::Connect::Instance", 0)
    for type_ in ("AWS::Connect::Queue", "AWS::Connect::HoursOfOperation", "AWS::Connect::RoutingProfile"):
        (resource,) = full.of_type(type_).values()
        assert resource["Properties"]["InstanceArn"] == INSTANCE_ARN, type_


def test_hours_of_operation_never_close(config: Synthesized) -> None:
    hours = config.props(config.only("AWS::Connect::HoursOfOperation"))
    assert hours["TimeZone"] == "Asia/Jakarta"
    midnight = {"Hours": 0, "Minutes": 0}
    assert sorted(day["Day"] for day in hours["Config"]) == sorted(DAYS)
    assert len(DAYS) == 7
    for day in hours["Config"]:
        assert (day["StartTime"], day["EndTime"]) == (midnight, midnight), day
    queue = config.props(config.only("AWS::Connect::Queue"))
    assert queue["HoursOfOperationArn"] == get_att(
        config.only("AWS::Connect::HoursOfOperation"), "HoursOfOperationArn"
    )


def test_routing_profile_serves_the_queue(config: Synthesized) -> None:
    queue_arn = get_att(config.only("AWS::Connect::Queue"), "QueueArn")
    profile = config.props(config.only("AWS::Connect::RoutingProfile"))
    assert profile["DefaultOutboundQueueArn"] == queue_arn
    assert [q["QueueReference"] for q in profile["QueueConfigs"]] == [
        {"Channel": "VOICE", "QueueArn": queue_arn}
    ]
    assert {"Channel": "VOICE", "Concurrency": 1} in profile["MediaConcurrencies"]


@pytest.mark.parametrize("action", ["Create", "Update"])
def test_phone_number_is_routed_to_the_flow(full: Synthesized, action: str) -> None:
    (route,) = full.of_type("Custom::AWS").values()
    call_parts = route["Properties"][action]["Fn::Join"][1]
    flow_arn = get_att(full.only("AWS::Connect::ContactFlow"), "ContactFlowArn")
    assert flow_arn in call_parts
    text = "".join(part if isinstance(part, str) else "FLOW" for part in call_parts)
    call = json.loads(text)
    assert call["service"] == "Connect"
    assert call["action"] == "associatePhoneNumberContactFlow"
    assert call["parameters"] == {
        "PhoneNumberId": PHONE_NUMBER_ARN.split("phone-number/")[1],
        "InstanceId": INSTANCE_ARN,
        "ContactFlowId": "FLOW",
    }


def test_no_phone_number_route_without_a_phone_number(stage_default: Synthesized) -> None:
    stage_default.assertions.resource_count_is("Custom::AWS", 0)
