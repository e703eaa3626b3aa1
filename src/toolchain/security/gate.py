"""The checks that need a deployed environment: the IAM audit of its plan, the search for its secrets.

Both read an environment the way an operator's tools would (Terraform's plan and state, the Lambda
and CloudWatch Logs APIs), on the emulator or on AWS alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from toolchain.deploy.environments import Environments
from toolchain.errors import ToolchainError
from toolchain.security.iam import IamAudit, audit_plan
from toolchain.security.secrets import Leak, find_leaks
from toolchain.terraform.project import TerraformProject


@dataclass
class SecretSearch:
    secrets: list[str]
    places: dict[str, int]
    leaks: list[Leak]

    @property
    def ok(self) -> bool:
        return not self.leaks


def _paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page.get(key, [])]


class DeployedChecks:
    def __init__(self, environments: Environments) -> None:
        self._environments = environments
        self._reporter = environments.reporter

    def _require_deployed(self, project: TerraformProject, env: str) -> dict[str, Any]:
        outputs = project.outputs()
        if not outputs:
            raise ToolchainError(
                f"{env} on the {self._environments.target.name} has nothing deployed: "
                "the audit needs the values a plan only has after apply",
                "run `invoke up` (emulator) or `invoke plan`/`invoke apply` for the environment first",
            )
        return outputs

    def _plan_json(self, project: TerraformProject, env: str) -> dict[str, Any]:
        return project.show_plan_json(self._environments.plan(env).plan_file)

    def iam(self, env: str) -> IamAudit:
        project = self._environments.project(env)
        self._require_deployed(project, env)
        plan = self._plan_json(project, env)
        self._reporter.step("Auditing every IAM policy in the plan")
        return audit_plan(plan)

    def secrets(self, env: str) -> SecretSearch:
        project = self._environments.project(env)
        outputs = self._require_deployed(project, env)
        secret_ids = {k: v for k, v in sorted(outputs.items()) if k.endswith("_secret_id") and isinstance(v, str)}
        if not secret_ids:
            raise ToolchainError(f"{env} outputs no *_secret_id: nothing to search for")
        sm = self._environments.client("secretsmanager", env)
        values = {}
        for name, secret_id in secret_ids.items():
            try:
                values[name] = sm.get_secret_value(SecretId=secret_id)["SecretString"]
            except sm.exceptions.ResourceNotFoundException:
                raise ToolchainError(
                    f"secret {secret_id} has no value yet", "set it (put-secret-value), or on the emulator: invoke up"
                ) from None
        self._reporter.step(f"Searching plan, state, function environments and logs for {len(values)} secret values")
        places = self._places(project, env)
        return SecretSearch(sorted(values), {k: len(v) for k, v in places.items()}, find_leaks(values, places))

    def _places(self, project: TerraformProject, env: str) -> dict[str, str]:
        places = {"terraform plan": json.dumps(self._plan_json(project, env))}
        places["terraform state"] = project.run(["state", "pull"], capture=True).stdout
        lambda_ = self._environments.client("lambda", env)
        for function in _paginate(lambda_, "list_functions", "Functions"):
            places[f"environment of {function['FunctionName']}"] = json.dumps(function.get("Environment", {}))
        logs = self._environments.client("logs", env)
        for group in _paginate(logs, "describe_log_groups", "logGroups"):
            name = group["logGroupName"]
            events = _paginate(logs, "filter_log_events", "events", logGroupName=name)
            places[f"log group {name}"] = "\n".join(e["message"] for e in events)
        places.update(self._environments.target.log_sources())
        return places
