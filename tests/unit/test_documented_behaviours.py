"""Every behaviour the docs state has a test that says it checks it, and no test claims one the docs
no longer state.

A behaviour is a paragraph or bullet of docs/ that opens with a bold name (tests/docs.py
`behaviours`); a test claims it with `@pytest.mark.documents("emulator.md", "Memory is a limit")`
(or a module's `pytestmark`). Claims are read from the tests' source, so the check needs no
emulator: that the claiming test really checks the behaviour is for its reader, this check only
makes the link impossible to forget or to leave dangling.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from tests.docs import BEHAVIOUR_DOCUMENTS, ROOT, behaviour_name, behaviours


def _claims() -> dict[tuple[str, str], list[str]]:
    """(document, behaviour) -> the test files that claim it."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "documents" or not isinstance(node.func.value, ast.Attribute):
                continue
            if node.func.value.attr != "mark":
                continue
            document, *names = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
            assert names and len(names) + 1 == len(node.args), (
                f"{path}:{node.lineno}: documents(doc, *names) as literals"
            )
            for name in names:
                found[(document, behaviour_name(name))].append(str(Path(path).relative_to(ROOT)))
    return found


CLAIMS = _claims()
STATED = {(document, name): line for document in BEHAVIOUR_DOCUMENTS for line, name in behaviours(document)}


@pytest.mark.parametrize(("document", "name"), sorted(STATED), ids=lambda value: value)
def test_each_documented_behaviour_has_a_test(document: str, name: str) -> None:
    assert CLAIMS.get((document, name)), (
        f"docs/{document}:{STATED[(document, name)]}: no test claims {name!r} "
        f'(@pytest.mark.documents("{document}", "{name}") on the test that checks it)'
    )


def test_every_claim_names_a_behaviour_the_docs_state() -> None:
    dangling = {f"{document}: {name!r} in {', '.join(files)}" for (document, name), files in CLAIMS.items()
                if (document, name) not in STATED}  # fmt: skip
    assert not dangling, "claimed, but no longer stated in docs/:\n" + "\n".join(sorted(dangling))


def test_a_behaviour_is_named_once_per_document() -> None:
    for document in BEHAVIOUR_DOCUMENTS:
        names = [name for _, name in behaviours(document)]
        assert len(names) == len(set(names)), f"docs/{document} names a behaviour twice"
