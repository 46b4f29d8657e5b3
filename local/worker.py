"""A function's execution environment: one process, the handler imported once, events one at a time.

Like Lambda, the process sees only its function's environment, keeps module state between
invocations (warm starts), and writes its logs somewhere else than the caller's terminal.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any


@dataclass
class LocalLambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    deadline_ms: int
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))


def error_payload(error: BaseException) -> dict[str, Any]:
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


def serve(conn: Connection, handler: str, env: dict[str, str], log_path: str, task_root: str) -> None:
    # Ctrl-C in the stack's terminal reaches the whole process group: the stack stops its environments
    # itself (and a worker whose stack is gone ends at its pipe's EOF), so a worker ignores it. It was
    # spawned with SIGINT blocked (local/runtime.py): one that came meanwhile is dropped here, not raised.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    os.environ.clear()
    os.environ.update(env)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.path.insert(0, task_root)

    started = time.perf_counter()
    try:
        module_name, function_name = handler.rsplit(".", 1)
        function = getattr(importlib.import_module(module_name), function_name)
    except BaseException as error:  # an import error is Lambda's Runtime.ImportModuleError
        conn.send(("init_error", json.dumps(error_payload(error))))
        return
    conn.send(("ready", (time.perf_counter() - started) * 1000))

    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        request_id, event_json, deadline_ms, arn = message
        context = LocalLambdaContext(
            function_name=env.get("AWS_LAMBDA_FUNCTION_NAME", ""),
            memory_limit_in_mb=int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")),
            invoked_function_arn=arn,
            aws_request_id=request_id,
            deadline_ms=deadline_ms,
        )
        try:
            result = function(json.loads(event_json), context)
            conn.send(("ok", json.dumps(result)))
        except Exception as error:
            traceback.print_exc()
            conn.send(("error", json.dumps(error_payload(error))))
