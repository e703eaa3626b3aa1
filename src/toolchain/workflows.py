"""The platform's workflows (package, up, down, plan, outputs, invoke), composed from the toolchain parts.

Two worlds run the same root module: the embedded emulator (local state, endpoints overridden) and
AWS (S3 backend). Workspaces name environments; `emulator` is the default one on the emulator.
"""

from __future__ import annotations

import os
import platform
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolchain.config import ProjectConfig
from toolchain.emulator.clients import emulator_client
from toolchain.emulator.control import EmulatorControl
from toolchain.emulator.server import ServerInfo
from toolchain.errors import ToolchainError
from toolchain.packaging.builder import BuildReport, Packager
from toolchain.packaging.targets import Target
from toolchain.packaging.wheels import PipRunner, SubprocessPip, WheelCache
from toolchain.pythons import find_interpreter
from toolchain.reporting import Reporter
from toolchain.terraform.install import Terraform, TerraformInstaller
from toolchain.terraform.overrides import OVERRIDE_FILE, emulator_override
from toolchain.terraform.project import TerraformProject

EMULATOR_WORKSPACE = "emulator"
_MACHINES = {"x86_64": ("x86_64", "amd64"), "arm64": ("aarch64", "arm64")}


def cache_dir() -> Path:
    override = os.environ.get("PLATFORM_CACHE_DIR")
    if override:
        return Path(override)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "serverless-platform"


def _glibc() -> tuple[int, int] | None:
    try:
        name, version = (os.confstr("CS_GNU_LIBC_VERSION") or "").split()
        major, minor = version.split(".")[:2]
        return (int(major), int(minor)) if name == "glibc" else None
    except (ValueError, OSError, AttributeError):
        return None


@dataclass(frozen=True)
class Profile:
    """What a build is for: the target and the folder of its artifacts and manifest."""

    target: Target
    out_dir: Path
    interpreter: Path | None = None

    @property
    def manifest(self) -> Path:
        return self.out_dir / "manifest.json"


class Platform:
    def __init__(self, config: ProjectConfig, reporter: Reporter, pip: PipRunner | None = None) -> None:
        self.config = config
        self.reporter = reporter
        self.pip = pip or SubprocessPip()
        self.emulator = EmulatorControl(config.build_dir / "emulator")

    # -- builds ------------------------------------------------------------------------------------
    def lambda_profile(self, python: str | None = None, architecture: str | None = None) -> Profile:
        target = Target.lambda_runtime(python or self.config.python, architecture or self.config.architecture)
        return Profile(target, self.config.build_dir)

    def emulator_profile(self) -> Profile:
        """The Lambda build itself when this machine can run it, else a build for this interpreter.

        Running the very artifacts that would go to AWS needs Linux on the same architecture, a glibc
        at least as new as Lambda's and an interpreter of the target Python version.
        """
        lambda_build = self.lambda_profile()
        target = lambda_build.target
        glibc = _glibc()
        if (
            sys.platform == "linux"
            and platform.machine().lower() in _MACHINES[target.architecture or "x86_64"]
            and glibc is not None
            and glibc >= target.glibc
        ):
            interpreter = find_interpreter(target.python)
            if interpreter is not None:
                return Profile(target, lambda_build.out_dir, interpreter)
        return Profile(Target.host(), self.config.build_dir / "local", Path(sys.executable))

    def package(self, profile: Profile) -> BuildReport:
        wheels = WheelCache(cache_dir() / "wheels", self.pip, self.reporter)
        packager = Packager(self.config, profile.target, profile.out_dir, wheels=wheels, reporter=self.reporter)
        return packager.build()

    # -- terraform ---------------------------------------------------------------------------------
    def terraform(self) -> Terraform:
        installer = TerraformInstaller(
            self.config.build_dir / "terraform", cache_dir() / "downloads", self.pip, self.reporter
        )
        return installer.ensure()

    def project(self, world: str, terraform: Terraform | None = None) -> TerraformProject:
        terraform = terraform or self.terraform()
        # Offline the provider is pinned by its sha256 in the toolchain, so its lock file is derived
        # and stays in build/. Online, the registry's lock file is kept in infra/locks/ for committing.
        lock = self.config.infra_dir / "locks" / "online.terraform.lock.hcl" if terraform.mode == "online" else None
        return TerraformProject(
            terraform, self.config.infra_dir, self.config.build_dir / "tf" / world, self.reporter, lock_file=lock
        )

    def _variables(
        self, project: TerraformProject, workspace: str, profile: Profile
    ) -> tuple[list[Path], dict[str, str]]:
        var_file = project.root_dir / "workspaces" / f"{workspace}.tfvars"
        if not (self.config.infra_dir / "workspaces" / f"{workspace}.tfvars").is_file():
            known = sorted(p.stem for p in (self.config.infra_dir / "workspaces").glob("*.tfvars"))
            raise ToolchainError(
                f"no workspace {workspace!r}: infra/workspaces/{workspace}.tfvars does not exist",
                f"use one of: {', '.join(known)}",
            )
        if not profile.manifest.is_file():
            raise ToolchainError(f"no build at {profile.manifest}", "run `invoke package` first")
        # Relative, so that a plan made in one checkout names the same files in another.
        manifest = os.path.relpath(profile.manifest, project.root_dir)
        return [var_file], {"manifest_path": manifest, **self.world_variables(project)}

    def world_variables(self, project: TerraformProject) -> dict[str, str]:
        """Values only the emulator world has: its stand-ins for outside websites live at its endpoint,
        and the offline aws provider 3.39 takes python3.8 as the runtime's label."""
        if project.work_dir.name != "emulator":
            return {}
        variables = {"site_base_url": f"{self.emulator.require().endpoint}/_sites"}
        if project.terraform.mode == "offline":
            variables["lambda_runtime"] = "python3.8"
        return variables

    def emulator_project(self, info: ServerInfo, module: str = "") -> TerraformProject:
        project = self.project("emulator")
        if module:
            project.module_dir = project.root_dir / module
        project.stage({OVERRIDE_FILE: emulator_override(info.endpoint)})
        marker = project.module_dir / ".emulator-instance"
        previous = marker.read_text().strip() if marker.is_file() else None
        if previous != info.instance_id:
            # The emulator is in-memory: a new instance holds none of the resources the state names.
            for state in [*project.module_dir.glob("terraform.tfstate.d/*/terraform.tfstate*"),
                          *project.module_dir.glob("terraform.tfstate*")]:  # fmt: skip
                if state.is_file():
                    state.unlink()
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(info.instance_id)
        project.init()
        return project

    # -- the emulator world ------------------------------------------------------------------------
    def up(self, workspace: str = EMULATOR_WORKSPACE) -> dict[str, Any]:
        terraform = self.terraform()
        self.reporter.step(f"Terraform {terraform.mode}: {terraform.binary}")
        info, started = self.emulator.start()
        self.reporter.step(f"{'Started' if started else 'Reusing'} the emulator at {info.endpoint} (pid {info.pid})")
        profile = self.emulator_profile()
        self.reporter.step(f"Packaging for {profile.target.describe()}; the emulator runs it on {profile.interpreter}")
        report = self.package(profile)
        self.reporter.detail(
            f"built {len(report.built)}, unchanged {len(report.reused)} ({report.seconds:.2f} s) -> {profile.manifest}"
        )
        project = self.emulator_project(info)
        project.select_workspace(workspace, create=True)
        var_files, variables = self._variables(project, workspace, profile)
        self.reporter.step(f"Applying infra/ to the emulator (workspace {workspace})")
        project.apply(var_files, variables)
        outputs = project.outputs()
        self.seed_secrets(outputs)
        return outputs

    def seed_secrets(self, outputs: dict[str, Any]) -> None:
        """Give the emulator's empty secrets a random value, as an operator would with put-secret-value.

        Terraform creates secrets without values (a value would end up in its state); on AWS they are
        set by hand, here by this step, once.
        """
        client = self.emulator_client("secretsmanager", outputs.get("region", "us-east-1"))
        for name, secret_id in sorted(outputs.items()):
            if not name.endswith("_secret_id") or not isinstance(secret_id, str):
                continue
            try:
                client.get_secret_value(SecretId=secret_id)
            except client.exceptions.ResourceNotFoundException:
                client.put_secret_value(SecretId=secret_id, SecretString=secrets.token_urlsafe(48))
                self.reporter.detail(f"set a random value for {secret_id.rsplit(':', 1)[-1]}")

    def emulator_outputs(self, workspace: str = EMULATOR_WORKSPACE) -> dict[str, Any]:
        info = self.emulator.require()
        project = self.emulator_project(info)
        project.select_workspace(workspace, create=False)
        return project.outputs()

    def down(self) -> ServerInfo | None:
        return self.emulator.stop()

    def emulator_client(self, service: str, region: str = "us-east-1") -> Any:
        """A boto3 client for the running emulator."""
        return emulator_client(service, self.emulator.require().endpoint, region)
