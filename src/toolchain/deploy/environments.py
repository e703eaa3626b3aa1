"""Environments (Terraform workspaces) on a target: what they are, plan, apply, outputs, bootstrap.

Written once for every target (deploy/targets.py holds what differs). Every environment deploys from
the artifacts bucket, the emulator's own too: Terraform's aws provider serialises the creation of
functions whose code is a local file (one provider-wide lock, held through the 5 s wait for each
function to be Active), so local files cost `invoke up` a minute that S3 keys do not. `deploy` is
plan, then apply of exactly that plan, the one way anything is deployed (`invoke up` included).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolchain.context import Toolchain
from toolchain.deploy.artifacts import ArtifactStore, bucket_name
from toolchain.deploy.releases import Releases, Strategy
from toolchain.deploy.summary import plan_markdown, write_step_summary
from toolchain.deploy.targets import DeployTarget, relative_manifest
from toolchain.digests import file_sha256, sha256_hex
from toolchain.errors import ToolchainError
from toolchain.terraform.moves import carry_out, load_moves
from toolchain.terraform.project import TerraformProject


@dataclass
class PlanResult:
    env: str
    target: str
    plan_file: Path
    changes: bool
    manifest_sha256: str


def manifest_sha(path: Path) -> str:
    return file_sha256(path)


class Environments:
    def __init__(self, toolchain: Toolchain, target: DeployTarget) -> None:
        self.toolchain = toolchain
        self.target = target
        self.config = toolchain.config
        self.reporter = toolchain.reporter
        # The environment this task deploys, whose role it acts as throughout, as one CI job does (a
        # promotion to staging reads dev as staging's role); None: each environment's own.
        self.deploying: str | None = None

    # -- what an environment is ------------------------------------------------------------------
    def check(self, env: str) -> None:
        tfvars = self.config.infra_dir / "workspaces" / f"{env}.tfvars"
        if not tfvars.is_file():
            known = sorted(p.stem for p in tfvars.parent.glob("*.tfvars"))
            raise ToolchainError(f"no environment {env!r}: {self.config.shown(tfvars)} does not exist",
                                 f"use one of: {', '.join(known)}")  # fmt: skip

    def require(self, env: str) -> None:
        self.check(env)
        self.target.require(env)

    def tfvar(self, env: str, name: str, default: str) -> str:
        text = (self.config.infra_dir / "workspaces" / f"{env}.tfvars").read_text()
        match = re.search(rf'^\s*{name}\s*=\s*"([^"]*)"', text, re.MULTILINE)
        return match.group(1) if match else default

    def region(self, env: str) -> str:
        return self.tfvar(env, "region", "us-east-1")

    def client(self, service: str, env: str) -> Any:
        """The operator's client for `env` (reading, invoking, logs)."""
        return self.target.client(service, self.region(env))

    def deploy_client(self, service: str, env: str) -> Any:
        """The deployer's client: the role of `env`, or of the environment this task deploys (`deploying`)."""
        return self.target.deploy_client(service, self.region(env), self.deploying or env)

    def artifacts_store(self, env: str) -> ArtifactStore:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            account = self.deploy_client("sts", env).get_caller_identity()["Account"]
        except (BotoCoreError, ClientError) as exc:
            raise ToolchainError(
                f"cannot tell which AWS account to use: {exc}", "configure credentials (AWS_PROFILE or AWS_*)"
            ) from exc
        bucket = bucket_name(self.tfvar(env, "project", "platform"), account, self.region(env))
        return ArtifactStore(self.deploy_client("s3", env), bucket)

    # -- Terraform -------------------------------------------------------------------------------
    def project(self, env: str) -> TerraformProject:
        self.require(env)
        return self.target.project(env, self.deploying)

    def _moved(self, env: str, project: TerraformProject) -> None:
        """infra/moved.json's moves made in the state, before anything is planned (terraform/moves.py)."""
        for move in carry_out(project, load_moves(self.config.infra_dir), self.target.recorded_state(env)):
            self.reporter.detail(f"moved in {env}'s state: {move.source} -> {move.target}")

    def _variables(self, env: str, project: TerraformProject, manifest: Path) -> tuple[list[Path], dict[str, str]]:
        if not manifest.is_file():
            raise ToolchainError(f"no build at {manifest}", "run `invoke package` first")
        variables = {"manifest_path": relative_manifest(manifest, project), **self.target.variables(env)}
        variables["artifacts_bucket"] = self.artifacts_store(env).bucket
        return [project.root_dir / "workspaces" / f"{env}.tfvars"], variables

    def plan_file(self, env: str) -> Path:
        return self.config.build_dir / "plans" / f"{self.target.name}-{env}.tfplan"

    def plan_manifest(self, env: str, manifest: Path) -> PlanResult:
        """Save a plan that deploys exactly `manifest` to `env`."""
        project = self.project(env)
        self._moved(env, project)
        var_files, variables = self._variables(env, project, manifest)
        plan_file = self.plan_file(env)
        plan_file.parent.mkdir(parents=True, exist_ok=True)
        self.reporter.step(f"Planning {env} on the {self.target.name} (plan saved to {self.config.shown(plan_file)})")
        changes = project.plan(var_files, variables, out=plan_file)
        plan_file.with_suffix(".inputs").write_text(self.inputs(env, manifest))
        if "GITHUB_STEP_SUMMARY" in os.environ:  # in CI: the plan, resource by resource, on the job's page
            markdown = plan_markdown(env, self.target.name, manifest_sha(manifest), project.show_plan_json(plan_file))
            write_step_summary(markdown, os.environ)
        return PlanResult(env, self.target.name, plan_file, changes, manifest_sha(manifest))

    # -- what was applied, so that applying it again can be skipped -------------------------------
    def inputs(self, env: str, manifest: Path) -> str:
        """Everything an apply of `env` depends on: infra/, the manifest, the target's variables and
        instance. Equal inputs, applied to the same emulator instance, apply nothing new."""
        root = self.config.infra_dir
        files = [p for p in root.rglob("*") if p.is_file() and ".terraform" not in p.parts]
        infra = sorted((p.relative_to(root).as_posix(), file_sha256(p)) for p in files)
        description = {"infra": infra, "manifest": manifest_sha(manifest), "variables": self.target.variables(env),
                       "instance": self.target.instance(), "environment": env}  # fmt: skip
        return sha256_hex(json.dumps(description, sort_keys=True))

    def _applied_file(self, env: str) -> Path:
        return self.config.build_dir / "tf" / self.target.name / "applied" / f"{env}.inputs"

    def unchanged_since_applied(self, env: str, manifest: Path) -> dict[str, Any] | None:
        """The outputs of `env` if it was last applied from exactly these inputs (None: plan and apply)."""
        recorded = self._applied_file(env)
        if self.target.instance() is None or not recorded.is_file():
            return None
        if recorded.read_text() != self.inputs(env, manifest):
            return None
        return self.target.recorded_outputs(env)

    def plan(self, env: str) -> PlanResult:
        """Build (if needed), upload the artifacts, and save a plan for `apply` to carry out unchanged."""
        self.require(env)
        store = self.artifacts_store(env)
        store.require_bucket()  # before anything is built: a missing bucket is a precondition, said first
        build = self.target.build()
        report = self.toolchain.package(build)
        self.reporter.detail(f"build: {len(report.built)} built, {len(report.reused)} unchanged")
        uploaded = store.upload_build(build.manifest)
        self.reporter.detail(
            f"s3://{store.bucket}: {len(uploaded.uploaded)} uploaded, {len(uploaded.present)} already there"
        )
        return self.plan_manifest(env, build.manifest)

    def apply(self, env: str, strategy: Strategy | None = None) -> dict[str, Any]:
        """Apply exactly the plan `plan` saved (Terraform refuses it if the state moved since), then
        release the new versions: all at once, or by `strategy` (a canary or linear shift)."""
        plan_file = self.plan_file(env)
        if not plan_file.is_file():
            raise ToolchainError(
                f"no saved plan for {env} on the {self.target.name}",
                f"run `invoke plan --env {env} --target {self.target.name}` and review it",
            )
        project = self.project(env)
        self.reporter.step(f"Applying the reviewed plan to {env} on the {self.target.name}")
        inputs, applied = plan_file.with_suffix(".inputs"), self._applied_file(env)
        applied.unlink(missing_ok=True)
        project.apply_plan(plan_file)
        plan_file.unlink()
        outputs = self.target.recorded_outputs(env) or project.outputs()
        self.target.after_apply(outputs)  # (on the emulator, its state is on disk when this returns)
        if inputs.is_file():
            applied.parent.mkdir(parents=True, exist_ok=True)
            inputs.replace(applied)
        Releases(self).release(env, outputs, strategy or Strategy())
        return outputs

    def forget_applied(self, env: str) -> None:
        """`env` no longer runs exactly what it was last applied from (a rollback, an interrupted canary):
        the next `up` plans and applies instead of skipping Terraform."""
        self._applied_file(env).unlink(missing_ok=True)

    def deploy(self, env: str) -> dict[str, Any]:
        """Plan, then apply that plan: what `invoke up` does for the emulator environment. When nothing
        changed since the last apply (same instance, build, infra/ and variables) Terraform is skipped."""
        self.require(env)
        build = self.target.build()
        self.toolchain.package(build)
        outputs = self.unchanged_since_applied(env, build.manifest)
        if outputs:
            self.reporter.step(f"{env} on the {self.target.name} already runs this build and infra/: no Terraform")
            return outputs
        if self.target.name == "emulator" and not self.artifacts_store(env).bucket_exists():
            self.bootstrap()  # a new emulated account: its artifacts bucket, as `invoke bootstrap` makes it
        self.plan(env)
        return self.apply(env)

    def destroy(self, env: str) -> None:
        """Destroy every resource of `env` (its state is kept, empty)."""
        self.require(env)
        build = self.target.build()
        self.toolchain.package(build)
        project = self.project(env)
        self._moved(env, project)
        var_files, variables = self._variables(env, project, build.manifest)
        self.forget_applied(env)
        self.reporter.step(f"Destroying {env} on the {self.target.name}")
        project.destroy(var_files, variables)

    def current_outputs(self, env: str) -> dict[str, Any]:
        """What Terraform's state holds for `env` (empty if nothing), read without Terraform where the
        target allows (the emulator's local state)."""
        self.require(env)
        return self.target.recorded_outputs(env) or self.project(env).outputs()

    def outputs(self, env: str) -> dict[str, Any]:
        outputs = self.current_outputs(env)
        if not outputs:
            raise ToolchainError(
                f"{env} on the {self.target.name} has nothing deployed",
                f"run `invoke plan --env {env}` then `invoke apply --env {env}`",
            )
        return outputs

    def deployed_outputs(self, env: str) -> dict[str, Any]:
        """`outputs` (read without Terraform where the target allows, as `outputs` now is itself)."""
        return self.outputs(env)

    def deployed_state(self, env: str) -> dict[str, Any]:
        """The environment's Terraform state, read without Terraform where the target allows."""
        self.check(env)
        self.target.require(env)
        return self.target.recorded_state(env) or self.project(env).state()

    def local_api_url(self, outputs: dict[str, Any]) -> str | None:
        return self.target.local_api_url(outputs)

    # -- bootstrap ----------------------------------------------------------------------
    def bootstrap(self) -> dict[str, Any]:
        variables = self.target.bootstrap_variables()
        project = self.target.bootstrap_project()
        self.reporter.step(f"Bootstrapping the {self.target.name}: state bucket, lock table, artifacts bucket, "
                           "deploy roles")  # fmt: skip
        project.apply([], variables)
        return project.outputs()
