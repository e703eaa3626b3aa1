"""Who deploys: the repository the deploy roles trust, and the workflow token the emulator exchanges."""

from __future__ import annotations

import pytest

from toolchain.deploy.deployer import github_repository, required_repository, workflow_token
from toolchain.emulator.iam.trust import TrustRefused, admits, claims_of
from toolchain.errors import ToolchainError

PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
HOST = "token.actions.githubusercontent.com"


def _trust(sub: str, test: str = "StringEquals") -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "GitHubEnvironment", "Effect": "Allow", "Principal": {"Federated": PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com"}, test: {f"{HOST}:sub": sub}}}]}  # fmt: skip


@pytest.mark.parametrize(
    ("environ", "remote", "expected"),
    [
        ({"GITHUB_REPOSITORY": "octo/platform"}, "git@github.com:other/repo.git", "octo/platform"),
        ({}, "git@github.com:octo/platform.git", "octo/platform"),
        ({}, "https://github.com/octo/platform", "octo/platform"),
        ({}, "https://gitlab.example/octo/platform.git", None),
        ({}, "", None),
    ],
)
def test_the_repository_comes_from_the_workflow_then_the_origin_remote(
    environ: dict[str, str], remote: str, expected: str | None
) -> None:
    assert github_repository(environ, lambda _args: remote) == expected


def test_without_a_repository_bootstrap_on_aws_says_what_to_set() -> None:
    with pytest.raises(ToolchainError, match="GITHUB_REPOSITORY=<owner>/<name>"):
        required_repository({}, lambda _args: "")


def test_the_token_carries_githubs_claims_for_the_environment() -> None:
    claims = claims_of(workflow_token("octo/platform", "prod", 1_700_000_000))
    assert claims["sub"] == "repo:octo/platform:environment:prod"
    assert (claims["iss"], claims["aud"]) == ("https://token.actions.githubusercontent.com", "sts.amazonaws.com")
    assert claims["exp"] - claims["iat"] == 900


@pytest.mark.parametrize(
    ("repository", "env", "admitted"),
    [("octo/platform", "prod", True), ("octo/platform", "dev", False), ("octo/other", "prod", False)],
)
def test_the_trust_admits_only_its_repositorys_jobs_in_its_environment(
    repository: str, env: str, admitted: bool
) -> None:
    claims = claims_of(workflow_token(repository, env, 1_700_000_000))
    found = admits(_trust("repo:octo/platform:environment:prod"), {PROVIDER}, claims)
    assert (found == "GitHubEnvironment") is admitted


def test_a_token_from_a_provider_the_account_does_not_have_is_refused() -> None:
    claims = claims_of(workflow_token("octo/platform", "prod", 1_700_000_000))
    assert admits(_trust("repo:octo/platform:environment:prod"), set(), claims) is None


def test_a_wildcard_subject_admits_what_stringlike_matches() -> None:
    claims = claims_of(workflow_token("octo/platform", "staging", 1_700_000_000))
    assert admits(_trust("repo:octo/platform:*", "StringLike"), {PROVIDER}, claims) == "GitHubEnvironment"


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.bm90IGpzb24.c", "a.e30.c"])
def test_a_token_that_is_not_a_jwt_with_an_issuer_is_refused(token: str) -> None:
    with pytest.raises(TrustRefused):
        claims_of(token)
