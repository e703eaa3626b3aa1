"""Environments (Terraform workspaces) on a target (the emulator, or AWS): plan, apply, outputs,
promotion of identical artifacts, bootstrap, cost.

On AWS each environment has its backend configuration in infra/backends/<env>.s3.tfbackend and its
own staged copy (build/tf/aws-<env>); on the emulator all share one copy with local state.
Every environment but the emulator's own deploys from the artifacts bucket.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from toolchain.artifacts import ArtifactStore, bucket_name, function_hashes
from toolchain.cost import Estimate, Usage, estimate
from toolchain.emulator.clients import emulator_client
from toolchain.errors import ToolchainError
from toolchain.terraform.project import TerraformProject
from toolchain.workflows import EMULATOR_WORKSPACE, Platform, Profile

TARGETS = ("emulator", "aws")


class Unhealthy(ToolchainError):
    pass


class PromotionRefused(ToolchainError):
    pass


@dataclass
class PlanResult:
    env: str
    target: str
    plan_file: Path
    changes: bool
    manifest_sha256: str


@dataclass
class Promotion:
    source: str
    destination: str
    manifest_sha256: str
    changes: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)


def _manifest_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Environments:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.config = platform.config
        self.reporter = platform.reporter

    # -- what an environment is ------------------------------------------------------------------
    def check(self, env: str, target: str) -> None:
        if target not in TARGETS:
            raise ToolchainError(f"unknown target {target!r}", f"use one of: {', '.join(TARGETS)}")
        tfvars = self.config.infra_dir / "workspaces" / f"{env}.tfvars"
        if not tfvars.is_file():
            known = sorted(p.stem for p in tfvars.parent.glob("*.tfvars"))
            raise ToolchainError(f"no environment {env!r}: {self.config.shown(tfvars)} does not exist",
                                 f"use one of: {', '.join(known)}")  # fmt: skip
        if env == EMULATOR_WORKSPACE and target != "emulator":
            raise ToolchainError("the emulator workspace exists only on the emulator", "pick dev, staging or prod")

    def _tfvar(self, env: str, name: str, default: str) -> str:
        text = (self.config.infra_dir / "workspaces" / f"{env}.tfvars").read_text()
        match = re.search(rf'^\s*{name}\s*=\s*"([^"]*)"', text, re.MULTILINE)
        return match.group(1) if match else default

    def client(self, service: str, target: str, region: str = "us-east-1") -> Any:
        if target == "emulator":
            return emulator_client(service, self.platform.emulator.require().endpoint, region)
        import boto3

        return boto3.client(service, region_name=region)

    def _region(self, env: str) -> str:
        return self._tfvar(env, "region", "us-east-1")

    def artifacts_store(self, env: str, target: str) -> ArtifactStore:
        region = self._region(env)
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            account = self.client("sts", target, region).get_caller_identity()["Account"]
        except (BotoCoreError, ClientError) as exc:
            raise ToolchainError(
                f"cannot tell which AWS account to use: {exc}", "configure credentials (AWS_PROFILE or AWS_*)"
            ) from exc
        bucket = bucket_name(self._tfvar(env, "project", "platform"), account, region)
        return ArtifactStore(self.client("s3", target, region), bucket)

    def profile(self, target: str) -> Profile:
        return self.platform.emulator_profile() if target == "emulator" else self.platform.lambda_profile()

    # -- Terraform -------------------------------------------------------------------------------
    def require(self, env: str, target: str) -> None:
        """Every precondition that needs no network, checked before anything is built or uploaded."""
        self.check(env, target)
        if target == "emulator":
            self.platform.emulator.require()
            return
        if self.platform.terraform().mode != "online":
            raise ToolchainError(
                "deploying to AWS needs Terraform with the current aws provider (python3.12 runtimes)",
                "run online: terraform on PATH and registry.terraform.io reachable",
            )
        backend = self._backend_file(env)
        if not backend.is_file():
            raise ToolchainError(
                f"no backend configuration for {env}: {self.config.shown(backend)} does not exist",
                "run `invoke bootstrap --target aws` and save what it prints there "
                "(see infra/backends/example.s3.tfbackend)",
            )

    def _backend_file(self, env: str) -> Path:
        return self.config.infra_dir / "backends" / f"{env}.s3.tfbackend"

    def project(self, env: str, target: str) -> TerraformProject:
        self.require(env, target)
        if target == "emulator":
            project = self.platform.emulator_project(self.platform.emulator.require())
        else:
            project = self.platform.project(f"aws-{env}", self.platform.terraform())
            project.stage({})
            project.init([str(self._backend_file(env))])
        project.select_workspace(env, create=True)
        return project

    def _variables(
        self, env: str, target: str, project: TerraformProject, manifest: Path
    ) -> tuple[list[Path], dict[str, str]]:
        var_files = [project.root_dir / "workspaces" / f"{env}.tfvars"]
        variables = {"manifest_path": os.path.relpath(manifest, project.root_dir)}
        if target == "emulator":
            variables.update(self.platform.world_variables(project))
            if env != EMULATOR_WORKSPACE:
                # One account holds every environment here; API Gateway's account-wide logging role
                # is the emulator workspace's, or each apply would take it from the others.
                variables["manage_api_gateway_account"] = "false"
        if env != EMULATOR_WORKSPACE:
            variables["artifacts_bucket"] = self.artifacts_store(env, target).bucket
        return var_files, variables

    def plan_file(self, env: str, target: str) -> Path:
        return self.config.build_dir / "plans" / f"{target}-{env}.tfplan"

    def _plan_with(self, env: str, target: str, manifest: Path) -> PlanResult:
        project = self.project(env, target)
        var_files, variables = self._variables(env, target, project, manifest)
        plan_file = self.plan_file(env, target)
        plan_file.parent.mkdir(parents=True, exist_ok=True)
        self.reporter.step(f"Planning {env} on the {target} (plan saved to {self.config.shown(plan_file)})")
        changes = project.plan(var_files, variables, out=plan_file)
        return PlanResult(env, target, plan_file, changes, _manifest_sha(manifest))

    def plan(self, env: str, target: str) -> PlanResult:
        """Build (if needed), upload the artifacts, and save a plan for `apply` to carry out unchanged."""
        self.require(env, target)
        profile = self.profile(target)
        report = self.platform.package(profile)
        self.reporter.detail(f"build: {len(report.built)} built, {len(report.reused)} unchanged")
        if env != EMULATOR_WORKSPACE:
            store = self.artifacts_store(env, target)
            uploaded = store.upload_build(profile.manifest)
            self.reporter.detail(
                f"s3://{store.bucket}: {len(uploaded.uploaded)} uploaded, {len(uploaded.present)} already there"
            )
        return self._plan_with(env, target, profile.manifest)

    def apply(self, env: str, target: str) -> dict[str, Any]:
        """Apply exactly the plan `plan` saved (Terraform refuses it if the state moved since)."""
        plan_file = self.plan_file(env, target)
        if not plan_file.is_file():
            raise ToolchainError(
                f"no saved plan for {env} on the {target}",
                f"run `invoke plan --env {env} --target {target}` and review it",
            )
        project = self.project(env, target)
        self.reporter.step(f"Applying the reviewed plan to {env} on the {target}")
        project.apply_plan(plan_file)
        plan_file.unlink()
        outputs = project.outputs()
        if target == "emulator":
            self.platform.seed_secrets(outputs)
        return outputs

    def outputs(self, env: str, target: str) -> dict[str, Any]:
        outputs = self.project(env, target).outputs()
        if not outputs:
            raise ToolchainError(
                f"{env} on the {target} has nothing deployed",
                f"run `invoke plan --env {env}` then `invoke apply --env {env}`",
            )
        return outputs

    def local_api_url(self, outputs: dict[str, Any], target: str) -> str | None:
        """Where the emulator serves the environment's REST API stage on localhost (None on AWS)."""
        if target != "emulator":
            return None
        for api in self.platform.emulator.apis():
            if api["api_id"] == outputs.get("api_id") and api["stage"] == outputs.get("api_stage"):
                return api["url"]
        return None

    # -- promotion -------------------------------------------------------------------------------
    def _deployed_hashes(self, outputs: dict[str, Any], target: str) -> dict[str, str]:
        """What really runs, asked of Lambda itself: the function's code sha256 (base64)."""
        lambda_client = self.client("lambda", target, outputs.get("region", "us-east-1"))
        hashes = {}
        for name, fn in outputs["functions"].items():
            config = lambda_client.get_function(FunctionName=fn["function_name"])["Configuration"]
            if config.get("State", "Active") != "Active" or config.get("LastUpdateStatus", "Successful") == "Failed":
                raise Unhealthy(f"{fn['function_name']} is {config.get('State')}/{config.get('LastUpdateStatus')}")
            hashes[name] = config["CodeSha256"]
        return hashes

    def _alarms_firing(self, outputs: dict[str, Any], target: str) -> list[str]:
        names = outputs.get("alarm_names") or []
        cloudwatch = self.client("cloudwatch", target, outputs.get("region", "us-east-1"))
        firing = []
        for start in range(0, len(names), 100):
            alarms = cloudwatch.describe_alarms(AlarmNames=names[start : start + 100])["MetricAlarms"]
            firing += [a["AlarmName"] for a in alarms if a["StateValue"] == "ALARM"]
        return firing

    def promote(
        self, destination: str, target: str, *, source: str | None = None, manifest_sha: str | None = None
    ) -> Promotion:
        """Deploy to `destination` the very artifacts `source` runs (or an earlier manifest: a rollback)."""
        if (source is None) == (manifest_sha is None):
            raise ToolchainError("promote needs either --from <env> or --manifest <sha256>")
        if destination == EMULATOR_WORKSPACE:
            raise ToolchainError(
                "promotion deploys to dev, staging or prod", "the emulator workspace is built by `invoke up`"
            )
        self.require(destination, target)
        store = self.artifacts_store(destination, target)
        if source is not None:
            self.check(source, target)
            self.reporter.step(f"Reading what {source} runs")
            source_outputs = self.outputs(source, target)
            manifest_sha = source_outputs.get("deployed_manifest_sha256")
            source_store = self.artifacts_store(source, target)
            manifest_text = source_store.fetch_manifest(manifest_sha)
            running = self._deployed_hashes(source_outputs, target)
            if running != function_hashes(manifest_text):
                raise PromotionRefused(f"{source}'s functions do not run its recorded manifest {manifest_sha[:12]}",
                                       f"re-apply {source} before promoting from it")  # fmt: skip
            firing = self._alarms_firing(source_outputs, target)
            if firing:
                raise PromotionRefused(
                    f"{source} is unhealthy: {', '.join(firing)} in ALARM", "fix it, or roll back, first"
                )
            at_hand = self.profile(target).manifest
            if at_hand.is_file() and _manifest_sha(at_hand) != manifest_sha:
                at_hand_sha = _manifest_sha(at_hand)[:12]
                raise PromotionRefused(
                    f"the build at hand ({at_hand_sha}) is not what {source} runs ({manifest_sha[:12]})",
                    f"deploy it to {source} first, or promote from a checkout whose build matches",
                )
            if source_store.bucket != store.bucket:
                copied = store.copy_from(source_store, manifest_text)
                self.reporter.detail(f"copied {len(copied)} artifact(s) to s3://{store.bucket}")
        else:
            manifest_text = store.fetch_manifest(manifest_sha)  # type: ignore[arg-type]
        release = self.config.build_dir / "releases" / f"{manifest_sha}.json"
        release.parent.mkdir(parents=True, exist_ok=True)
        release.write_text(manifest_text)
        promotion = Promotion(source or f"manifest {manifest_sha[:12]}", destination, manifest_sha or "")
        before = self._destination_hashes(destination, target)
        for name, new in function_hashes(manifest_text).items():
            if before.get(name) != new:
                promotion.changes[name] = (before.get(name), new)
        self.reporter.step(
            f"Deploying manifest {manifest_sha[:12]} to {destination}: {len(promotion.changes)} function(s) change"
        )
        for name, (old, new) in sorted(promotion.changes.items()):
            self.reporter.detail(f"{name}: {old or '(new)'} -> {new}")
        self._plan_with(destination, target, release)
        promotion.outputs = self.apply(destination, target)
        now_running = self._deployed_hashes(promotion.outputs, target)
        if now_running != function_hashes(manifest_text):
            raise ToolchainError(f"{destination} does not run manifest {manifest_sha[:12]} after the apply")
        return promotion

    def _destination_hashes(self, env: str, target: str) -> dict[str, str]:
        outputs = self.project(env, target).outputs()
        return {n: f["source_code_hash"] for n, f in (outputs.get("functions") or {}).items()}

    # -- bootstrap and cost ----------------------------------------------------------------------
    def bootstrap(self, target: str) -> dict[str, Any]:
        if target == "emulator":
            project = self.platform.emulator_project(self.platform.emulator.require(), module="bootstrap")
        else:
            project = self.platform.project("aws-bootstrap", self.platform.terraform())
            project.module_dir = project.root_dir / "bootstrap"
            project.stage({})
            project.init()
        self.reporter.step(f"Bootstrapping the {target}: state bucket, lock table, artifacts bucket")
        project.apply([], {})
        return project.outputs()

    def cost(self, env: str, target: str) -> Estimate:
        outputs = self.outputs(env, target)
        expected = outputs.get("expected_traffic") or {}
        cloudwatch = self.client("cloudwatch", target, outputs.get("region", "us-east-1"))
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
            usages.append(Usage(name, int(fn["memory_size"]), fn["architecture"], *usage))
        return estimate(usages)
