"""python -m local — run Respon 112 on this machine, and drive it.

python -m local [serve]              start the local stack (what `make dev` runs); Ctrl-C stops it
python -m local call +6281234567890  place a simulated 112 call through the Connect intake function
python -m local demo                 call → claim → verify as FIRE → DISPATCHED, step by step
python -m local token operator1      print a Cognito IdToken for curl (Authorization: Bearer …)
python -m local inbox DAMKAR         show what an agency was sent
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from local.config import STATE_DIR, Ports, free_port, read_endpoints


def _serve(args: argparse.Namespace) -> int:
    from local.stack import LocalStack, banner

    def port(value: int) -> int:
        return free_port(args.host) if value == 0 else value

    ports = Ports(api=port(args.port), lambda_=port(args.lambda_port), aws=port(args.aws_port))
    stack = LocalStack(Path(args.state_dir), ports, args.host, args.concurrency)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    try:
        endpoints = stack.start(prewarm=not args.no_prewarm)
        print(banner(endpoints, Path(args.state_dir)), flush=True)
        stopping.wait()
    finally:
        print("stopping…", flush=True)
        stack.stop()
    print("stopped", flush=True)
    return 0


def _call(args: argparse.Namespace) -> int:
    from local.simulator import place_call

    caller = None if args.withheld else args.number
    answer = place_call(read_endpoints(Path(args.state_dir)), caller, args.contact_id)
    print(json.dumps(answer, indent=2))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from local.simulator import demo

    demo(read_endpoints(Path(args.state_dir)), args.number, args.operator)
    return 0


def _token(args: argparse.Namespace) -> int:
    from local.simulator import id_token

    print(id_token(read_endpoints(Path(args.state_dir)), args.username))
    return 0


def _inbox(args: argparse.Namespace) -> int:
    from local.simulator import agency_inbox

    messages: list[Any] = agency_inbox(read_endpoints(Path(args.state_dir)), args.agency)
    for message in messages:
        print(json.dumps(message, ensure_ascii=False, indent=2))
    if not messages:
        print(f"no messages for {args.agency.upper()}")
    return 0


COMMANDS = ("serve", "call", "demo", "token", "inbox")


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
    commands = main.add_subparsers(dest="command", metavar="{serve,call,demo,token,inbox}")

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
    serve.add_argument("--no-prewarm", action="store_true", help="start functions on first use (cold starts)")
    serve.set_defaults(run=_serve)

    call = commands.add_parser(
        "call", parents=[common], help="place a simulated 112 call (Connect → intake-connect)"
    )
    call.add_argument(
        "number", nargs="?", default="+6281234567890", help="caller's number (default +6281234567890)"
    )
    call.add_argument("--withheld", action="store_true", help="a caller who withholds the number")
    call.add_argument("--contact-id", help="reuse a ContactId, as a Connect retry does")
    call.set_defaults(run=_call)

    demo = commands.add_parser(
        "demo", parents=[common], help="walk one call through claim, verify and dispatch"
    )
    demo.add_argument(
        "number", nargs="?", default="081234567890", help="caller's number (default 081234567890)"
    )
    demo.add_argument("--operator", default="operator1", help="who handles it (default operator1)")
    demo.set_defaults(run=_demo)

    token = commands.add_parser("token", parents=[common], help="print an IdToken for a local user")
    token.add_argument("username", help="operator1 … operator9 or supervisor")
    token.set_defaults(run=_token)

    inbox = commands.add_parser("inbox", parents=[common], help="show the notifications an agency received")
    inbox.add_argument("agency", help="DAMKAR, POLICE, PSC119, BPBD or BASARNAS")
    inbox.set_defaults(run=_inbox)
    return main


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
