"""Where environments run: the embedded emulator, or an AWS account. Everything that differs lives here.

A target knows its AWS clients and credentials, the staged Terraform project of an environment, the
variables only it passes, the build it deploys, and what follows an apply. Plan, apply, outputs,
promotion and cost are written once, against this interface (deploy/environments.py).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any, Protocol

from toolchain.context import Build, Toolchain
from toolchain.deploy.deployer import (
    LOCAL_REPOSITORY,
    required_repository,
    session_credentials,
    workflow_token,
)
from toolchain.emulator.clients import ACCESS_KEY_ID, SECRET_ACCESS_KEY, emulator_client, session_client
from toolchain.errors import ToolchainError
from toolchain.terraform.overrides import OVERRIDE_FILE, emulator_override
from toolchain.terraform.project import TerraformProject

EMULATOR_ENVIRONMENT = "emulator"
TARGETS = ("emulator", "aws")


class DeployTarget(Protocol):
    name: str

    def require(self, env: str) -> None:
        """Every precondition that needs no network, checked before anything is built or uploaded."""
        ...

    def client(self, service: str, region: str = "us-east-1") -> Any:
        """A client with the operator's credentials (reading, invoking, fetching logs)."""
        ...

    def deploy_client(self, service: str, region: str, env: str) -> Any:
        """A client with `env`'s deployer credentials (uploading, moving aliases, baking alarms)."""
        ...

    def bootstrap_variables(self) -> dict[str, str]: ...

    def build(self) -> Build:
        """The build this target deploys."""
        ...

    def project(self, env: str, deployer: str | None = None) -> TerraformProject:
        """The environment's staged Terraform project, initialised, its workspace selected, acting as
        `deployer`'s role (default: env's)."""
        ...

    def bootstrap_project(self) -> TerraformProject: ...

    def variables(self, env: str) -> dict[str, str]:
        """Variables only this target passes (besides the environment's tfvars and the manifest)."""
        ...

    def after_apply(self, outputs: dict[str, Any]) -> None: ...

    def recorded_outputs(self, env: str) -> dict[str, Any] | None:
        """The environment's outputs read without running Terraform, where this target can; else None."""
        ...

    def recorded_state(self, env: str) -> dict[str, Any] | None:
        """The environment's whole Terraform state read without running Terraform, where this target
        can; else None."""
        ...

    def instance(self) -> str | None:
        """What identifies this target's resources between runs, where only this machine changes them
        (the emulator's instance id); None where others may (an AWS account): never skip an apply."""
        ...

    def local_api_url(self, outputs: dict[str, Any]) -> str | None: ...

    def log_sources(self) -> dict[str, str]:
        """Logs of this target's own machinery (searched for leaked secrets)."""
        ...

    def debug(self, function_name: str, port: int) -> None:
        """The function's next invocations wait for a debugger on `port` (0: no longer)."""
        ...


class EmulatorTarget:
    """The embedded emulator: one account, local state, every environment side by side."""

    name = "emulator"

    def __init__(self, toolchain: Toolchain) -> None:
        self.toolchain = toolchain
        self._project: TerraformProject | None = None
        self._sessions: dict[str, dict[str, str]] = {}

    def require(self, env: str) -> None:
        self.toolchain.emulator.require()

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return emulator_client(service, self.toolchain.emulator.require().endpoint, region)

    def deploy_client(self, service: str, region: str, env: str) -> Any:
        return session_client(service, self.toolchain.emulator.require().endpoint, region, self.credentials(env))

    def bootstrap_variables(self) -> dict[str, str]:
        # the workflow's repository in CI; otherwise a fixed stand-in, which the tokens minted here name too
        return {"github_repository": os.environ.get("GITHUB_REPOSITORY", "").strip() or LOCAL_REPOSITORY}

    def credentials(self, env: str | None) -> dict[str, str]:
        """Who acts for `env`: the emulator environment and bootstrap are the operator's (`invoke up` on
        one machine); dev, staging and prod are deployed by their own deploy role, as CI deploys them."""
        operator = {"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY}
        if env is None or env == EMULATOR_ENVIRONMENT:
            return {**operator, "AWS_SESSION_TOKEN": ""}
        if env not in self._sessions:
            roles = self._bootstrap_outputs().get("deploy_role_arns") or {}
            if env not in roles:
                raise ToolchainError(
                    f"the emulator's account has no deploy role for {env}",
                    "run `invoke bootstrap` (it creates each environment's deploy role)",
                )
            token = workflow_token(self.bootstrap_variables()["github_repository"], env, time.time())
            self._sessions[env] = session_credentials(self.client("sts"), roles[env], token, env)
        return self._sessions[env]

    def _bootstrap_outputs(self) -> dict[str, Any]:
        module = self.toolchain.config.build_dir / "tf" / "emulator" / "root" / "bootstrap"
        try:
            if (module / ".emulator-instance").read_text().strip() != self.toolchain.emulator.require().identity:
                return {}
            state = json.loads((module / "terraform.tfstate").read_text())
        except (OSError, ValueError):
            return {}
        return {name: item.get("value") for name, item in (state.get("outputs") or {}).items()}

    def build(self) -> Build:
        return self.toolchain.emulator_build()

    def _staged(self, module: str = "") -> TerraformProject:
        info = self.toolchain.emulator.require()
        project = self.toolchain.terraform_project("emulator", module=module)
        project.stage({OVERRIDE_FILE: emulator_override(info.endpoint)})
        marker = project.module_dir / ".emulator-instance"
        previous = marker.read_text().strip() if marker.is_file() else None
        if previous != info.identity:
            # An emulator that started empty (or from another state) holds none of the resources it names.
            for state in [*project.module_dir.glob("terraform.tfstate.d/*/terraform.tfstate*"),
                          *project.module_dir.glob("terraform.tfstate*")]:  # fmt: skip
                if state.is_file():
                    state.unlink()
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(info.identity)
        project.init()
        return project

    def project(self, env: str, deployer: str | None = None) -> TerraformProject:
        # All environments share one staged copy (one backend: local state, a workspace each).
        if self._project is None:
            self._project = self._staged()
        self._project.credentials = self.credentials(deployer or env)
        self._project.select_workspace(env, create=True)
        return self._project

    def bootstrap_project(self) -> TerraformProject:
        # The emulated account exists while the emulator runs: bootstrapping it starts one if none does,
        # so dev, staging and prod can be tried on it without the emulator environment `up` deploys.
        info, started = self.toolchain.emulator.start()
        if started:
            self.toolchain.reporter.step(f"Started the emulator at {info.endpoint} (pid {info.pid})")
        project = self._staged("bootstrap")
        project.credentials = self.credentials(None)
        return project

    def variables(self, env: str) -> dict[str, str]:
        # The emulator's stand-ins for outside websites live at its endpoint.
        variables = {"site_base_url": f"{self.toolchain.emulator.require().endpoint}/_sites"}
        if self.toolchain.terraform().mode == "offline":
            variables["lambda_runtime"] = "python3.8"  # aws provider 3.39's newest; a label only here
        if env != EMULATOR_ENVIRONMENT:
            # One account holds every environment here; API Gateway's account-wide logging role
            # is the emulator environment's, or each apply would take it from the others.
            variables["manage_api_gateway_account"] = "false"
        return variables

    def after_apply(self, outputs: dict[str, Any]) -> None:
        """Give the emulator's empty secrets a random value, as an operator would with put-secret-value.

        Terraform creates secrets without values (a value would end up in its state); on AWS they are
        set by hand, here by this step, once.
        """
        client = self.client("secretsmanager", outputs.get("region", "us-east-1"))
        for name, secret_id in sorted(outputs.items()):
            if not name.endswith("_secret_id") or not isinstance(secret_id, str):
                continue
            try:
                client.get_secret_value(SecretId=secret_id)
            except client.exceptions.ResourceNotFoundException:
                client.put_secret_value(SecretId=secret_id, SecretString=secrets.token_urlsafe(48))
                self.toolchain.reporter.detail(f"set a random value for {secret_id.rsplit(':', 1)[-1]}")
        # what Terraform's state now names is on disk too, before anything records the apply as done
        self.toolchain.emulator.save_state()

    def instance(self) -> str | None:
        return self.toolchain.emulator.require().identity

    def recorded_state(self, env: str) -> dict[str, Any] | None:
        # Local state, of this very emulator instance: read directly, in milliseconds.
        root = self.toolchain.config.build_dir / "tf" / "emulator" / "root"
        info = self.toolchain.emulator.require()
        try:
            if (root / ".emulator-instance").read_text().strip() != info.identity:
                return None
            state = json.loads((root / "terraform.tfstate.d" / env / "terraform.tfstate").read_text())
        except (OSError, ValueError):
            return None
        return state if isinstance(state, dict) else None

    def recorded_outputs(self, env: str) -> dict[str, Any] | None:
        state = self.recorded_state(env)
        if state is None:
            return None
        return {name: item.get("value") for name, item in (state.get("outputs") or {}).items()}

    def local_api_url(self, outputs: dict[str, Any]) -> str | None:
        for api in self.toolchain.emulator.apis():
            if api["api_id"] == outputs.get("api_id") and api["stage"] == outputs.get("api_stage"):
                return api["url"]
        return None

    def log_sources(self) -> dict[str, str]:
        log = self.toolchain.emulator.log_file
        return {"emulator server log": log.read_text(errors="replace") if log.is_file() else ""}

    def debug(self, function_name: str, port: int) -> None:
        self.toolchain.emulator.debug(function_name, port)


class AwsTarget:
    """An AWS account: an S3 backend per environment, credentials from the usual AWS settings."""

    name = "aws"

    def __init__(self, toolchain: Toolchain) -> None:
        self.toolchain = toolchain

    def backend_file(self, env: str) -> Path:
        return self.toolchain.config.infra_dir / "backends" / f"{env}.s3.tfbackend"

    def require(self, env: str) -> None:
        if env == EMULATOR_ENVIRONMENT:
            raise ToolchainError("the emulator environment exists only on the emulator", "pick dev, staging or prod")
        if self.toolchain.terraform().mode != "online":
            raise ToolchainError(
                "deploying to AWS needs Terraform with the current aws provider (python3.12 runtimes)",
                "run online: terraform on PATH and registry.terraform.io reachable",
            )
        backend = self.backend_file(env)
        if not backend.is_file():
            raise ToolchainError(
                f"no backend configuration for {env}: {self.toolchain.config.shown(backend)} does not exist",
                "run `invoke bootstrap --target aws` and save what it prints there "
                "(see infra/backends/example.s3.tfbackend)",
            )

    def client(self, service: str, region: str = "us-east-1") -> Any:
        import boto3

        return boto3.client(service, region_name=region)

    def deploy_client(self, service: str, region: str, env: str) -> Any:
        # In CI the job's credentials are already its environment's deploy role (OIDC); locally, the operator's.
        return self.client(service, region)

    def bootstrap_variables(self) -> dict[str, str]:
        return {"github_repository": required_repository(os.environ)}

    def build(self) -> Build:
        return self.toolchain.lambda_build()

    def project(self, env: str, deployer: str | None = None) -> TerraformProject:
        # Each environment its own staged copy: two never share an initialised backend by accident.
        project = self.toolchain.terraform_project(f"aws-{env}")
        project.stage({})
        project.init([str(self.backend_file(env))])
        project.select_workspace(env, create=True)
        return project

    def bootstrap_project(self) -> TerraformProject:
        project = self.toolchain.terraform_project("aws-bootstrap", module="bootstrap")
        project.stage({})
        project.init()
        return project

    def variables(self, env: str) -> dict[str, str]:
        return {}

    def after_apply(self, outputs: dict[str, Any]) -> None:
        return None

    def recorded_outputs(self, env: str) -> dict[str, Any] | None:
        return None

    def recorded_state(self, env: str) -> dict[str, Any] | None:
        return None

    def instance(self) -> str | None:
        return None

    def local_api_url(self, outputs: dict[str, Any]) -> str | None:
        return None

    def log_sources(self) -> dict[str, str]:
        return {}

    def debug(self, function_name: str, port: int) -> None:
        raise ToolchainError("a debugger attaches to functions on the emulator only", "use --target emulator")


def deploy_target(toolchain: Toolchain, name: str) -> DeployTarget:
    targets: dict[str, type[EmulatorTarget] | type[AwsTarget]] = {"emulator": EmulatorTarget, "aws": AwsTarget}
    if name not in targets:
        raise ToolchainError(f"unknown target {name!r}", f"use one of: {', '.join(TARGETS)}")
    return targets[name](toolchain)


def relative_manifest(manifest: Path, project: TerraformProject) -> str:
    """The manifest as the root module reads it: relative, so a plan made in one checkout names the
    same files in another."""
    return os.path.relpath(manifest, project.root_dir)
