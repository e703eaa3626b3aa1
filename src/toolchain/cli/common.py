"""What every task shares: the toolchain for the checkout invoke runs in, errors turned into `Exit`.

Tasks only parse their arguments, call the toolchain and print; a `ToolchainError` ends them with
`error: <what> -> <what to do>` and exit status 1.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from invoke import Context, Exit, task
from invoke.parser.parser import ParseMachine

from toolchain.config import load_config
from toolchain.context import Toolchain
from toolchain.deploy.environments import Environments
from toolchain.deploy.targets import EMULATOR_ENVIRONMENT, TARGETS, deploy_target
from toolchain.errors import ToolchainError
from toolchain.reporting import ConsoleReporter

ENV_HELP = f"environment: {EMULATOR_ENVIRONMENT} (default), dev, staging or prod"
TARGET_HELP = f"where it runs: {' or '.join(TARGETS)} (default: emulator)"

# No task gets automatic one-letter options: -e would be --env in one task and --event in another.
platform_task: Callable[..., Any] = functools.partial(task, auto_shortflags=False)


VERBOSE_HELP = "Terraform's whole output instead of its summary (also: PLATFORM_VERBOSE=1)"


def verbosity(verbose: bool) -> None:
    """--verbose for this task and every step it runs (they read PLATFORM_VERBOSE)."""
    if verbose:
        os.environ["PLATFORM_VERBOSE"] = "1"


def root(c: Context) -> Path:
    """The checkout the tasks belong to (tasks.py puts it in invoke's configuration)."""
    return Path(c.config.platform.root)


def say(text: str) -> None:
    print(text, flush=True)


def cached_clients(make: Callable[[str], Any]) -> Callable[[str], Any]:
    """One client per service for a task's life (boto3's clients are safe across threads): making
    one reads its service model and, on the emulator, asks whether it runs."""
    made: dict[str, Any] = {}
    lock = threading.Lock()

    def client(service: str) -> Any:
        with lock:
            if service not in made:
                made[service] = make(service)
            return made[service]

    return client


@contextmanager
def progress_to_stderr(json: bool) -> Iterator[None]:
    """With --json, stdout carries the JSON alone: what the steps print (Terraform's summaries, a
    bake's progress) goes to stderr while they run; print the JSON after leaving."""
    if not json:
        yield
        return
    with contextlib.redirect_stdout(sys.stderr):
        yield


@contextmanager
def failures_as_exit() -> Iterator[None]:
    """A failed precondition, or AWS (or the emulator) refusing a call, ends the task with a message:
    never a traceback."""
    try:
        yield
    except ToolchainError as exc:
        raise Exit(f"error: {exc}", code=1) from None
    except Exception as exc:
        message = aws_failure(exc)
        if message is None:
            raise
        raise Exit(f"error: {message}", code=1) from None


def aws_failure(exc: BaseException) -> str | None:
    """What an AWS SDK error says, in one line; None for anything that is not one (botocore is only
    looked at when it is already imported: the tasks that never call AWS never load it)."""
    if not type(exc).__module__.startswith("botocore"):
        return None
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        operation = getattr(exc, "operation_name", "a call")
        return f"{operation} failed: {error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": ")
    return str(exc)


@contextmanager
def toolchain(c: Context) -> Iterator[Toolchain]:
    with failures_as_exit():
        yield Toolchain(load_config(root(c)), ConsoleReporter())


@contextmanager
def environments(c: Context, target: str) -> Iterator[Environments]:
    with toolchain(c) as tc:
        yield Environments(tc, deploy_target(tc, target))


def interrupts_stop_tasks() -> None:
    """Ctrl-C stops a task with its clean-up run (a bake rolls back, a function under the debugger is
    released), even when its parent started it with SIGINT ignored, as a shell starts a script's
    background job; and SIGTERM (a cancelled CI job, `kill`) stops it the same way instead of
    ending it mid-step. A reader that stops early (`invoke --list | head`) ends the task quietly, as
    it ends any command-line tool, instead of a BrokenPipeError traceback. Only the `invoke` process
    does this: tests importing the tasks keep theirs."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)
    # Not SIGPIPE's default action: a task's own sockets (the emulator, AWS) would then kill it on a
    # peer's reset. Only a write to the closed stdout ends it, quietly (Python's documented recipe).
    previous = sys.excepthook

    def closed_stdout_is_the_end(kind: type[BaseException], error: BaseException, trace: Any) -> None:
        if issubclass(kind, BrokenPipeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush succeeds
            return
        previous(kind, error, trace)

    sys.excepthook = closed_stdout_is_the_end


def help_is_never_a_positional_value() -> None:
    """`invoke fn.logs --help` must print help. invoke 3.0's parser gives a task's next token to a
    positional argument still missing a value, so `--help` became the function's name. tasks.py is
    imported before the task arguments are parsed, so the parser is taught otherwise from there."""
    handle = ParseMachine.handle
    if getattr(handle, "help_first", False):
        return

    def help_first(self: ParseMachine, token: str) -> None:
        if token in ("--help", "-h") and self.context is not None and self.initial is not None:
            self.initial.flags["--help"].value = self.context.name
            for argument in self.context.missing_positional_args:
                argument.value = ""  # never used: invoke prints the help and stops
            return
        handle(self, token)

    help_first.help_first = True  # type: ignore[attr-defined]
    ParseMachine.handle = help_first  # type: ignore[method-assign]
