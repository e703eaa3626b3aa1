"""Environments (Terraform workspaces) on a target: plan, apply, outputs, bootstrap, cost.

Written once for every target (deploy/targets.py holds what differs). Every environment deploys from
the artifacts bucket, the emulator's own too: Terraform's aws provider serialises the creation of
functions whose code is a local file (one provider-wide lock, held through the 5 s wait for each
function to be Active), so local files cost `invoke up` a minute that S3 keys do not. `deploy` is
plan, then apply of exactly that plan, the one way anything is deployed (`invoke up` included).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from toolchain.context import Toolchain
from toolchain.deploy.artifacts import ArtifactStore, bucket_name
from toolchain.deploy.cost import Estimate, Usage, estimate
from toolchain.deploy.release import ALIAS, Move, Releaser
from toolchain.deploy.shifting import Shifter, Strategy
from toolchain.deploy.summary import plan_markdown, write_step_summary
from toolchain.deploy.targets import DeployTarget, relative_manifest
from toolchain.errors import ToolchainError
from toolchain.terraform.project import TerraformProject


class Unhealthy(ToolchainError):
    """A function of the environment is not Active, or its last update failed."""


@dataclass
class PlanResult:
    env: str
    target: str
    plan_file: Path
    changes: bool
    manifest_sha256: str


def manifest_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Environments:
    def __init__(self, toolchain: Toolchain, target: DeployTarget) -> None:
        self.toolchain = toolchain
        self.target = target
        self.config = toolchain.config
        self.reporter = toolchain.reporter

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
        return self.target.client(service, self.region(env))

    def artifacts_store(self, env: str) -> ArtifactStore:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            account = self.client("sts", env).get_caller_identity()["Account"]
        except (BotoCoreError, ClientError) as exc:
            raise ToolchainError(
                f"cannot tell which AWS account to use: {exc}", "configure credentials (AWS_PROFILE or AWS_*)"
            ) from exc
        bucket = bucket_name(self.tfvar(env, "project", "platform"), account, self.region(env))
        return ArtifactStore(self.client("s3", env), bucket)

    # -- Terraform -------------------------------------------------------------------------------
    def project(self, env: str) -> TerraformProject:
        self.require(env)
        return self.target.project(env)

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
        infra = sorted((p.relative_to(root).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files)
        description = {"infra": infra, "manifest": manifest_sha(manifest), "variables": self.target.variables(env),
                       "instance": self.target.instance(), "environment": env}  # fmt: skip
        return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()

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
        if inputs.is_file():
            applied.parent.mkdir(parents=True, exist_ok=True)
            inputs.replace(applied)
        outputs = project.outputs()
        self.target.after_apply(outputs)
        self.release(env, outputs, strategy or Strategy())
        return outputs

    def release(self, env: str, outputs: dict[str, Any], strategy: Strategy) -> list[Move]:
        """Every function's `live` alias on its latest published version (see release.py, shifting.py)."""
        functions = outputs.get("functions") or {}
        if strategy.gradual:
            shifter = Shifter(self.client("lambda", env), self.client("cloudwatch", env), self.reporter)
            try:
                moves = shifter.run(functions, strategy)
            except BaseException:
                # live no longer runs what was applied: the next `up` applies and releases again
                self._applied_file(env).unlink(missing_ok=True)
                raise
        else:
            moves = Releaser(self.client("lambda", env)).release(functions)
        for move in moves:
            self.reporter.detail(f"{move.function}: live {move.before} -> {move.after}")
        return moves

    def rollback(self, env: str, function: str | None = None) -> list[Move]:
        """Every function's (or one's) `live` alias back on the version it pointed at before."""
        self.require(env)
        functions = self.deployed_outputs(env).get("functions") or {}
        if function is not None:
            if function not in functions:
                raise ToolchainError(f"{function} is not deployed in {env}", f"apply {env} first")
            functions = {function: functions[function]}
        moves, nothing = Releaser(self.client("lambda", env)).rollback(functions)
        # the environment no longer runs the build it was applied with: the next `up` is not a no-op,
        # and its apply releases the newest versions again
        self._applied_file(env).unlink(missing_ok=True)
        if not moves:
            raise ToolchainError(
                f"nothing to roll back in {env}: " + ("no earlier version recorded" if nothing else "already there"),
                "deploy an earlier manifest instead: `invoke promote --manifest <sha256> --to " + env + "`",
            )
        return moves

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
        var_files, variables = self._variables(env, project, build.manifest)
        self._applied_file(env).unlink(missing_ok=True)
        self.reporter.step(f"Destroying {env} on the {self.target.name}")
        project.destroy(var_files, variables)

    def outputs(self, env: str) -> dict[str, Any]:
        outputs = self.project(env).outputs()
        if not outputs:
            raise ToolchainError(
                f"{env} on the {self.target.name} has nothing deployed",
                f"run `invoke plan --env {env}` then `invoke apply --env {env}`",
            )
        return outputs

    def deployed_outputs(self, env: str) -> dict[str, Any]:
        """`outputs`, read without Terraform where the target allows (the emulator's local state)."""
        self.check(env)
        self.target.require(env)
        return self.target.recorded_outputs(env) or self.outputs(env)

    def local_api_url(self, outputs: dict[str, Any]) -> str | None:
        return self.target.local_api_url(outputs)

    # -- what runs, as promotion reads it --------------------------------------------------------
    def running_code(self, env: str, outputs: dict[str, Any]) -> dict[str, str]:
        """What really runs, asked of Lambda itself: each function's CodeSha256 (base64) behind `live`,
        what every trigger invokes (after a rollback, not what $LATEST holds)."""
        lambda_client = self.client("lambda", env)
        hashes = {}
        for name, fn in outputs["functions"].items():
            config = lambda_client.get_function(FunctionName=fn["function_name"], Qualifier=ALIAS)["Configuration"]
            if config.get("State", "Active") != "Active" or config.get("LastUpdateStatus", "Successful") == "Failed":
                raise Unhealthy(f"{fn['function_name']} is {config.get('State')}/{config.get('LastUpdateStatus')}")
            hashes[name] = config["CodeSha256"]
        return hashes

    def alarms_firing(self, env: str, outputs: dict[str, Any]) -> list[str]:
        names = outputs.get("alarm_names") or []
        cloudwatch = self.client("cloudwatch", env)
        firing = []
        for start in range(0, len(names), 100):
            alarms = cloudwatch.describe_alarms(AlarmNames=names[start : start + 100])["MetricAlarms"]
            firing += [a["AlarmName"] for a in alarms if a["StateValue"] == "ALARM"]
        return firing

    def recorded_code(self, env: str) -> dict[str, str]:
        """What Terraform's state says each function of an environment runs (empty if nothing yet)."""
        outputs = self.project(env).outputs()
        return {n: f["source_code_hash"] for n, f in (outputs.get("functions") or {}).items()}

    def build_at_hand(self) -> Path:
        return self.target.build().manifest

    def deploy_manifest(self, env: str, manifest: Path, strategy: Strategy | None = None) -> dict[str, Any]:
        self.plan_manifest(env, manifest)
        return self.apply(env, strategy)

    # -- bootstrap and cost ----------------------------------------------------------------------
    def bootstrap(self) -> dict[str, Any]:
        project = self.target.bootstrap_project()
        self.reporter.step(f"Bootstrapping the {self.target.name}: state bucket, lock table, artifacts bucket")
        project.apply([], {})
        return project.outputs()

    def cost(self, env: str) -> Estimate:
        outputs = self.outputs(env)
        expected = outputs.get("expected_traffic") or {}
        cloudwatch = self.client("cloudwatch", env)
        end = datetime.now(UTC)
        usages = []
        for name, fn in sorted(outputs["functions"].items()):
            stats = {}
            for metric, statistic in (("Invocations", "Sum"), ("Duration", "Average")):
                dimensions = [{"Name": "FunctionName", "Value": fn["function_name"]}]
                start = end - timedelta(days=30)
                points = cloudwatch.get_metric_statistics(
                    Namespace="AWS/Lambda", MetricName=metric, Dimensions=dimensions, StartTime=start, EndTime=end,
                    Period=86400 * 30, Statistics=[statistic],
                )["Datapoints"]  # fmt: skip
                stats[metric] = Decimal(str(points[0][statistic])) if points else None
            if stats["Invocations"]:
                usage = (stats["Invocations"], stats["Duration"] or Decimal(0), "metrics")
            elif name in expected:
                traffic = expected[name]
                usage = (
                    Decimal(str(traffic["invocations_per_month"])),
                    Decimal(str(traffic["average_duration_ms"])),
                    "estimate",
                )
            else:
                usage = (Decimal(0), Decimal(0), "none")
            provisioned = int(fn.get("provisioned_concurrency") or 0)
            usages.append(Usage(name, int(fn["memory_size"]), fn["architecture"], *usage, provisioned=provisioned))
        return estimate(usages)
