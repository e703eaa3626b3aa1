"""Promotion: deploy to one environment exactly what another runs (or an earlier manifest: a rollback).

Nothing is rebuilt. Before anything changes, the source must be trustworthy: every function's
`live` alias runs the manifest the source records (Lambda's CodeSha256, not Terraform's word: an
environment rolled back is refused), every function is Active, no alarm of the source is in ALARM,
and the build at hand, if any, is the one the source runs. The new versions then take the traffic
all at once or gradually (a canary that can roll itself back); after that the destination must run
the manifest, and if it does not, that is said too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from toolchain.deploy.artifacts import ArtifactStore, function_hashes
from toolchain.deploy.live import alarm_states
from toolchain.deploy.release import ALIAS
from toolchain.deploy.releases import Strategy
from toolchain.deploy.targets import EMULATOR_ENVIRONMENT
from toolchain.digests import file_sha256
from toolchain.errors import ToolchainError
from toolchain.reporting import Reporter


class PromotionRefused(ToolchainError):
    pass


class Unhealthy(ToolchainError):
    """A function of the environment is not Active, or its last update failed."""


class PromotionIncomplete(ToolchainError):
    """The apply ran but the destination does not run the manifest: look before trying again."""


class Site(Protocol):
    """What promotion needs of environments on a target (deploy.environments.Environments)."""

    def check(self, env: str) -> None: ...

    def require(self, env: str) -> None: ...

    def outputs(self, env: str) -> dict[str, Any]: ...

    def artifacts_store(self, env: str) -> ArtifactStore: ...

    def running_code(self, env: str, outputs: dict[str, Any]) -> dict[str, str]:
        """Each function's code hash as Lambda reports it; Unhealthy if one is not Active."""
        ...

    def alarms_firing(self, env: str, outputs: dict[str, Any]) -> list[str]: ...

    def recorded_code(self, env: str) -> dict[str, str]: ...

    def build_at_hand(self) -> Path: ...

    def deploy_manifest(self, env: str, manifest: Path, strategy: Strategy | None = None) -> dict[str, Any]: ...


class EnvironmentsSite:
    """What promotion reads and does, over deploy.environments' `Environments`: the readings only
    promotion makes (what Lambda runs behind `live`, alarms firing, what Terraform recorded) live here."""

    def __init__(self, environments: Any) -> None:
        self._envs = environments

    def check(self, env: str) -> None:
        self._envs.check(env)

    def require(self, env: str) -> None:
        self._envs.require(env)

    def outputs(self, env: str) -> dict[str, Any]:
        return self._envs.outputs(env)

    def artifacts_store(self, env: str) -> ArtifactStore:
        return self._envs.artifacts_store(env)

    def running_code(self, env: str, outputs: dict[str, Any]) -> dict[str, str]:
        """What really runs, asked of Lambda itself: each function's CodeSha256 (base64) behind `live`,
        what every trigger invokes (after a rollback, not what $LATEST holds)."""
        lambda_client = self._envs.deploy_client("lambda", env)
        hashes = {}
        for name, fn in outputs["functions"].items():
            config = lambda_client.get_function(FunctionName=fn["function_name"], Qualifier=ALIAS)["Configuration"]
            if config.get("State", "Active") != "Active" or config.get("LastUpdateStatus", "Successful") == "Failed":
                raise Unhealthy(f"{fn['function_name']} is {config.get('State')}/{config.get('LastUpdateStatus')}")
            hashes[name] = config["CodeSha256"]
        return hashes

    def alarms_firing(self, env: str, outputs: dict[str, Any]) -> list[str]:
        states = alarm_states(self._envs.deploy_client("cloudwatch", env), list(outputs.get("alarm_names") or []))
        return [name for name, state in states.items() if state == "ALARM"]

    def recorded_code(self, env: str) -> dict[str, str]:
        """What Terraform's state says each function of an environment runs (empty if nothing yet)."""
        outputs = self._envs.current_outputs(env)
        return {n: f["source_code_hash"] for n, f in (outputs.get("functions") or {}).items()}

    def build_at_hand(self) -> Path:
        return self._envs.target.build().manifest

    def deploy_manifest(self, env: str, manifest: Path, strategy: Strategy | None = None) -> dict[str, Any]:
        self._envs.plan_manifest(env, manifest)
        return self._envs.apply(env, strategy)


@dataclass
class Promotion:
    source: str
    destination: str
    manifest_sha256: str
    changes: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)


def trusted_source(site: Site, source: str) -> tuple[str, str, ArtifactStore]:
    """(manifest sha256, manifest text, its bucket) of what `source` runs, after every check passes."""
    site.check(source)
    outputs = site.outputs(source)
    manifest_sha = str(outputs.get("deployed_manifest_sha256") or "")
    store = site.artifacts_store(source)
    manifest_text = store.fetch_manifest(manifest_sha)
    if site.running_code(source, outputs) != function_hashes(manifest_text):
        raise PromotionRefused(f"{source}'s functions do not run its recorded manifest {manifest_sha[:12]}",
                               f"re-apply {source} before promoting from it")  # fmt: skip
    firing = site.alarms_firing(source, outputs)
    if firing:
        raise PromotionRefused(f"{source} is unhealthy: {', '.join(firing)} in ALARM", "fix it, or roll back, first")
    at_hand = site.build_at_hand()
    if at_hand.is_file() and file_sha256(at_hand) != manifest_sha:
        raise PromotionRefused(
            f"the build at hand ({file_sha256(at_hand)[:12]}) is not what {source} runs ({manifest_sha[:12]})",
            f"deploy it to {source} first, or promote from a checkout whose build matches",
        )
    return manifest_sha, manifest_text, store


def serving(site: Site, env: str) -> dict[str, str]:
    """What each function of `env` serves behind `live` now, as Lambda says (after an interrupted or
    refused promotion Terraform's record can be ahead of it); Terraform's record where Lambda cannot
    say: nothing deployed yet, or a function not Active."""
    try:
        return site.running_code(env, site.outputs(env))
    except ToolchainError:
        return site.recorded_code(env)


def promote(
    site: Site,
    destination: str,
    releases: Path,
    reporter: Reporter,
    *,
    source: str | None = None,
    manifest_sha: str | None = None,
    strategy: Strategy | None = None,
) -> Promotion:
    """Deploy to `destination` the very artifacts `source` runs, or the manifest `manifest_sha`; the
    new versions take the traffic all at once or by `strategy` (a canary or linear shift, see releases.py)."""
    if (source is None) == (manifest_sha is None):
        raise ToolchainError("promote needs either --from <env> or --manifest <sha256>")
    if destination == EMULATOR_ENVIRONMENT:
        raise ToolchainError(
            "promotion deploys to dev, staging or prod", "the emulator environment is built by `invoke up`"
        )
    if source == destination:
        raise ToolchainError(f"--from and --to both name {destination}: nothing would be promoted",
                             "promote from the environment before it (dev -> staging -> prod)")  # fmt: skip
    site.require(destination)
    store = site.artifacts_store(destination)
    if source is not None:
        reporter.step(f"Reading what {source} runs")
        manifest_sha, manifest_text, source_store = trusted_source(site, source)
        if source_store.bucket != store.bucket:
            copied = store.copy_from(source_store, manifest_text)
            reporter.detail(f"copied {len(copied)} artifact(s) to s3://{store.bucket}")
    else:
        manifest_text = store.fetch_manifest(manifest_sha)  # type: ignore[arg-type]
    assert manifest_sha is not None
    release = releases / f"{manifest_sha}.json"
    release.parent.mkdir(parents=True, exist_ok=True)
    release.write_text(manifest_text)

    promotion = Promotion(source or f"manifest {manifest_sha[:12]}", destination, manifest_sha)
    before = serving(site, destination)
    wanted = function_hashes(manifest_text)
    promotion.changes = {n: (before.get(n), h) for n, h in wanted.items() if before.get(n) != h}
    reporter.step(
        f"Deploying manifest {manifest_sha[:12]} to {destination}: {len(promotion.changes)} function(s) change"
    )
    for name, (old, new) in sorted(promotion.changes.items()):
        reporter.detail(f"{name}: {old or '(new)'} -> {new}")
    promotion.outputs = site.deploy_manifest(destination, release, strategy)
    running = site.running_code(destination, promotion.outputs)
    if running != wanted:
        differing = sorted(n for n in wanted if running.get(n) != wanted[n])
        raise PromotionIncomplete(
            f"{destination} does not run manifest {manifest_sha[:12]} after the apply: {', '.join(differing)} differ",
            f"check `invoke outputs --env {destination}`; promote again, or roll back with --manifest",
        )
    return promotion
