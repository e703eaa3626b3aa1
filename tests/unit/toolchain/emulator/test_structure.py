"""The emulator's shape: one declared list of changes to moto, none of them twice; packages by AWS
service, layered, with no import cycle; a stale check over every file."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import toolchain.emulator
from toolchain.emulator import info, patches
from toolchain.emulator.patching import CORRECTION, EMULATION, Applied, DoublePatch, Override, Patch, check, resolve

PACKAGE = Path(toolchain.emulator.__file__).parent
FOUNDATION = {
    "info",
    "clients",
    "patching",
    "parts",
    "timestamps",
    "sites",
    "control",
    "dispatching",
    "metering",
    "persistence",  # the gate every changing request passes, the checkpoint and its store
    "__init__",
}
SERVICES = {"event_sources", "apigateway", "sns", "s3", "sqs", "dynamodb", "cloudwatch", "events", "kinesis",
            "stepfunctions"}  # fmt: skip
ASSEMBLY = {"patches", "control_api", "server", "billing", "faults", "__main__"}
# IAM sits below the services that consult it: Lambda hands out its sessions, API Gateway reads
# Lambda's resource policies through it.
LAYERS = [FOUNDATION, {"iam"}, {"xray"}, {"awslambda"}, SERVICES, ASSEMBLY]


def _unit(path: Path) -> str:
    """The top-level module or package of the emulator a file belongs to."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _layer(unit: str) -> int:
    return next(index for index, units in enumerate(LAYERS) if unit in units)


def _imports(path: Path) -> set[str]:
    """The emulator units a module imports at run time (TYPE_CHECKING imports are types, not edges)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checking = {id(node) for stmt in ast.walk(tree) if isinstance(stmt, ast.If)
                and isinstance(stmt.test, ast.Name) and stmt.test.id == "TYPE_CHECKING"
                for node in ast.walk(stmt)}  # fmt: skip
    found = set()
    for node in ast.walk(tree):
        if id(node) in checking:
            continue
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name.startswith("toolchain.emulator."):
                found.add(name.split(".")[2])
    return found


FILES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_file_is_in_a_layer() -> None:
    units = {_unit(p) for p in FILES}
    assert units <= set().union(*LAYERS), units - set().union(*LAYERS)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer_or_another_service(path: Path) -> None:
    unit = _unit(path)
    for imported in _imports(path) - {unit}:
        assert _layer(imported) <= _layer(unit), f"{unit} (layer {_layer(unit)}) imports {imported}"
        assert not (unit in SERVICES and imported in SERVICES), f"service {unit} imports service {imported}"


def test_the_packages_import_without_cycles() -> None:
    graph = {unit: set() for unit in {_unit(p) for p in FILES}}
    for path in FILES:
        graph[_unit(path)] |= _imports(path) - {_unit(path)}
    visiting: list[str] = []

    def visit(unit: str) -> None:
        assert unit not in visiting, f"import cycle: {' -> '.join([*visiting, unit])}"
        visiting.append(unit)
        for other in graph[unit]:
            visit(other)
        visiting.pop()

    for unit in graph:
        visit(unit)


def test_every_change_resolves_names_its_owner_and_says_why() -> None:
    for change in check(patches.CHANGES):
        assert change.owner in SERVICES | {"awslambda", "xray", "iam", "server"}, change
        assert len(change.why) > 20, change
        assert change.kind in (CORRECTION, EMULATION)
        if isinstance(change, Patch):
            resolve(change.target)  # the moto class or module it changes exists
        else:
            assert hasattr(resolve(change.backends), "backend"), change  # a BackendDict: moto's registry


def test_two_patches_of_one_attribute_are_refused() -> None:
    first = Patch("sqs", "moto.sqs.models:Queue", "attributes", lambda original, emulator: original, why="x" * 30)
    second = Patch("sns", "moto.sqs.models:Queue", "attributes", lambda original, emulator: original, why="y" * 30)
    with pytest.raises(DoublePatch, match=r"moto.sqs.models:Queue.attributes is changed by sqs and again by sns"):
        check([first, second])


def test_two_mixins_overriding_one_backend_method_are_refused() -> None:
    class First:
        def invoke(self) -> None: ...

    class Second:
        def invoke(self) -> None: ...

        def other(self) -> None: ...

    backends = "moto.awslambda.models:lambda_backends"
    with pytest.raises(DoublePatch, match=r"lambda_backends.invoke is changed by awslambda and again by s3"):
        check([Override("awslambda", backends, First, why="x" * 30), Override("s3", backends, Second, why="y" * 30)])


def test_a_change_applied_before_cannot_be_applied_again_by_another_owner() -> None:
    applied = Applied()
    holder = type("Holder", (), {"value": 1})
    module = importlib.import_module(__name__)
    module.Holder = holder
    target = f"{__name__}:Holder"
    assert applied.apply([Patch("sqs", target, "value", lambda original, e: original + 1, why="z" * 30)]) == 1
    assert holder.value == 2
    with pytest.raises(DoublePatch, match="changed by sqs already; sns changes it again"):
        applied.apply([Patch("sns", target, "value", lambda original, e: original * 10, why="w" * 30)])
    assert holder.value == 2


def test_the_declared_list_has_no_double() -> None:
    check(patches.CHANGES)  # raises DoublePatch otherwise


@pytest.mark.documents("emulator.md", "A stale emulator is replaced")
def test_the_stale_check_hashes_files_in_every_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a copy of the package, one nested file edited: the version changes
    import shutil

    copy = tmp_path / "emulator"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(info, "PACKAGE", copy)
    before = info.code_version()
    nested = copy / "event_sources" / "batches.py"
    nested.write_text(nested.read_text() + "\n# an edit\n")
    assert info.code_version() != before
