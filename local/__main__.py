"""python -m local — run Respon 112 on this machine, and drive it.

python -m local [serve]              start the local stack (what `make dev` runs); Ctrl-C stops it
python -m local call +6281234567890  a simulated 112 call through the contact flow, step by step
python -m local demo                 call → claim → verify as FIRE → DISPATCHED, step by step
python -m local token operator1      print a Cognito IdToken for curl (Authorization: Bearer …; `admin`
                                     edits the agency directory)
python -m local inbox DAMKAR         show what an agency was sent
python -m local inbox damkar-genteng show what a post was sent (SMS, e-mail) with its links
python -m local respond <link> EN_ROUTE   post a status through a post's link
python -m local receiver --post damkar-genteng   an agency's endpoint that verifies the signature
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from local.config import OPERATORS, STATE_DIR, SUPERVISOR, Ports, free_port, read_endpoints


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return number


def _caller_policy(value: str) -> str:
    """A callerPolicy context value, checked as the synth checks it."""
    from core.regency import REGENCIES
    from core.settings import SettingsError, policy_with
    from local.config import REGENCY

    try:
        policy_with(REGENCIES[REGENCY].caller_policy, value)
    except SettingsError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def _serve(args: argparse.Namespace) -> int:
    from local.stack import LocalStack, banner

    def port(value: int) -> int:
        return free_port(args.host) if value == 0 else value

    ports = Ports(api=port(args.port), lambda_=port(args.lambda_port), aws=port(args.aws_port))
    stack = LocalStack(
        Path(args.state_dir),
        ports,
        args.host,
        args.concurrency,
        args.report_rate_limit,
        args.caller_policy,
        args.ack_deadlines,
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    try:
        endpoints = stack.start(prewarm=not args.no_prewarm)
        print(banner(endpoints, Path(args.state_dir)), flush=True)
        # Wake up now and then: a bare wait() can miss the signal handler's set() on some platforms.
        while not stopping.wait(0.5):
            pass
    finally:
        print("stopping…", flush=True)
        stack.stop()
    print("stopped", flush=True)
    return 0


def _call(args: argparse.Namespace) -> int:
    caller = None if args.withheld else args.number
    endpoints = read_endpoints(Path(args.state_dir))
    if args.direct:
        from local.simulator import place_call

        flow_flags = [
            f"--{name.replace('_', '-')}" for name, default in FLOW_FLAGS if getattr(args, name) != default
        ]
        if flow_flags:
            raise SystemExit(
                f"python -m local call: --direct skips the flow, so {', '.join(flow_flags)} cannot apply"
            )

        print(json.dumps(place_call(endpoints, caller, args.contact_id), indent=2))
        return 0
    from local.flow.call import CallSetup, place, report, summary
    from local.flow.model import FlowError
    from local.flow.steps import End
    from local.flow.world import Script

    try:
        script = Script(
            intake="error" if args.intake_error else "timeout" if args.intake_timeout else "ok",
            queue_full=None if args.queue_full == EVERY_TIME else args.queue_full,
            presses=args.press,
            backup=BACKUP_OUTCOMES[args.backup],
            failing=dict(args.fail),
            hang_up_at=args.hang_up_at,
        )
    except ValueError as error:
        raise SystemExit(f"python -m local call: {error}") from None
    setup = CallSetup(
        caller,
        args.contact_id,
        script,
        backup_number=args.backup_number,
        answer_after=args.answer_after,
        abandon_after=args.abandon,
        silent=args.silent,
        operator=args.operator,
    )
    try:
        call = place(endpoints, setup)
    except FlowError as error:
        raise SystemExit(f"python -m local call: {error}") from None
    print(json.dumps(summary(call), indent=2, ensure_ascii=False) if args.json else report(call))
    return 1 if call.outcome.end is End.DISCONNECTED else 0


def _demo(args: argparse.Namespace) -> int:
    from local.simulator import demo

    demo(read_endpoints(Path(args.state_dir)), args.number, args.operator)
    return 0


def _token(args: argparse.Namespace) -> int:
    from local.simulator import id_token

    print(id_token(read_endpoints(Path(args.state_dir)), args.username))
    return 0


def _inbox(args: argparse.Namespace) -> int:
    from local.responders import post_inbox
    from local.simulator import agency_inbox

    endpoints = read_endpoints(Path(args.state_dir))
    whom = args.agency
    if whom.upper() in endpoints["resources"]["agencyInboxes"]:
        whom = whom.upper()
        messages: list[Any] = agency_inbox(endpoints, whom)
    else:  # a post (its SMS and e-mails, with the links), a number or an address
        messages = post_inbox(endpoints, whom)
    for message in messages:
        print(json.dumps(message, ensure_ascii=False, indent=2))
    if not messages:
        print(f"no messages for {whom}")
    return 0


def _respond(args: argparse.Namespace) -> int:
    from local.responders import respond

    return _show(respond(read_endpoints(Path(args.state_dir)), args.link, args.status, args.note))


def _receiver(args: argparse.Namespace) -> int:
    from local.responders import Receiver, new_secret, point_post_at

    endpoints = read_endpoints(Path(args.state_dir))
    secret = args.secret or new_secret()
    receiver = Receiver(secret, args.port, log=print).start()
    print(
        f"receiver on {receiver.endpoint} (the local stack posts to it over HTTP, 127.0.0.1:{receiver.port})"
    )
    if args.post:
        status = point_post_at(endpoints, args.post, receiver.endpoint, secret)
        print(f"the directory's {args.post} now sends its records here (PUT → {status})")
    else:
        print(f"shared secret: {secret}  (give it to a post with its endpoint, or use --post)")
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    receiver.stop()
    return 0


COMMANDS = (
    "serve",
    "call",
    "demo",
    "token",
    "inbox",
    "respond",
    "receiver",
    "report",
    "instagram",
    "tweet",
    "aml",
    "outbox",
)


def _report(args: argparse.Namespace) -> int:
    from local.simulator import web_report

    return _show(web_report(read_endpoints(Path(args.state_dir)), args.text, args.phone, args.district))


def _instagram(args: argparse.Namespace) -> int:
    from local.simulator import instagram_message

    endpoints = read_endpoints(Path(args.state_dir))
    return _show(instagram_message(endpoints, args.text, args.sender, forged=args.forged))


def _tweet(args: argparse.Namespace) -> int:
    from local.simulator import twitter_message

    endpoints = read_endpoints(Path(args.state_dir))
    return _show(twitter_message(endpoints, args.text, args.sender, mention=args.mention))


def _aml(args: argparse.Namespace) -> int:
    from local.simulator import aml_position

    endpoints = read_endpoints(Path(args.state_dir))
    return _show(aml_position(endpoints, args.number, args.lat, args.lon, args.accuracy, https=args.https))


def _outbox(args: argparse.Namespace) -> int:
    from local.simulator import outbox

    sent = outbox(read_endpoints(Path(args.state_dir)))
    for message in sent:
        print(json.dumps(message, ensure_ascii=False))
    if not sent:
        print("no replies sent yet")
    return 0


def _show(response: Any) -> int:
    print(f"{response.status_code} {response.text}")
    return 0 if response.status_code < 400 else 1


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m local",
        description="Respon 112 on this machine: embedded AWS (moto), the REST API, the Lambda Invoke API "
        "and the real handlers. Without a command, starts the stack.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--state-dir", default=str(STATE_DIR), help="where endpoints.json and logs are (default: .local)"
    )
    commands = main.add_subparsers(dest="command", metavar="{" + ",".join(COMMANDS) + "}")

    serve = commands.add_parser(
        "serve", parents=[common], help="start the local stack (the default); Ctrl-C stops it"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    serve.add_argument(
        "--port", type=int, default=8112, help="REST API port (default 8112; 0 picks a free one)"
    )
    serve.add_argument("--lambda-port", type=int, default=8113, help="Lambda Invoke API port (default 8113)")
    serve.add_argument("--aws-port", type=int, default=8114, help="embedded AWS (moto) port (default 8114)")
    serve.add_argument(
        "--concurrency", type=int, default=4, help="execution environments per function (default 4)"
    )
    serve.add_argument(
        "--report-rate-limit",
        type=_positive,
        metavar="N",
        help="web reports allowed per client address per 10 minutes (default 5, as deployed); locally "
        "every browser is 127.0.0.1, so a training room may need more",
    )
    serve.add_argument(
        "--caller-policy",
        type=_caller_policy,
        metavar="JSON",
        help="changes to the regency's prank policy, as the callerPolicy context value, "
        "e.g. '{\"warnAfter\": 2}' (docs/callers.md)",
    )
    serve.add_argument(
        "--ack-deadlines",
        metavar="P1=S,…",
        help="seconds a post has to confirm a dispatch, per priority, before escalation (default the "
        "regency's: P1=180,P2=600,P3=1800); e.g. P1=20 to watch it escalate",
    )
    serve.add_argument("--no-prewarm", action="store_true", help="start functions on first use (cold starts)")
    serve.set_defaults(run=_serve)

    _call_command(commands, common)

    demo = commands.add_parser(
        "demo", parents=[common], help="walk one call through claim, verify and dispatch"
    )
    demo.add_argument(
        "number", nargs="?", default="081234567890", help="caller's number (default 081234567890)"
    )
    demo.add_argument("--operator", default="operator1", help="who handles it (default operator1)")
    demo.set_defaults(run=_demo)

    token = commands.add_parser("token", parents=[common], help="print an IdToken for a local user")
    token.add_argument("username", help="operator1 … operator9, supervisor or admin")
    token.set_defaults(run=_token)

    inbox = commands.add_parser(
        "inbox", parents=[common], help="show what an agency type or a post (SMS, e-mail, links) was sent"
    )
    inbox.add_argument(
        "agency",
        help="an agency type (DAMKAR, POLICE, …: its SNS messages), or a post's id (damkar-genteng: the SMS "
        "and e-mails sent to its numbers and addresses now, with their links), a number or an address",
    )
    inbox.set_defaults(run=_inbox)
    respond = commands.add_parser(
        "respond",
        parents=[common],
        help="open a post's link (what its page shows) or post a status through it",
    )
    respond.add_argument(
        "link", help="the link from the post's SMS or e-mail (…/respond.html#t=…), or its token"
    )
    respond.add_argument(
        "status",
        nargs="?",
        choices=("ACKNOWLEDGED", "EN_ROUTE", "ON_SCENE", "CLEARED"),
        help="left out: show",
    )
    respond.add_argument("--note", help="an optional note, as the page's")
    respond.set_defaults(run=_respond)
    receiver = commands.add_parser(
        "receiver",
        parents=[common],
        help="an agency's HTTPS endpoint on the loopback that checks each signature",
    )
    receiver.add_argument(
        "--post", help="point this post's endpoint here (through the directory's API, as admin)"
    )
    receiver.add_argument("--port", type=int, default=9112, help="the port to listen on (default 9112)")
    receiver.add_argument("--secret", help="the shared secret (default: a new random one)")
    receiver.set_defaults(run=_receiver)
    _channel_commands(commands, common)
    return main


EVERY_TIME = -1
# The flags that set the flow's world, with their defaults: none applies to --direct.
FLOW_FLAGS: tuple[tuple[str, object], ...] = (
    ("json", False),
    ("intake_error", False),
    ("intake_timeout", False),
    ("queue_full", 0),
    ("press", None),
    ("silent", False),
    ("answer_after", None),
    ("abandon", None),
    ("operator", "operator1"),
    ("backup_number", None),
    ("backup", "answers"),
    ("fail", []),
    ("hang_up_at", None),
)
BACKUP_OUTCOMES = {
    "answers": "talked",
    "hangs-up": "returned",
    "busy": "CallFailed",
    "no-answer": "ConnectionTimeLimitExceeded",
}


def _failure(value: str) -> tuple[str, str]:
    action, _, error = value.partition("=")
    return action, error


def _transfers(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"a number of transfers, not {value}")
    return number


def _seconds(value: str) -> float:
    number = float(value)
    if not 0 <= number <= 3600:
        raise argparse.ArgumentTypeError(f"seconds between 0 and 3600, not {value}")
    return number


def _call_command(commands: Any, common: argparse.ArgumentParser) -> None:
    call = commands.add_parser(
        "call",
        parents=[common],
        help="a simulated 112 call through the contact flow (Connect → intake-connect → the queue)",
        description="Runs infra/flows/emergency-112.json for a simulated call, as Amazon Connect would: "
        "prints what the caller hears at each step and where the call ends, and sends the call's contact "
        "events to the stack's contact-events queue when it has one. The flags set what the world does; "
        "nothing waits in real time. Exit status 1 when the flow itself hangs up. See docs/connect-flow.md.",
    )
    call.add_argument(
        "number", nargs="?", default="+6281234567890", help="caller's number (default +6281234567890)"
    )
    call.add_argument("--withheld", action="store_true", help="a caller who withholds the number")
    call.add_argument("--contact-id", help="reuse a ContactId, as a Connect retry does")
    call.add_argument("--json", action="store_true", help="print the call as JSON instead of steps")
    call.add_argument(
        "--direct",
        action="store_true",
        help="skip the flow: invoke intake-connect once and print its answer (the other flags do not apply)",
    )
    intake = call.add_mutually_exclusive_group()
    intake.add_argument("--intake-error", action="store_true", help="the intake fails (every invocation)")
    intake.add_argument(
        "--intake-timeout",
        action="store_true",
        help="the intake answers after the block's time limit: it still runs (a late registration), "
        "the flow takes the error branch",
    )
    call.add_argument(
        "--queue-full",
        type=_transfers,
        nargs="?",
        const=EVERY_TIME,
        default=0,
        metavar="N",
        help="the operators' queue is at capacity for the first N transfers (no N: for every one; the "
        "simulation stops after 10 minutes of the caller held)",
    )
    caller_does = call.add_mutually_exclusive_group()
    caller_does.add_argument(
        "--press", metavar="KEYS", help="keys the caller presses when the flow asks, e.g. 55 (cannot speak)"
    )
    caller_does.add_argument(
        "--silent", action="store_true", help="an open line: the caller says nothing and presses nothing"
    )
    queue = call.add_mutually_exclusive_group()
    queue.add_argument(
        "--answer-after",
        type=_seconds,
        metavar="SECONDS",
        help="an operator answers after SECONDS in the queue (the CONNECTED_TO_AGENT event)",
    )
    queue.add_argument(
        "--abandon",
        type=_seconds,
        nargs="?",
        const=30.0,
        metavar="SECONDS",
        help="the caller hangs up, unanswered, after SECONDS in the queue (default 30)",
    )
    call.add_argument(
        "--operator",
        default="operator1",
        choices=(*OPERATORS, SUPERVISOR),
        metavar="USERNAME",
        help="the local operator whose Connect agent answers with --answer-after (default operator1): "
        "the incident records who answered",
    )
    call.add_argument(
        "--backup-number",
        metavar="E164",
        help="the flow's backup number, as connectBackupNumber sets it (default: none)",
    )
    call.add_argument(
        "--backup",
        choices=sorted(BACKUP_OUTCOMES),
        default="answers",
        help="what the backup number does when the flow calls it (default answers)",
    )
    call.add_argument(
        "--fail",
        type=_failure,
        action="append",
        default=[],
        metavar="ACTION[=ERROR]",
        help="make a flow action fail, with one of its errors (default: its first), e.g. "
        "--fail set-operators-queue, --fail register-incident=timeout; repeatable",
    )
    call.add_argument("--hang-up-at", metavar="ACTION", help="the caller hangs up as the flow reaches ACTION")
    call.set_defaults(run=_call)


def _channel_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """The public channels: web form, Instagram, X, AML, and the replies sent back."""
    report = commands.add_parser("report", parents=[common], help="send a report through the public web form")
    report.add_argument("text", help="what is happening (10 characters or more)")
    report.add_argument("--phone", default="081234567890", help="call-back number (default 081234567890)")
    report.add_argument("--district", default="Glagah", help="kecamatan (default Glagah)")
    report.set_defaults(run=_report)

    instagram = commands.add_parser(
        "instagram", parents=[common], help="an Instagram message (signed webhook)"
    )
    instagram.add_argument("text", help="the message")
    instagram.add_argument("--sender", default="6104825538412345", help="the sender's Instagram-scoped id")
    instagram.add_argument("--forged", action="store_true", help="sign with a wrong secret (expect 401)")
    instagram.set_defaults(run=_instagram)

    tweet = commands.add_parser("tweet", parents=[common], help="an X direct message or mention (signed)")
    tweet.add_argument("text", help="the message")
    tweet.add_argument("--sender", default="3805104374", help="the sender's X user id")
    tweet.add_argument("--mention", action="store_true", help="a public post mentioning the account")
    tweet.set_defaults(run=_tweet)

    aml = commands.add_parser("aml", parents=[common], help="a handset's AML position (SMS relay or HTTPS)")
    aml.add_argument("number", help="the handset's number, e.g. +6281234567890")
    aml.add_argument("--lat", type=float, default=-8.36611, help="latitude (default Genteng)")
    aml.add_argument("--lon", type=float, default=114.15012, help="longitude")
    aml.add_argument("--accuracy", type=float, default=12.0, help="radius in metres (default 12)")
    aml.add_argument("--https", action="store_true", help="ELS HTTPS form instead of a relayed SMS")
    aml.set_defaults(run=_aml)

    replies = commands.add_parser(
        "outbox", parents=[common], help="replies sent to citizens (the local Meta and X stand-ins)"
    )
    replies.set_defaults(run=_outbox)


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    main_parser = parser()
    if not arguments or (arguments[0] not in COMMANDS and arguments[0] not in ("-h", "--help")):
        arguments.insert(0, "serve")  # `python -m local [--port …]` starts the stack
    args = main_parser.parse_args(arguments)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
