"""API Gateway deployments as snapshots: a stage serves what its deployment held when it was made.

moto records a deployment as an id and serves nothing. API Gateway freezes the API's resources,
methods and integrations into each deployment, so a change made after it (a new route, another
integration) is not served until the next deployment. Here each CreateDeployment keeps such a copy,
and the local API routes a stage's requests through its deployment's copy.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

_SNAPSHOTS: dict[tuple[str, str], dict[str, FrozenResource]] = {}
_LOCK = threading.Lock()


@dataclass
class FrozenResource:
    """A resource as deployed: its path then, and a copy of its methods and their integrations."""

    id: str
    path: str
    resource_methods: dict[str, Any]

    def get_path(self) -> str:
        return self.path


class DeployedApi:
    """The API as a stage's deployment holds it: its resources frozen, everything else as the API is."""

    def __init__(self, api: Any, resources: dict[str, FrozenResource]) -> None:
        self._api = api
        self.resources = resources

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)


def snapshots(original: Any, emulator: Any) -> Any:
    """RestAPI.create_deployment, keeping the deployment's snapshot of the API (the module's docstring)."""

    def create_deployment(self: Any, name: str, description: str, stage_variables: Any = None) -> Any:
        deployment = original(self, name, description, stage_variables)
        frozen = {rid: FrozenResource(r.id, r.get_path(), copy.deepcopy(r.resource_methods))
                  for rid, r in self.resources.items()}  # fmt: skip
        with _LOCK:
            _SNAPSHOTS[(self.id, deployment.id)] = frozen
        return deployment

    return create_deployment


def as_deployed(api: Any, stage_name: str) -> Any:
    """The API as `stage_name`'s deployment holds it (the live API when there is no snapshot)."""
    stage = api.stages.get(stage_name)
    with _LOCK:
        frozen = _SNAPSHOTS.get((api.id, stage.deployment_id)) if stage is not None else None
    return api if frozen is None else DeployedApi(api, frozen)
