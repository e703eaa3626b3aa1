"""The tasks' failure paths, as a user meets them: one clear line of what is wrong and what to do."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def invoke(tmp_path: Path):
    env = {**os.environ, "PLATFORM_BUILD_DIR": str(tmp_path / "build")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "invoke", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )

    return run


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (("outputs", "--env", "dev"), "error: the emulator is not running", "start it with `invoke up`"),
        (("fn.logs", "--function", "users"), "error: the emulator is not running", "start it with `invoke up`"),
        (("rules.list",), "error: the emulator is not running", "start it with `invoke up`"),
        (("traces",), "error: the emulator is not running", "start it with `invoke up`"),
        (("traces", "--last", "0"), "error: --last must be at least 1", None),
        (("traces", "--hours", "25"), "error: --hours must be more than 0 and at most 24", None),
        (("traces", "--env", "qa"), "error: no environment 'qa'", None),
        (("rollback",), "error: the emulator is not running", "start it with `invoke up`"),
        (("rollback", "--env", "qa"), "error: no environment 'qa'", None),
        (("security.iam",), "error: the emulator is not running", "start it with `invoke up`"),
        (("security.secrets", "--env", "dev"), "error: the emulator is not running", "start it with `invoke up`"),
        (("security.iam", "--env", "qa"), "error: no environment 'qa'", None),
        (
            ("plan", "--env", "qa"),
            "error: no environment 'qa': infra/workspaces/qa.tfvars does not exist",
            "use one of: dev, emulator, prod, staging",
        ),
        (
            ("apply", "--env", "dev"),
            "error: no saved plan for dev on the emulator",
            "run `invoke plan --env dev --target emulator` and review it",
        ),
        (("promote", "--to", "staging"), "error: promote needs either --from <env> or --manifest <sha256>", None),
        (("promote", "--from", "dev", "--to", "emulator"), "error: promotion deploys to dev, staging or prod", None),
        (
            ("plan", "--env", "emulator", "--target", "aws"),
            "error: the emulator environment exists only on the emulator",
            None,
        ),
        (("plan", "--env", "dev", "--target", "moon"), "error: unknown target 'moon'", "use one of: emulator, aws"),
        (("package", "--arch", "sparc"), "error: --arch: architecture 'sparc' is not one of x86_64, arm64", None),
        # the inner loop: arguments are checked before the emulator is asked anything
        (("fn.invoke", "nosuch", "events/sqs-message.json"), "error: no function named 'nosuch'", "known functions: "),
        (
            ("fn.invoke", "worker", "events/nosuch.json"),
            "error: cannot read the event file events/nosuch.json",
            "make one with `invoke events.generate <trigger>`",
        ),
        (("fn.invoke", "worker", "README.md"), "error: the event file README.md is not JSON", None),
        (("fn.invoke", "worker", "events/sqs-message.json"), "error: the emulator is not running", "`invoke up`"),
        (("fn.invoke", "worker", "events/sqs-message.json", "--env", "qa"), "error: no environment 'qa'", None),
        (("fn.logs", "nosuch"), "error: no function named 'nosuch'", "known functions: "),
        (("fn.logs", "users", "--since", "10x"), "error: --since '10x' is not a duration", "e.g. 10m"),
        (("watch",), "error: the emulator is not running", "start it with `invoke up`"),
        (("watch", "--debug", "users"), "error: the emulator is not running", "start it with `invoke up`"),
        (("events.generate", "moon"), "error: no trigger 'moon'", "use one of: s3, api, authorizer, sqs, sns"),
        (("events.generate", "dynamodb", "--body", "{"), "error: --body for a dynamodb event is the new image", None),
        (("destroy", "--env", "qa"), "error: no environment 'qa'", "use one of: dev, emulator, prod, staging"),
        (("destroy", "--env", "prod", "--yes"), "error: prod is not destroyed without --allow-prod", None),
        (("destroy", "--env", "dev"), "error: destroying dev needs a confirmation", "add --yes"),
        (("destroy", "--env", "dev", "--yes"), "error: the emulator is not running", "`invoke up`"),
    ],
)
def test_failures_say_what_to_do(invoke, args: tuple[str, ...], message: str, hint: str | None) -> None:
    result = invoke(*args)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr
    if hint:
        assert hint in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.documents("environments.md", "State")
def test_planning_aws_without_online_terraform_is_refused(invoke) -> None:
    result = invoke("plan", "--env", "dev", "--target", "aws")
    assert result.returncode == 1
    assert "deploying to AWS needs Terraform with the current aws provider" in result.stderr


@pytest.mark.documents("environments.md", "One build, promoted")
def test_the_ci_workflow_passes_actionlint() -> None:
    actionlint = Path(sys.executable).parent / "actionlint"
    result = subprocess.run([str(actionlint), "-no-color", ".github/workflows/pipeline.yml"], cwd=ROOT,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def _tasks() -> dict[str, Any]:
    """Every task of tasks.py's collection, by its dotted name, as `invoke --list` shows them."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("platform_tasks", ROOT / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    collection = module.ns
    return {name: collection[name] for name in collection.task_names}


def test_every_task_has_a_docstring_and_describes_every_option() -> None:
    tasks = _tasks()
    assert {"fn.invoke", "fn.logs", "rules.fire", "up", "promote"} <= set(tasks)
    for name, task in tasks.items():
        assert (task.__doc__ or "").strip(), f"{name} has no docstring (its --help)"
        # get_arguments() moves the task's help texts into the arguments it makes: ask a copy
        copied = copy.copy(task)
        copied.help = dict(task.help)
        undescribed = [argument.name for argument in copied.get_arguments() if not argument.help]
        assert undescribed == [], (name, undescribed)


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("name", ["fn.invoke", "fn.logs", "rules.fire", "promote"])
def test_tasks_with_positional_arguments_answer_help_with_their_usage(invoke, flag: str, name: str) -> None:
    # invoke's parser used to give `--help` to a task's first missing positional argument:
    # `fn.logs --help` looked up a function named "--help", `fn.invoke --help` failed outright.
    result = invoke(name, flag)
    assert result.returncode == 0, (name, result.stdout, result.stderr)
    assert f"Usage: inv[oke] [--core-opts] {name}" in result.stdout, name
    options = result.stdout.split("Options:\n", 1)[1].splitlines()
    undescribed = [line for line in options if re.fullmatch(r"\s+(-\w, )?--[\w-]+(=\w+)?\s*", line)]
    assert undescribed == [], name


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    # `invoke --list | head -1`, made certain: the pipe's reading end is closed before invoke writes
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        listed = subprocess.run([sys.executable, "-m", "invoke", "--list"], cwd=ROOT, stdout=write_end,
                                stderr=subprocess.PIPE, text=True, check=False, stdin=subprocess.DEVNULL,
                                env={**os.environ, "PLATFORM_BUILD_DIR": str(tmp_path / "build")})  # fmt: skip
    finally:
        os.close(write_end)
    assert "Traceback" not in listed.stderr and "BrokenPipeError" not in listed.stderr, listed.stderr
    assert listed.returncode == 1
