"""Promotion against a fake site: every refusal reached on its own, and what a good promotion does."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from toolchain.deploy.promotion import PromotionIncomplete, PromotionRefused, Unhealthy, promote
from toolchain.deploy.releases import Strategy
from toolchain.errors import ToolchainError
from toolchain.reporting import RecordingReporter

OLD = {"users": "old-users", "etl": "same-etl"}
NEW = {"users": "new-users", "etl": "same-etl"}


def manifest(hashes: dict[str, str]) -> str:
    return json.dumps({"functions": {n: {"base64sha256": h} for n, h in hashes.items()}}, sort_keys=True)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class FakeStore:
    bucket: str
    manifests: dict[str, str]
    copied: list[str] = field(default_factory=list)

    def fetch_manifest(self, sha256: str) -> str:
        if sha256 not in self.manifests:
            raise ToolchainError(f"no manifest {sha256[:12]} in s3://{self.bucket}")
        return self.manifests[sha256]

    def copy_from(self, other: FakeStore, text: str) -> list[str]:
        self.manifests[sha(text)] = text
        self.copied.append(sha(text))
        return ["function:users"]


@dataclass
class FakeSite:
    """Two environments: dev runs NEW (its recorded manifest), prod runs OLD."""

    tmp: Path
    running: dict[str, dict[str, str]] = field(default_factory=lambda: {"dev": dict(NEW), "prod": dict(OLD)})
    recorded: dict[str, str] = field(default_factory=lambda: {"dev": manifest(NEW), "prod": manifest(OLD)})
    firing: dict[str, list[str]] = field(default_factory=dict)
    inactive: set[str] = field(default_factory=set)
    apply_fails_to_take: bool = False
    at_hand: str | None = None
    deployed: list[tuple[str, str]] = field(default_factory=list)
    strategies: list[Strategy | None] = field(default_factory=list)
    buckets: dict[str, str] = field(default_factory=lambda: {"dev": "shared", "prod": "shared"})

    def __post_init__(self) -> None:
        self.stores = {b: FakeStore(b, {sha(t): t for t in self.recorded.values()}) for b in set(self.buckets.values())}

    def check(self, env: str) -> None:
        if env not in self.running:
            raise ToolchainError(f"no environment {env!r}")

    require = check

    def outputs(self, env: str) -> dict[str, Any]:
        return {"deployed_manifest_sha256": sha(self.recorded[env]), "functions": {n: {} for n in self.running[env]}}

    def artifacts_store(self, env: str) -> FakeStore:
        return self.stores[self.buckets[env]]

    def running_code(self, env: str, outputs: dict[str, Any]) -> dict[str, str]:
        if env in self.inactive:
            raise Unhealthy(f"platform-{env}-users is Failed/Failed")
        return dict(self.running[env])

    def alarms_firing(self, env: str, outputs: dict[str, Any]) -> list[str]:
        return self.firing.get(env, [])

    def recorded_code(self, env: str) -> dict[str, str]:
        return {n: f["base64sha256"] for n, f in json.loads(self.recorded[env])["functions"].items()}

    def build_at_hand(self) -> Path:
        path = self.tmp / "build" / "manifest.json"
        if self.at_hand is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.at_hand)
        return path

    def deploy_manifest(self, env: str, path: Path, strategy: Strategy | None = None) -> dict[str, Any]:
        text = path.read_text()
        self.deployed.append((env, sha(text)))
        self.strategies.append(strategy)
        self.recorded[env] = text
        self.inactive.discard(env)  # the apply updates every function: Active again
        if not self.apply_fails_to_take:
            self.running[env] = {n: f["base64sha256"] for n, f in json.loads(text)["functions"].items()}
        return self.outputs(env)


def run(site: FakeSite, **kwargs: Any):
    return promote(site, "prod", site.tmp / "releases", RecordingReporter(), **kwargs)


def test_a_healthy_source_is_promoted_and_only_changed_functions_are_listed(tmp_path: Path) -> None:
    site = FakeSite(tmp_path)
    result = run(site, source="dev")
    assert site.deployed == [("prod", sha(manifest(NEW)))]
    assert result.changes == {"users": ("old-users", "new-users")}
    assert site.running["prod"] == NEW
    assert (tmp_path / "releases" / f"{sha(manifest(NEW))}.json").read_text() == manifest(NEW)
    assert site.strategies == [None]


def test_changes_are_counted_from_what_the_destination_serves_not_from_terraform_s_record(tmp_path: Path) -> None:
    # GIVEN prod whose Terraform state already records NEW (an earlier promotion applied, then failed
    # before moving `live`: a missing grant) while `live` still serves OLD
    site = FakeSite(tmp_path, recorded={"dev": manifest(NEW), "prod": manifest(NEW)})
    site.stores["shared"].manifests[sha(manifest(OLD))] = manifest(OLD)
    # WHEN dev is promoted again
    result = run(site, source="dev")
    # THEN the function `live` moves is listed as changing (Terraform would say nothing changes)
    assert result.changes == {"users": ("old-users", "new-users")}


def test_a_destination_lambda_cannot_read_falls_back_to_terraform_s_record(tmp_path: Path) -> None:
    site = FakeSite(tmp_path, inactive={"prod"})
    result = run(site, source="dev")
    assert result.changes == {"users": ("old-users", "new-users")}


def test_the_strategy_goes_to_the_destination_s_release(tmp_path: Path) -> None:
    site = FakeSite(tmp_path)
    canary = Strategy.from_options(canary=10, bake="5m")
    run(site, source="dev", strategy=canary)
    assert site.strategies == [canary]


def test_a_source_not_running_its_recorded_manifest_is_refused(tmp_path: Path) -> None:
    site = FakeSite(tmp_path)
    site.running["dev"]["users"] = "hand-patched"
    with pytest.raises(PromotionRefused, match="dev's functions do not run its recorded manifest"):
        run(site, source="dev")
    assert site.deployed == []


@pytest.mark.documents("environments.md", "Promote")
def test_a_source_with_a_function_not_active_is_refused(tmp_path: Path) -> None:
    site = FakeSite(tmp_path, inactive={"dev"})
    with pytest.raises(Unhealthy, match="Failed"):
        run(site, source="dev")
    assert site.deployed == []


def test_a_source_with_an_alarm_firing_is_refused(tmp_path: Path) -> None:
    site = FakeSite(tmp_path, firing={"dev": ["platform-dev-users-errors"]})
    with pytest.raises(PromotionRefused, match="dev is unhealthy: platform-dev-users-errors in ALARM"):
        run(site, source="dev")
    assert site.deployed == []


def test_a_build_at_hand_that_differs_from_the_source_is_refused(tmp_path: Path) -> None:
    site = FakeSite(tmp_path, at_hand=manifest({"users": "local-edit", "etl": "same-etl"}))
    with pytest.raises(PromotionRefused, match="the build at hand .* is not what dev runs"):
        run(site, source="dev")
    assert site.deployed == []


def test_the_build_at_hand_matching_the_source_is_fine(tmp_path: Path) -> None:
    site = FakeSite(tmp_path, at_hand=manifest(NEW))
    assert run(site, source="dev").manifest_sha256 == sha(manifest(NEW))


def test_a_destination_that_does_not_run_the_manifest_after_the_apply_is_reported(tmp_path: Path) -> None:
    site = FakeSite(tmp_path, apply_fails_to_take=True)
    with pytest.raises(PromotionIncomplete, match="prod does not run manifest .* after the apply: users differ"):
        run(site, source="dev")


@pytest.mark.documents("environments.md", "Promote")
def test_another_accounts_bucket_gets_the_artifacts_first(tmp_path: Path) -> None:
    site = FakeSite(tmp_path, buckets={"dev": "dev-account", "prod": "prod-account"})
    run(site, source="dev")
    assert site.stores["prod-account"].copied == [sha(manifest(NEW))]


def test_rolling_back_deploys_an_earlier_manifest_without_a_source(tmp_path: Path) -> None:
    site = FakeSite(tmp_path)
    run(site, source="dev")
    result = run(site, manifest_sha=sha(manifest(OLD)))
    assert result.source == f"manifest {sha(manifest(OLD))[:12]}"
    assert site.running["prod"] == OLD


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({}, "either --from"), ({"source": "dev", "manifest_sha": "x"}, "either --from")],
)
def test_the_arguments_say_what_is_wrong(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ToolchainError, match=message):
        run(FakeSite(tmp_path), **kwargs)


def test_the_emulator_environment_is_never_a_destination(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError, match="promotion deploys to dev, staging or prod"):
        promote(FakeSite(tmp_path), "emulator", tmp_path, RecordingReporter(), source="dev")
