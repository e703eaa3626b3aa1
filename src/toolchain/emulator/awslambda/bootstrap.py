"""The emulator's stand-in for Lambda's Python runtime: runs one function's handler, warm, in its own process.

Started by the executor as `python -I -S bootstrap.py <request fd> <response fd> <paths...>`: isolated
from this machine's site-packages, its import path is only what Lambda's would be: the function's
code, its layers, the packages the runtime itself provides, and the standard library. Standard
library only: nothing of the toolchain is importable here, as nothing of it exists on Lambda.

Protocol: length-prefixed JSON messages. After init it sends {"ready": ...}; then for each request
it runs the handler and answers. stdout and stderr are the function's log stream; a marker line is
written there after each phase so the executor knows it has every line of it.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import resource
import struct
import sys
import time
import traceback

MARKER = "\x00\x00END:"
DEBUG_PORT = "_PLATFORM_DEBUG_PORT"


def _send(fd: int, message: dict) -> None:
    data = json.dumps(message).encode()
    os.write(fd, struct.pack(">I", len(data)) + data)


def _recv(fd: int) -> dict | None:
    header = _read_exact(fd, 4)
    if header is None:
        return None
    body = _read_exact(fd, struct.unpack(">I", header)[0])
    return None if body is None else json.loads(body)


def _read_exact(fd: int, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, remaining)
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _end_phase(name: str) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, f"{MARKER}{name}\n".encode())


def _error(exc: BaseException, error_type: str | None = None) -> dict:
    frames = traceback.extract_tb(exc.__traceback__)
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": [f'  File "{f.filename}", line {f.lineno}, in {f.name}\n    {f.line}\n' for f in frames],
    }


def _peak_rss_kb() -> int:
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would report the emulator's peak.
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class LambdaContext:
    """What Lambda's Python runtime passes as `context`."""

    def __init__(self, request: dict) -> None:
        self.aws_request_id = request["request_id"]
        self.invoked_function_arn = request["invoked_function_arn"]
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = request["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


def _configure_logging() -> _RequestIdFilter:
    # Lambda's runtime installs a root handler in this format; code that logs without
    # configuring logging itself relies on it.
    request_filter = _RequestIdFilter()
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.addFilter(request_filter)
    logging.Formatter.converter = time.gmtime
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "WARNING"))
    return request_filter


def _load_handler(spec: str):  # noqa: ANN202 - returns whatever the user's module defines
    module_name, _, attribute = spec.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise _InitError(exc, "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}") from exc
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise _InitError(None, "Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_name}'")
    return handler


class _InitError(Exception):
    def __init__(self, cause: BaseException | None, error_type: str, message: str) -> None:
        super().__init__(message)
        self.cause = cause
        self.error_type = error_type


def main() -> None:
    request_fd, response_fd = int(sys.argv[1]), int(sys.argv[2])
    # argv[0]'s folder (the toolchain) must not be importable: Lambda has no such thing.
    stdlib = list(sys.path[1:])
    sys.path[:] = [*sys.argv[3:], *stdlib]
    sys.stdout.reconfigure(line_buffering=True)
    request_filter = _configure_logging()

    debug_port = os.environ.get(DEBUG_PORT)
    if debug_port:
        # The emulator's debug mode (not Lambda's): wait for an IDE before the handler's module loads.
        import debugpy

        debugpy.listen(("127.0.0.1", int(debug_port)))
        print(f"debugpy listening on 127.0.0.1:{debug_port}: attach your IDE", file=sys.stderr, flush=True)
        debugpy.wait_for_client()

    started = time.perf_counter()
    init_error = None
    handler = None
    try:
        handler = _load_handler(os.environ["_HANDLER"])
    except _InitError as exc:
        init_error = {"errorMessage": str(exc), "errorType": exc.error_type, "stackTrace": []}
        if exc.cause is not None:
            init_error["stackTrace"] = _error(exc.cause)["stackTrace"]
        print(f"[ERROR] {exc.error_type}: {exc}", file=sys.stderr)
    except BaseException as exc:  # an exception at import time of user code
        init_error = _error(exc, "Runtime.Unknown")
        print(f"[ERROR] init failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    init_ms = (time.perf_counter() - started) * 1000
    _end_phase("init")
    _send(response_fd, {"ready": True, "init_ms": init_ms, "init_error": init_error})
    if init_error is not None:
        return

    while True:
        request = _recv(request_fd)
        if request is None:
            return
        os.environ["_X_AMZN_TRACE_ID"] = request.get("trace_id", "")
        request_filter.request_id = request["request_id"]
        started = time.perf_counter()
        try:
            result = handler(json.loads(request["event"]), LambdaContext(request))
            try:
                response = {"ok": True, "payload": json.dumps(result)}
            except (TypeError, ValueError) as exc:
                print(f"[ERROR] Runtime.MarshalError: {exc}", file=sys.stderr)
                response = {"ok": False, "payload": json.dumps(_error(exc, "Runtime.MarshalError"))}
        except Exception as exc:
            error = _error(exc)
            print(f"[ERROR] {error['errorType']}: {error['errorMessage']}", file=sys.stderr)
            traceback.print_exc()
            response = {"ok": False, "payload": json.dumps(error)}
        response["duration_ms"] = (time.perf_counter() - started) * 1000
        response["max_rss_kb"] = _peak_rss_kb()
        _end_phase(request["request_id"])
        _send(response_fd, response)


if __name__ == "__main__":
    main()
    if os.environ.get(DEBUG_PORT):
        # debugpy's own threads would keep a worker alive after the emulator let go of it
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
