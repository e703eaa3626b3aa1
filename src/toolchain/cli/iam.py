"""`invoke iam.*`: least privilege measured on the emulator (its enforcement: docs/emulator.md)."""

from __future__ import annotations

import json as json_module
from dataclasses import asdict
from typing import Any

from invoke import Context, Exit

from toolchain.cli.common import ENV_HELP, environments, platform_task, say
from toolchain.deploy.targets import EMULATOR_ENVIRONMENT


def _role_policies(iam: Any, prefix: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Role ARN -> policy name -> document, for the environment's roles (named after its prefix)."""
    roles: dict[str, dict[str, dict[str, Any]]] = {}
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            if not role["RoleName"].startswith(prefix):
                continue
            policies = {}
            for name in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
                document = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=name)["PolicyDocument"]
                policies[name] = json_module.loads(document) if isinstance(document, str) else document
            for attached in iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]:
                policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
                version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
                document = version["PolicyVersion"]["Document"]
                policies[attached["PolicyName"]] = (
                    json_module.loads(document) if isinstance(document, str) else document
                )
            roles[role["Arn"]] = policies
    return roles


@platform_task(
    help={
        "env": ENV_HELP,
        "json": "machine-readable JSON",
        "verbose": "also list the grants explained by an `# iam.report:` comment",
        "strict": "fail when a grant is unused and unexplained, or a call was denied (what CI runs)",
    }
)
def report(c: Context, env: str = EMULATOR_ENVIRONMENT, json: bool = False, verbose: bool = False,
           strict: bool = False) -> None:  # fmt: skip
    """Per role of the environment, on the emulator: the grants its functions used since the emulator
    started, the grants nothing used (remove them, or test the path that needs them) and the calls it
    was denied (grants missing). Run it after a session, a demo or the e2e suite."""
    from toolchain.security.usage import lines, measure, reasons

    with environments(c, "emulator") as envs:
        prefix = f"{envs.tfvar(env, 'project', 'platform')}-{envs.tfvar(env, 'environment', env)}-"
        recorded = envs.toolchain.emulator.authorisations()
        roles = _role_policies(envs.client("iam", env), prefix)
        result = measure(roles, recorded, reasons(envs.config.infra_dir))
    if json:
        say(json_module.dumps([asdict(u) for u in result], indent=2, default=list))
    else:
        for line in lines(result, verbose):
            say(line)
        if not recorded.get("enforced", True):
            say("note: the emulator runs with EMULATOR_ENFORCE_IAM=0: denied calls went through")
    unused = sum(len(u.unused) for u in result)
    denied = sum(len(u.denied) for u in result)
    if strict and (unused or denied):
        raise Exit(f"error: {unused} unused grants and {denied} denied calls in {env} (above); remove or "
                   "explain each unused grant (# iam.report: <why> above its sid), grant what was denied",
                   code=1)  # fmt: skip
