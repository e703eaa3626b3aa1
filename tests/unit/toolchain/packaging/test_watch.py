"""The watch's decisions on a small project: what it rebuilds and swaps, and what it leaves to Terraform."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest

from toolchain.config import load_config
from toolchain.context import Build
from toolchain.packaging.builder import BuildReport, Packager
from toolchain.packaging.runtimes import Runtime
from toolchain.packaging.wheels import WheelCache
from toolchain.reporting import RecordingReporter
from toolchain.watch import Outcome, Watcher, changed, snapshot

from .conftest import FakePip, write_project

RUNTIME = Runtime.on_lambda("3.12", "x86_64")


class SmallToolchain:
    """The two things the watch asks of the toolchain, on a small project with hand-made wheels."""

    def __init__(self, root: Path, index: Path) -> None:
        self.config = load_config(root)
        self._wheels = WheelCache(root / "cache", FakePip(index), RecordingReporter())

    def emulator_build(self) -> Build:
        return Build(RUNTIME, self.config.build_dir)

    def package(self, build: Build) -> BuildReport:
        return Packager(self.config, build.runtime, build.out_dir, wheels=self._wheels,
                        reporter=RecordingReporter()).build()  # fmt: skip


class RecordingLambda:
    """Code updates, published versions and the `live` alias, as Lambda keeps them."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, str]] = []
        self.live: dict[str, str] = {}

    def update_function_code(self, FunctionName: str, ZipFile: bytes, Publish: bool = False) -> dict[str, Any]:
        self.updates.append((FunctionName, hashlib.sha256(ZipFile).hexdigest()))
        return {"Version": str(len(self.updates) + 1) if Publish else "$LATEST"}

    def get_alias(self, FunctionName: str, Name: str) -> dict[str, Any]:
        return {"FunctionVersion": self.live.get(FunctionName, "1"), "Description": ""}

    def update_alias(self, FunctionName: str, Name: str, FunctionVersion: str, **_: Any) -> dict[str, Any]:
        assert Name == "live"
        self.live[FunctionName] = FunctionVersion
        return {}


@pytest.fixture
def project(
    tmp_path: Path, wheel_index: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, SmallToolchain, Watcher, RecordingLambda]:
    root = tmp_path / "project"
    write_project(root)
    (root / "infra").mkdir()
    (root / "infra" / "main.tf").write_text("# infra\n")
    monkeypatch.setenv("PLATFORM_BUILD_DIR", str(root / "build"))
    toolchain = SmallToolchain(root, wheel_index)
    toolchain.package(toolchain.emulator_build())
    client = RecordingLambda()
    watcher = Watcher(toolchain, client, lambda: {"alpha": "platform-local-alpha", "beta": "platform-local-beta"})  # type: ignore[arg-type]
    return root, toolchain, watcher, client


def test_an_edit_rebuilds_and_swaps_only_its_function(project) -> None:
    root, toolchain, watcher, client = project
    handler = root / "src/lambdas/services/alpha/handler.py"
    handler.write_text("def lambda_handler(event, context):\n    return 'alpha 2'\n")
    outcome = watcher.apply([handler])
    assert [u.function for u in outcome.updates] == ["alpha"]
    manifest = toolchain.package(toolchain.emulator_build()).manifest
    assert client.updates == [("platform-local-alpha", manifest.functions["alpha"].sha256)]
    assert client.live == {"platform-local-alpha": "2"}  # published, and what the triggers invoke
    assert outcome.updates[0].sha256 == manifest.functions["alpha"].sha256


def test_a_save_that_does_not_compile_keeps_the_running_code(project) -> None:
    root, _toolchain, watcher, client = project
    manifest = (root / "build/manifest.json").read_text()
    logic = root / "src/lambdas/services/alpha/logic.py"
    logic.write_text("X = (\n")
    outcome = watcher.apply([logic])
    assert outcome.broken and "logic.py line" in outcome.broken
    assert client.updates == [] and (root / "build/manifest.json").read_text() == manifest


def test_a_missing_handler_keeps_the_running_code(project) -> None:
    root, _, watcher, client = project
    handler = root / "src/lambdas/services/alpha/handler.py"
    handler.write_text("def renamed(event, context):\n    return 1\n")
    outcome = watcher.apply([handler])
    assert outcome.broken and "defines no top-level 'lambda_handler'" in outcome.broken
    assert client.updates == []


@pytest.mark.parametrize(
    ("path", "edit_text", "reason"),
    [
        ("infra/main.tf", "# changed\n", "infra/main.tf changed"),
        ("requirements/layer.txt", "tinylib==1.0\n", "a new layer goes through Terraform"),
    ],
)
def test_what_only_terraform_can_do_is_said(project, path: str, edit_text: str, reason: str) -> None:
    root, _, watcher, client = project
    (root / path).write_text(edit_text)
    outcome = watcher.apply([root / path])
    assert outcome.needs_terraform and reason in outcome.needs_terraform
    assert client.updates == []


def test_a_new_function_is_terraforms_and_snapshots_see_every_save(project) -> None:
    root, _, watcher, _client = project
    before = snapshot(load_config(root))
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'gamma = "lambdas.services.alpha.handler.lambda_handler"\n')
    assert pyproject in changed(before, snapshot(load_config(root)))
    outcome = watcher.apply([pyproject])
    assert outcome.needs_terraform and "+gamma" in outcome.needs_terraform


def test_a_save_right_after_the_watch_says_it_is_ready_is_carried(project) -> None:
    root, _, watcher, client = project
    handler = root / "src/lambdas/services/alpha/handler.py"
    outcomes: list[Outcome] = []

    def save() -> None:  # the moment "Watching ..." is printed, a user (or a script) saves
        handler.write_text("def lambda_handler(event, context):\n    return 'saved at once'\n")

    deadline = time.monotonic() + 10
    watcher.watch(outcomes.append, interval=0.01, settle=0.01, ready=save,
                  stop=lambda: bool(outcomes) or time.monotonic() > deadline)  # fmt: skip
    assert outcomes, "the save was never seen"
    assert [u.function for u in outcomes[0].updates] == ["alpha"] and len(client.updates) == 1
