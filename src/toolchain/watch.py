"""`invoke watch`: a saved edit runs on the emulator without Terraform, as `sam sync --watch` does on AWS.

The deployed sources are polled (stat only, every `interval` seconds). A change rebuilds only the
artifacts whose inputs changed (the incremental packager knows which) and swaps each new zip into
its function with UpdateFunctionCode, so the next invocation starts a new worker on the new code.
A change only Terraform can make (infra/, a function added or removed, the layer's pins) is said,
with the command to run; a save that does not compile is reported and the running code kept.

Terraform stays the source of truth: build/manifest.json always names what runs, so the next
`invoke up` plans exactly the functions the watch updated, and applies them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolchain.config import ProjectConfig, load_config
from toolchain.context import Toolchain
from toolchain.deploy.release import Releaser
from toolchain.errors import ToolchainError

Snapshot = dict[Path, tuple[int, int]]


def _files(root: Path, patterns: Iterable[str]) -> list[Path]:
    found: list[Path] = []
    for pattern in patterns:
        found += [p for p in root.glob(pattern) if p.is_file() and "__pycache__" not in p.parts]
    return found


def snapshot(config: ProjectConfig) -> Snapshot:
    files = _files(config.source_root / "lambdas", ["**/*"])
    files += _files(config.infra_dir, ["*.tf", "modules/**/*.tf", "workspaces/*.tfvars"])
    files += [config.root / "pyproject.toml", config.layer.requirements]
    state = {}
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        state[path] = (stat.st_mtime_ns, stat.st_size)
    return state


def changed(before: Snapshot, after: Snapshot) -> list[Path]:
    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))


@dataclass
class Update:
    function: str
    sha256: str
    seconds: float


@dataclass
class Outcome:
    updates: list[Update] = field(default_factory=list)
    needs_terraform: str | None = None
    broken: str | None = None


def _syntax_errors(paths: Iterable[Path]) -> str | None:
    for path in paths:
        if path.suffix != ".py" or not path.is_file():
            continue
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except SyntaxError as exc:
            return f"{path.name} line {exc.lineno}: {exc.msg}"
    return None


class Watcher:
    def __init__(
        self,
        toolchain: Toolchain,
        lambda_client: Any,
        deployed_names: Callable[[], dict[str, str]],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.toolchain = toolchain
        self.config = toolchain.config
        self._lambda = lambda_client
        self._deployed_names = deployed_names
        self._clock = clock
        self._functions = {f.name for f in self.config.functions}

    def _needs_terraform(self, paths: list[Path]) -> str | None:
        infra = [p for p in paths if p.is_relative_to(self.config.infra_dir)]
        if infra:
            return f"{self.config.shown(infra[0])} changed: infrastructure goes through Terraform"
        if self.config.layer.requirements in paths:
            return f"{self.config.shown(self.config.layer.requirements)} changed: a new layer goes through Terraform"
        if self.config.root / "pyproject.toml" in paths:
            functions = {f.name for f in load_config(self.config.root).functions}
            if functions != self._functions:
                added, removed = sorted(functions - self._functions), sorted(self._functions - functions)
                what = ", ".join([*(f"+{n}" for n in added), *(f"-{n}" for n in removed)])
                return f"the functions changed ({what}): a new function goes through Terraform"
        return None

    def apply(self, paths: list[Path]) -> Outcome:
        """Carry one batch of saved files to the emulator."""
        needs = self._needs_terraform(paths)
        if needs is not None:
            return Outcome(needs_terraform=needs)
        broken = _syntax_errors(paths)
        if broken is not None:
            return Outcome(broken=broken)
        saved_at = max((p.stat().st_mtime for p in paths if p.is_file()), default=self._clock())
        self.config = load_config(self.config.root)
        self.toolchain.config = self.config
        build = self.toolchain.emulator_build()
        try:
            report = self.toolchain.package(build)
        except ToolchainError as exc:
            return Outcome(broken=exc.message)
        names = self._deployed_names()
        outcome = Outcome()
        for label in report.built:
            if not label.startswith("function "):
                continue
            function = label.removeprefix("function ")
            artifact = report.manifest.functions[function]
            data = (build.out_dir / artifact.path).read_bytes()
            self._swap(names[function], data)
            outcome.updates.append(Update(function, artifact.sha256, self._clock() - saved_at))
        return outcome

    def _swap(self, function_name: str, code: bytes) -> None:
        # published and made `live` at once: every trigger invokes the alias, not $LATEST
        version = self._lambda.update_function_code(FunctionName=function_name, ZipFile=code, Publish=True)["Version"]
        Releaser(self._lambda).move(function_name, str(version))

    def watch(
        self,
        report: Callable[[Outcome], None],
        *,
        interval: float = 0.1,
        settle: float = 0.05,
        stop: Callable[[], bool] = lambda: False,
        ready: Callable[[], None] = lambda: None,
    ) -> None:
        """Poll until `stop`; `ready` is called once the sources are recorded (a save after it is seen)."""
        before = snapshot(self.config)
        ready()
        while not stop():
            time.sleep(interval)
            after = snapshot(self.config)
            paths = changed(before, after)
            if not paths:
                continue
            time.sleep(settle)  # an editor's save is often several writes: take them together
            after = snapshot(self.config)
            paths = changed(before, after)
            before = after
            report(self.apply(paths))
