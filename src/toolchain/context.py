"""What every task works with: the project's configuration, its builds, Terraform and the emulator's control.

Words used in the toolchain, one meaning each:
- runtime: the Python and architecture artifacts are built for (`packaging.runtimes.Runtime`);
- build: a runtime and the folder its artifacts and manifest are in (`Build`);
- environment: a Terraform workspace (emulator, dev, staging, prod);
- target: where environments run, the embedded emulator or an AWS account (`deploy.targets`).
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from toolchain.cache import cache_dir
from toolchain.config import ProjectConfig
from toolchain.emulator.control import EmulatorControl
from toolchain.packaging.builder import BuildReport, Packager
from toolchain.packaging.bytecode import Compiler, InterpreterCompiler
from toolchain.packaging.runtimes import Runtime
from toolchain.packaging.wheels import PipRunner, SubprocessPip, WheelCache
from toolchain.probes import ProbeMemo
from toolchain.pythons import find_interpreter
from toolchain.reporting import Reporter
from toolchain.terraform.index import refresh_index
from toolchain.terraform.install import Terraform, TerraformInstaller
from toolchain.terraform.project import TerraformProject

if TYPE_CHECKING:
    from toolchain.emulator.persistence.snapshots import Snapshots

_MACHINES = {"x86_64": ("x86_64", "amd64"), "arm64": ("aarch64", "arm64")}


def _glibc() -> tuple[int, int] | None:
    try:
        name, version = (os.confstr("CS_GNU_LIBC_VERSION") or "").split()
        major, minor = version.split(".")[:2]
        return (int(major), int(minor)) if name == "glibc" else None
    except (ValueError, OSError, AttributeError):
        return None


@dataclass(frozen=True)
class Build:
    """A runtime and the folder of its artifacts and manifest (and, to run it here, an interpreter)."""

    runtime: Runtime
    out_dir: Path
    interpreter: Path | None = None

    @property
    def manifest(self) -> Path:
        return self.out_dir / "manifest.json"


class Toolchain:
    def __init__(self, config: ProjectConfig, reporter: Reporter, pip: PipRunner | None = None,
                 verbose: bool | None = None) -> None:  # fmt: skip
        self.config = config
        # Terraform's output in full instead of summaries: a task's --verbose, or PLATFORM_VERBOSE=1.
        self.verbose = os.environ.get("PLATFORM_VERBOSE") == "1" if verbose is None else verbose
        self.reporter = reporter
        self.pip = pip or SubprocessPip()
        self.emulator = EmulatorControl(config.build_dir / "emulator")
        self._compilers: dict[Runtime, Compiler | None] = {}

    def snapshots(self) -> Snapshots:
        """The emulator's named snapshots (build/snapshots), its state and Terraform's of what is on it."""
        from toolchain.emulator.persistence.snapshots import Snapshots
        from toolchain.emulator.persistence.store import StateStore

        build = self.config.build_dir
        return Snapshots(build / "snapshots", StateStore(self.emulator.state_store_dir), build / "tf" / "emulator")

    # -- builds ------------------------------------------------------------------------------------
    def lambda_build(self, python: str | None = None, architecture: str | None = None) -> Build:
        runtime = Runtime.on_lambda(python or self.config.python, architecture or self.config.architecture)
        return Build(runtime, self.config.build_dir)

    def emulator_build(self) -> Build:
        """The Lambda build itself when this machine can run it, else a build for this interpreter.

        Running the very artifacts that would go to AWS needs Linux on the same architecture, a glibc
        at least as new as Lambda's and an interpreter of the runtime's Python version.
        """
        lambda_build = self.lambda_build()
        runtime = lambda_build.runtime
        glibc = _glibc()
        if (
            sys.platform == "linux"
            and platform.machine().lower() in _MACHINES[runtime.architecture or "x86_64"]
            and glibc is not None
            and glibc >= runtime.glibc
        ):
            interpreter = find_interpreter(runtime.python)
            if interpreter is not None:
                return Build(runtime, lambda_build.out_dir, interpreter)
        return Build(Runtime.host(), self.config.build_dir / "local", Path(sys.executable))

    def compiler(self, runtime: Runtime) -> Compiler | None:
        """What makes the runtime's byte code: an interpreter of its Python version, if there is one."""
        if runtime not in self._compilers:
            interpreter = Path(sys.executable) if runtime.is_host else find_interpreter(runtime.python)
            if interpreter is None:
                variable = f"PLATFORM_PYTHON_{runtime.python.replace('.', '_')}"
                self.reporter.step(
                    f"warning: no Python {runtime.python} on this machine: the artifacts carry no byte code, so every "
                    f"cold start compiles its imports (install python{runtime.python}, or set {variable})"
                )
            self._compilers[runtime] = None if interpreter is None else self._probed(interpreter)
        return self._compilers[runtime]

    @staticmethod
    def _probed(interpreter: Path) -> InterpreterCompiler:
        memo = ProbeMemo(cache_dir() / "interpreters.json")

        def probe() -> dict[str, str]:
            probed = InterpreterCompiler.probe(interpreter)
            return {"version": probed.version, "tag": probed.tag}

        answer = memo.ask(interpreter, "compiles", probe)
        return InterpreterCompiler(interpreter, answer["version"], answer["tag"])

    def package(self, build: Build) -> BuildReport:
        wheels = WheelCache(cache_dir() / "wheels", self.pip, self.reporter)
        packager = Packager(self.config, build.runtime, build.out_dir, wheels=wheels, reporter=self.reporter,
                            compiler=self.compiler(build.runtime))  # fmt: skip
        return packager.build()

    # -- terraform ---------------------------------------------------------------------------------
    def terraform(self) -> Terraform:
        installer = TerraformInstaller(
            self.config.build_dir / "terraform", cache_dir() / "downloads", self.pip, self.reporter
        )
        return installer.ensure()

    def terraform_project(self, name: str, terraform: Terraform | None = None, module: str = "") -> TerraformProject:
        """A staged copy of infra/ under build/tf/<name> (one per target and, on AWS, per environment)."""
        refresh_index(self.config.infra_dir, [f.name for f in self.config.functions])
        terraform = terraform or self.terraform()
        # Offline the provider is pinned by its sha256 in the toolchain, so its lock file is derived
        # and stays in build/. Online, the registry's lock file is kept in infra/locks/ for committing.
        lock = self.config.infra_dir / "locks" / "online.terraform.lock.hcl" if terraform.mode == "online" else None
        return TerraformProject(terraform, self.config.infra_dir, self.config.build_dir / "tf" / name, self.reporter,
                                lock_file=lock, module=module, verbose=self.verbose)  # fmt: skip
