"""The docs say only what is true of this checkout: every command names a task and options that exist,
every command a user would type is run by a test (or says why not), every path and variable named
exists, and the configuration table is the list of what the toolchain reads.

The commands themselves run in tests/e2e/test_documented_commands.py (and, for the ones that need a
story around them, in the tests `tests/docs.py` names), read from the Markdown: the docs are the source.
"""

from __future__ import annotations

import ast
import copy
import re
import shlex

import pytest

from tests import docs
from tests.docs import DOCUMENTS, ROOT, all_commands, how_run

_INLINE = re.compile(r"`(invoke [^`]+)`")
_PATH = re.compile(r"`((?:src|infra|docs|tests|bench|events|requirements|\.github|\.ci)/[^`\s]*|lambdas/[^`\s]*)`")
_PLACEHOLDER = re.compile(r"[<>*|{}]|NAME|\.\.\.|\bE\b")


def _tasks() -> dict[str, set[str]]:
    """Every task and the options it takes (as typed: --from for `from_`)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("platform_tasks_docs", ROOT / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tasks: dict[str, set[str]] = {}
    for name in module.ns.task_names:
        task = copy.copy(module.ns[name])
        task.help = dict(task.help)  # get_arguments() consumes the help texts: ask a copy
        options = set()
        for argument in task.get_arguments():
            options |= {n.replace("_", "-").strip("-") for n in argument.names}
        tasks[name] = options
    for name, collection in module.ns.collections.items():  # `invoke cost` runs its namespace's default task
        if collection.default:
            tasks[name] = tasks[f"{name}.{collection.default}"]
    return tasks


TASKS = _tasks()


def _invocations(text: str) -> list[list[str]]:
    """The `invoke ...` parts of a command line or of an inline syntax line, as tokens."""
    text = text.replace("\\|", "|").replace("[", " ").replace("]", " ")
    found = []
    for part in re.split(r"\|(?![^']*'\s)|&&|;", text):
        try:
            tokens = shlex.split(part)
        except ValueError:
            tokens = part.split()
        tokens = [t.removeprefix(".venv/bin/") for t in tokens]
        if "invoke" in tokens:
            found.append(tokens[tokens.index("invoke") + 1 :])
    return found


def _check(tokens: list[str], where: str) -> None:
    names = [t for t in tokens if not t.startswith("-")]
    if not names:  # `invoke --list`, `invoke <task> --help`
        return
    task = names[0]
    if _PLACEHOLDER.search(task):
        return
    assert task in TASKS, f"{where}: no task {task!r}"
    for token in tokens:
        if token.startswith("--") and not _PLACEHOLDER.search(token):
            option = token[2:].split("=", 1)[0]
            assert option in TASKS[task] | {"help"}, f"{where}: {task} has no option --{option}"


@pytest.mark.parametrize("command", all_commands(), ids=str)
def test_every_documented_command_names_real_tasks_and_options(command: docs.Command) -> None:
    for tokens in _invocations(command.text):
        _check(tokens, str(command))


def _inline_commands() -> list[tuple[str, str]]:
    return [(f"{doc.relative_to(ROOT)}", m.group(1)) for doc in DOCUMENTS
            for m in _INLINE.finditer(doc.read_text(encoding="utf-8"))]  # fmt: skip


@pytest.mark.parametrize(("document", "text"), _inline_commands(), ids=lambda v: str(v)[:60])
def test_every_task_named_in_prose_exists_with_its_options(document: str, text: str) -> None:
    for tokens in _invocations(text):
        _check(tokens, f"{document}: `{text}`")


@pytest.mark.parametrize("command", all_commands(), ids=str)
def test_every_documented_command_is_run_by_a_test_or_says_why_not(command: docs.Command) -> None:
    how = how_run(command)
    assert how is not None, f"{command}: add it to tests/docs.py (run, interrupt, elsewhere or not_here)"
    if how.kind == "elsewhere":
        test_file, test_name = how.detail.split("::")
        source = (ROOT / test_file).read_text(encoding="utf-8")
        assert f"def {test_name}(" in source, f"{command}: {how.detail} does not exist"
        assert "documented(" in source, f"{command}: {test_file} must read the command from the docs"
    if how.kind == "not_here":
        assert len(how.detail) > 20, f"{command}: say why it cannot run here"


# Named by the docs as not there yet, on purpose.
ABSENT_ON_PURPOSE = {"infra/locks/online.terraform.lock.hcl"}  # written by the first online plan (docs/terraform.md)


def test_every_path_the_docs_name_exists() -> None:
    missing = []
    for doc in DOCUMENTS:
        for match in _PATH.finditer(doc.read_text(encoding="utf-8")):
            path = match.group(1).rstrip(".,:)")
            if _PLACEHOLDER.search(path) or "probe" in path or path in ABSENT_ON_PURPOSE:
                continue  # a placeholder, the docs' own example of `new`, or said to be absent
            candidates = [ROOT / path, ROOT / "src" / path]
            if not any(c.exists() for c in candidates):
                missing.append(f"{doc.relative_to(ROOT)}: {path}")
    assert not missing


def _variables_read() -> set[str]:
    """The environment variables the toolchain and the emulator read (PLATFORM_*, EMULATOR_*)."""
    found: set[str] = set()
    for path in (ROOT / "src" / "toolchain").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                if re.fullmatch(r"(PLATFORM|EMULATOR)_[A-Z0-9_]+", value) and value != "EMULATOR_ENVIRONMENT":
                    found.add(value)
    return found


def test_the_configuration_table_names_exactly_the_variables_read() -> None:
    table = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `((?:PLATFORM|EMULATOR)_[A-Z0-9_]+)`", table, re.MULTILINE))
    read = _variables_read() - {"PLATFORM_DEBUG_PORT"}  # set by the emulator for its workers, not by users
    read = {name for name in read if not name.endswith("_")}  # a prefix (PLATFORM_PYTHON_)
    assert documented - {"PLATFORM_PYTHON_3_12"} == read - {"PLATFORM_PYTHON_3_12"}


def test_every_root_variable_the_docs_name_is_declared() -> None:
    declared = set(re.findall(r'^variable "(\w+)"', (ROOT / "infra/variables.tf").read_text(), re.MULTILINE))
    texts = "\n".join(d.read_text(encoding="utf-8") for d in DOCUMENTS)
    named = set(re.findall(r"\bvar\.(\w+)", texts))
    assert named <= declared, named - declared
    for tfvars in (ROOT / "infra/workspaces").glob("*.tfvars"):
        for name in re.findall(r"^(\w+)\s*=", tfvars.read_text(), re.MULTILINE):
            assert name in declared, f"{tfvars.name} sets {name}, which infra/variables.tf does not declare"


def test_the_documents_read_are_the_ones_there_are() -> None:
    assert {p.name for p in DOCUMENTS} >= {p.name for p in (ROOT / "docs").glob("*.md")} | {"README.md"}
