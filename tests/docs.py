"""The shell commands README.md and docs/ show a user, read from the Markdown itself: what tests run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md"]
_FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass(frozen=True)
class Command:
    document: str  # relative to the repository
    line: int
    text: str  # as a user would type it, without its trailing comment

    def __str__(self) -> str:
        return f"{self.document}:{self.line}: {self.text}"


def _without_comment(line: str) -> str:
    """The line up to a `#` that starts a comment (outside quotes, after a space)."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index].rstrip()
    return line.rstrip()


def commands(document: Path) -> list[Command]:
    """Every command of a ```bash block, and every `$ ` line of another fenced block (a transcript)."""
    found: list[Command] = []
    language = None
    pending: tuple[int, str] | None = None
    for number, raw in enumerate(document.read_text(encoding="utf-8").splitlines(), start=1):
        fence = _FENCE.match(raw.strip())
        if fence:
            language = None if language is not None else fence.group(1) or "text"
            continue
        if language is None:
            continue
        if language in ("bash", "sh", "shell"):
            text = raw.strip()
        elif raw.startswith("$ "):
            text = raw[2:].strip()
        elif language == "text" and raw.startswith(("invoke ", "python3 ")):
            text = raw.strip()  # an unlabelled block of commands
        else:
            continue
        text = _without_comment(text)
        if pending is not None:
            text, number = pending[1] + " " + text, pending[0]
            pending = None
        if text.endswith("\\"):
            pending = (number, text[:-1].rstrip())
            continue
        if text:
            found.append(Command(str(document.relative_to(ROOT)), number, text))
    return found


def all_commands() -> list[Command]:
    return [command for document in DOCUMENTS for command in commands(document)]


def documented(document: str, starts: str) -> Command:
    """The command of `document` that starts with `starts`: a test runs the docs' own words."""
    found = [c for c in commands(ROOT / document) if c.text.startswith(starts)]
    exact = [c for c in found if c.text == starts]
    assert len(exact or found) == 1, f"{document} shows {len(found)} commands starting {starts!r}"
    return (exact or found)[0]


# -- behaviours: what the docs promise, each with a test that says it checks it ----------------------
BEHAVIOUR_DOCUMENTS = ["emulator.md", "services.md", "environments.md", "observability.md", "packaging.md",
                       "security.md", "terraform.md", "console.md"]  # fmt: skip
_NAMED = re.compile(r"^\s*(?:[-*] )?\*\*(?P<name>[^*]+)\*\*")


def behaviour_name(text: str) -> str:
    return text.strip().rstrip(".:").strip()


def behaviours(document: str) -> list[tuple[int, str]]:
    """(line, name) of every behaviour `docs/<document>` states: a paragraph or bullet that opens with a
    bold name (`**Memory is a limit.** ...`). Code blocks are not prose; a numbered list's bold words
    name steps (the pipeline's jobs), not behaviours."""
    found, fenced = [], False
    for number, line in enumerate((ROOT / "docs" / document).read_text(encoding="utf-8").splitlines(), start=1):
        if _FENCE.match(line.strip()):
            fenced = not fenced
            continue
        match = None if fenced else _NAMED.match(line)
        if match:
            found.append((number, behaviour_name(match.group("name"))))
    return found


@dataclass(frozen=True)
class How:
    kind: str  # run | interrupt | elsewhere | not_here
    detail: str = ""


# How each command in the docs is tested; tests/unit/test_docs.py refuses a command missing here.
# run: tests/e2e/test_documented_commands.py runs it on the shared platform, as written;
# interrupt: the same, for a command that runs until Ctrl-C (it must print, then stop on SIGINT);
# elsewhere: a test with a story around it runs it, read from the docs with `documented`;
# not_here: why no test here can run it.
HOW: dict[str, How] = {
    "python3 -m venv .venv && .venv/bin/pip install -q -r requirements/dev.txt && .venv/bin/invoke demo": How(
        "elsewhere", "tests/e2e/test_documented_commands.py::test_the_readme_demo_runs"),
    "python3 -m venv .venv && .venv/bin/pip install -q --no-compile -r requirements/dev.txt && .venv/bin/invoke test": How(
        "not_here", ".ci/run runs exactly this line on a fresh machine: it is the CI"),
    "invoke up --watch": How("interrupt"),
    "invoke fn.invoke users events/apigateway-rest-proxy.json": How("run"),
    "invoke events.generate s3 --bucket '{{media_bucket_name}}' --key \"uploads/a b.jpg\" | invoke fn.invoke "
    "thumbnails -": How("run"),
    "invoke fn.logs users --since 10m": How("run"),
    "invoke fn.logs worker --follow": How("interrupt"),
    "invoke fn.logs users --json": How("run"),
    "invoke fn.logs users --env dev --target aws --since 1h": How(
        "not_here", "--target aws needs an AWS account and online Terraform; the emulator form runs above"),
    "invoke traces": How("run"),
    "invoke traces --filter 'service(\"platform-local-checkout\")'": How("elsewhere", "tests/e2e/test_order_pipeline.py::"
        "test_an_order_placed_through_the_api_runs_the_workflow_and_one_correlation_id_follows_it"),
    "invoke watch --debug users": How("elsewhere", "tests/e2e/test_debugging.py::"
                                      "test_watch_debug_holds_requests_for_the_ide_and_then_answers_them"),
    "invoke new probe --trigger sqs": How("elsewhere", "tests/e2e/test_inner_loop.py::test_a_new_function_is_one_command"),
    "invoke up": How("elsewhere", "tests/e2e/test_inner_loop.py::test_a_new_function_is_one_command"),
    "invoke fn.invoke probe events/probe.json": How(
        "elsewhere", "tests/e2e/test_inner_loop.py::test_a_new_function_is_one_command"),
    "invoke rollback --env prod": How(
        "elsewhere", "tests/e2e/test_canaries.py::test_a_canary_of_a_good_build_serves_its_share_then_all_of_the_traffic"),
    "invoke rollback --env prod --function users": How(
        "elsewhere", "tests/e2e/test_canaries.py::test_a_canary_of_a_good_build_serves_its_share_then_all_of_the_traffic"),
    "invoke promote --from staging --to prod --canary 10 --bake 10m": How(
        "not_here", "the pipeline's own bake of ten minutes; tests/e2e/test_canaries.py promotes with a canary "
        "and a 60 s bake, tests/unit/toolchain/test_workflow.py parses these options as the task does"),
    "invoke promote --from dev --to staging --linear 25 --step 2m": How(
        "not_here", "the pipeline's own steps of two minutes; the linear climb is unit-tested "
        "(test_releases_strategies) and the task parses these options (test_workflow.py)"),
    "invoke test --suite unit": How(
        "not_here", "the suite that runs this check; .ci/run calls `invoke test`, which runs each suite this way"),
    "invoke test --suite integration --pytest-args '-k thumbnail -x'": How(
        "not_here", "runs a suite from inside a suite; the options are checked to exist (test_docs.py)"),
    "invoke test --workers 0": How(
        "not_here", "the whole suite again in one process, from inside the suite; CI runs it with workers"),
    "invoke mutants --module lambdas.common.money": How(
        "not_here", "a mutation run takes many minutes and is kept out of CI; tests/unit/toolchain/test_mutation.py "
        "checks its selection, scoring and report"),
    "invoke iam.report --verbose": How(
        "elsewhere", "tests/e2e/test_least_privilege.py::test_the_report_names_unused_grants_and_strict_fails_on_them"),
    "curl -sf -H \"Authorization: Bearer $(invoke token)\" \"$(invoke outputs --json | python3 -c 'import json,sys; "
    "print(json.load(sys.stdin)[\"local_api_url\"])')/users\"": How("run"),
    "invoke console": How("interrupt"),
    "invoke console --port 0": How("interrupt"),
    "invoke console --json": How("run"),
    "invoke console --env staging --target aws": How(
        "not_here", "--target aws needs an AWS account; the same reader runs on the emulator in tests/e2e/test_console.py"),
    "invoke cost.measure": How(
        "not_here", "real traffic into the emulator environment (users, orders, alerts, scraped prices), which the "
        "shared e2e platform keeps as its tests found it; the line below runs the same on the story's own dev"),
    "invoke cost.measure --env dev --requests 1": How(
        "elsewhere", "tests/e2e/test_environments.py::test_the_bill_of_prod_prices_every_service_and_each_entry_point"),
    "invoke cost --env prod": How(
        "elsewhere", "tests/e2e/test_environments.py::test_the_bill_of_prod_prices_every_service_and_each_entry_point"),
    "invoke cost --env prod --json": How(
        "elsewhere", "tests/e2e/test_environments.py::test_the_bill_of_prod_prices_every_service_and_each_entry_point"),
    "invoke chaos --seed 7 --for 2m": How(
        "not_here", "two minutes of load and a settle, whose tables docs/chaos.md shows; tests/e2e/test_chaos.py runs "
        "the 20-second form on the shared platform"),
    "invoke chaos --seed 3 --for 20s --json": How(
        "not_here", "it loads a platform for minutes and kills its emulator: tests/e2e/test_chaos.py runs it on "
        "request (PLATFORM_CHAOS_E2E=1), not in CI; the plan, the account and the reader are unit- and "
        "integration-tested"),
    "invoke mutants --report": How(
        "not_here", "needs the results of a mutation run (mutants/), which CI does not make"),
}  # fmt: skip


def how_run(command: Command) -> How | None:
    return HOW.get(command.text)


def run(command: Command, env: dict[str, str], cwd: Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess:
    """The command as a user types it, in bash, with this venv's `invoke` first on PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', os.environ.get('PATH', ''))}"
    return subprocess.run(["bash", "-c", command.text], cwd=cwd, env={**env, "PATH": path}, capture_output=True,
                          text=True, timeout=timeout, check=False)  # fmt: skip
