"""Who deploys: each environment's deploy role (infra/bootstrap/deploy_roles.tf), assumed as CI assumes it.

On AWS a workflow job exchanges GitHub's OIDC token for a session of the role its environment names
(AWS_DEPLOY_ROLE_ARN); the tasks then run with those ambient credentials. On the emulator the tasks
do the same exchange themselves, with a token carrying the claims GitHub would sign, so `plan`,
`apply`, `promote`, `rollback` and `destroy` of dev, staging and prod run as that role and its policy
is proven there: what it lacks fails locally, as AccessDenied naming the action.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from collections.abc import Callable, Mapping
from typing import Any

from toolchain.errors import ToolchainError

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
# The emulator's stand-in outside a workflow (no GITHUB_REPOSITORY): bootstrap's trust and the tokens
# minted there both name it, which is all the trust needs on one machine.
LOCAL_REPOSITORY = "local/platform"
_REMOTE = re.compile(r"github\.com[:/]([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)(?:\.git)?/?$")

GitRunner = Callable[[list[str]], str]


def _git(args: list[str]) -> str:
    try:
        result = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def github_repository(environ: Mapping[str, str], git: GitRunner = _git) -> str | None:
    """owner/name: GITHUB_REPOSITORY (set in every workflow job), else the origin remote on github.com."""
    if found := environ.get("GITHUB_REPOSITORY", "").strip():
        return found
    match = _REMOTE.search(git(["remote", "get-url", "origin"]))
    return match.group(1) if match else None


def required_repository(environ: Mapping[str, str], git: GitRunner = _git) -> str:
    found = github_repository(environ, git)
    if found is None:
        raise ToolchainError(
            "cannot tell which GitHub repository may assume the deploy roles",
            "set GITHUB_REPOSITORY=<owner>/<name> (the repository whose workflow deploys) and run it again",
        )
    return found


def _segment(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=").decode()


def workflow_token(repository: str, env: str, now: float) -> str:
    """The claims GitHub's OIDC token carries for a job of `repository` in environment `env`.

    Unsigned: only the emulator accepts it (it checks the role's trust against these claims, as STS
    does after checking GitHub's signature)."""
    issued = int(now)
    claims = {"iss": GITHUB_ISSUER, "aud": AUDIENCE, "sub": f"repo:{repository}:environment:{env}",
              "repository": repository, "environment": env,
              "iat": issued, "nbf": issued, "exp": issued + 900}  # fmt: skip
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}."


def session_credentials(sts_client: Any, role_arn: str, token: str, env: str) -> dict[str, str]:
    """AWS_* variables of a session of `role_arn`, as aws-actions/configure-aws-credentials sets them."""
    from botocore.exceptions import ClientError

    try:
        issued = sts_client.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName=f"deploy-{env}",
                                                          WebIdentityToken=token)["Credentials"]  # fmt: skip
    except ClientError as exc:
        raise ToolchainError(
            f"cannot assume {env}'s deploy role {role_arn}: {exc.response['Error'].get('Message', exc)}",
            "check its trust policy (infra/bootstrap/deploy_roles.tf) and run `invoke bootstrap` again",
        ) from exc
    return {"AWS_ACCESS_KEY_ID": issued["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": issued["SecretAccessKey"],
            "AWS_SESSION_TOKEN": issued["SessionToken"]}  # fmt: skip
