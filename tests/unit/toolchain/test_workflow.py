"""The CI workflow's supply chain: every action pinned to a commit (the tag in a comment), every job
bounded in time, and Terraform installed at the version .terraform-version names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = [ROOT / ".github/workflows/pipeline.yml", ROOT / ".github/actions/setup/action.yml"]
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def unpinned(text: str) -> list[str]:
    """The `uses:` references that are not a full commit sha followed by its tag in a comment."""
    found = []
    for line in text.splitlines():
        match = re.match(r"^\s*-?\s*uses:\s*(.+?)\s*$", line)
        if match and not match.group(1).startswith("./") and not PINNED.match(match.group(1)):
            found.append(match.group(1))
    return found


@pytest.mark.documents("environments.md", "Pinned and bounded")
def test_every_action_is_pinned_to_a_commit() -> None:
    for workflow in WORKFLOWS:
        assert unpinned(workflow.read_text()) == [], workflow.name


@pytest.mark.documents("environments.md", "Pinned and bounded")
def test_an_action_pinned_to_a_tag_or_branch_or_short_sha_is_refused() -> None:
    bad = "steps:\n  - uses: actions/checkout@v5\n  - uses: org/tool@main\n  - uses: org/tool@08c6903 # v1\n"
    assert unpinned(bad) == ["actions/checkout@v5", "org/tool@main", "org/tool@08c6903 # v1"]
    good = (
        "  - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0\n  - uses: ./.github/actions/x\n"
    )
    assert unpinned(good) == []


@pytest.mark.documents("environments.md", "Pinned and bounded")
def test_every_job_has_a_timeout_and_terraform_comes_at_the_pinned_version() -> None:
    pipeline = yaml.safe_load((ROOT / ".github/workflows/pipeline.yml").read_text())
    assert all(isinstance(job.get("timeout-minutes"), int) for job in pipeline["jobs"].values())
    for workflow in WORKFLOWS:
        text = workflow.read_text()
        for block in re.findall(r"uses: hashicorp/setup-terraform@\S+ # \S+\n((?:\s+\S.*\n)+)", text):
            assert "terraform_version: ${{ env.TF_VERSION }}" in block, workflow.name
        if "setup-terraform" in text:
            assert 'echo "TF_VERSION=$(cat .terraform-version)"' in text, workflow.name


def test_terraform_version_names_a_current_release_not_the_offline_fallback() -> None:
    version = (ROOT / ".terraform-version").read_text().strip()
    major, minor, _patch = (int(part) for part in version.split("."))
    assert (major, minor) >= (1, 5), "the offline 1.0.3 is the toolchain's fallback, not what users should run"


@pytest.mark.documents("terraform.md", "Lock files")
def test_the_online_lock_file_policy_in_the_docs_matches_the_repository() -> None:
    docs = (ROOT / "docs/terraform.md").read_text()
    lock = ROOT / "infra/locks/online.terraform.lock.hcl"
    if lock.exists():
        assert 'provider "registry.terraform.io/hashicorp/aws"' in lock.read_text()
        assert "does not carry one yet" not in docs
    else:
        assert "This repository does not\ncarry one yet" in docs


@pytest.mark.documents("environments.md", "One build, promoted")
def test_promotions_shift_traffic_gradually_with_options_the_task_accepts() -> None:
    from toolchain.deploy.releases import Strategy

    jobs = yaml.safe_load((ROOT / ".github/workflows/pipeline.yml").read_text())["jobs"]
    for job in ("promote-staging", "promote-prod"):
        (command,) = [s["run"] for s in jobs[job]["steps"] if "invoke promote" in s.get("run", "")]
        options = dict(re.findall(r"--(canary|bake|linear|step) (\S+)", command))
        strategy = Strategy.from_options(canary=options.get("canary"), bake=options.get("bake", ""),
                                         linear=options.get("linear"), step=options.get("step", ""))  # fmt: skip
        assert strategy.gradual, (job, command)
        assert jobs[job]["timeout-minutes"] * 60 > strategy.hold * len(strategy.steps) + 15 * 60, job
