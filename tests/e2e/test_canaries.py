"""Gradual releases rehearsed on the emulator: a canary of a good build serves its share of prod's
traffic, then all of it; a canary of a failing build trips its per-version alarm and rolls itself
back; the documented rollbacks put `live` back in seconds.

The platform is the module's own (`canary_accounts`: an emulator bootstrapped by `invoke bootstrap`),
so its prod and its changed builds meet no other module, and its story runs beside
test_environments' on another worker.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import tokens
from tests.docs import documented
from tests.docs import run as run_documented
from toolchain.deploy.release import ALIAS, Releaser

from .conftest import ROOT, Deployed
from .environments import A_CHANGE, Release, failure, invoke_in, outputs, release_at_hand, running, users_changed

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def deployed(canary_accounts: Deployed) -> Deployed:
    return canary_accounts


@pytest.fixture(scope="module")
def first(deployed: Deployed) -> Release:
    """GIVEN prod running the build at hand, promoted from dev, all at once."""
    deployed.invoke("plan", "--env", "dev")
    deployed.invoke("apply", "--env", "dev")
    deployed.invoke("promote", "--from", "dev", "--to", "prod")
    return release_at_hand(deployed)


@pytest.fixture(scope="module")
def changed_checkout(deployed: Deployed, first: Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout whose users handler differs by one comment, planned and applied to dev."""
    checkout = users_changed(tmp_path_factory.mktemp("changed-checkout"), A_CHANGE)
    invoke_in(deployed, checkout, "plan", "--env", "dev")
    invoke_in(deployed, checkout, "apply", "--env", "dev")
    return checkout


def _users_request() -> bytes:
    """GET /users/{id} for a user that does not exist, as API Gateway hands it to the function: a 404."""
    event = json.loads((ROOT / "events" / "apigateway-rest-proxy.json").read_text())
    event.update(httpMethod="GET", resource="/users/{id}", path="/users/nobody", pathParameters={"id": "nobody"},
                 body=None, headers={"Accept": "application/json"})  # fmt: skip
    return json.dumps(event).encode()


def _weighted(lambda_client: Any, name: str) -> tuple[str, dict[str, float]]:
    alias = lambda_client.get_alias(FunctionName=name, Name=ALIAS)
    return alias["FunctionVersion"], (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}


class Promotion:
    """`invoke promote --from dev --to prod` in the background, its output drained as it is written
    (a pipe nobody reads fills up, and the promotion would stop at its next line)."""

    def __init__(self, deployed: Deployed, checkout: Path, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "invoke", "promote", "--from", "dev", "--to", "prod", *options], cwd=checkout,
            env=deployed.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self._lines: list[str] = []
        self._reader = threading.Thread(target=lambda: self._lines.extend(self.process.stdout or []), daemon=True)
        self._reader.start()

    def running(self) -> bool:
        return self.process.poll() is None

    def finish(self, timeout: float) -> tuple[int, str]:
        """(exit status, everything it printed), once it ends."""
        status = self.process.wait(timeout=timeout)
        self._reader.join(timeout=60)
        return status, "".join(self._lines)

    def output(self) -> str:
        return "".join(self._lines)


def _canary_started(lambda_client: Any, name: str, promotion: Promotion, timeout: float = 300) -> str:
    """The new version, once `live` routes a share to it (the apply before it takes a while)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and promotion.running():
        weights = _weighted(lambda_client, name)[1]
        if weights:
            return next(iter(weights))
        time.sleep(0.5)
    raise AssertionError(f"the canary never started:\n{promotion.output()[-4000:]}")


@pytest.mark.documents("environments.md", "Gradual releases: canary and linear")
def test_a_canary_of_a_good_build_serves_its_share_then_all_of_the_traffic(
    deployed: Deployed, first: Release, changed_checkout: Path
) -> None:
    # GIVEN dev runs the changed build (users differs) and prod the first one
    changed = release_at_hand(deployed)
    lambda_client = deployed.client("lambda")
    name = outputs(deployed, "prod")["functions"]["users"]["function_name"]
    previous = _weighted(lambda_client, name)[0]
    # WHEN it is promoted as a 10% canary and 1000 requests arrive during the bake
    promotion = Promotion(deployed, changed_checkout, "--canary", "10", "--bake", "60s")
    try:
        new = _canary_started(lambda_client, name, promotion)
        request = _users_request()

        def one(_: int) -> str:
            answer = lambda_client.invoke(FunctionName=name, Qualifier=ALIAS, Payload=request)
            assert "FunctionError" not in answer, answer["Payload"].read()
            return str(answer["ExecutedVersion"])

        with ThreadPoolExecutor(max_workers=4) as pool:
            executed = list(pool.map(one, range(1000)))
        still_canary = _weighted(lambda_client, name)
    finally:
        status, output = promotion.finish(timeout=300)
    assert status == 0, output[-5000:]
    # THEN all 1000 ran during the canary, and the new version's share is within binomial bounds of 10%
    assert still_canary == (previous, {new: 0.1}), "the requests outlasted the bake: lengthen it"
    assert set(executed) <= {previous, new}
    share, deviation = executed.count(new), math.sqrt(1000 * 0.1 * 0.9)
    assert abs(share - 100) <= 4.5 * deviation, f"{share} of 1000 ran version {new}"
    # AND the bake was shown as it went, and ended with all of the traffic on the new version
    assert "10% on the new versions" in output and "no alarm" in output, output[-3000:]
    assert _weighted(lambda_client, name) == (new, {})
    assert running(deployed, "prod") == changed.hashes
    # AND docs/environments.md's rollbacks, as written, put live back where it was in seconds
    every = run_documented(documented("docs/environments.md", "invoke rollback --env prod"), deployed.env,
                           cwd=deployed.root)  # fmt: skip
    assert every.returncode == 0 and f"{name}: live {new} -> {previous}" in every.stdout, every.stdout + every.stderr
    Releaser(lambda_client).move(name, new)  # released again (a hotfix tool would), so there is a step back
    one = run_documented(documented("docs/environments.md", "invoke rollback --env prod --function users"),
                         deployed.env, cwd=deployed.root)  # fmt: skip
    assert one.returncode == 0 and f"{name}: live {new} -> {previous}" in one.stdout, one.stdout + one.stderr
    assert _weighted(lambda_client, name) == (previous, {})


@pytest.fixture(scope="module")
def broken_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout whose users handler fails every request."""
    return users_changed(tmp_path_factory.mktemp("broken-checkout"), "\n\ndef lambda_handler(event, context):  # noqa: F811\n"
                         "    raise RuntimeError('this build is broken')\n")  # fmt: skip


@pytest.mark.documents("environments.md", "Gradual releases: canary and linear")
def test_a_canary_of_a_failing_build_trips_its_alarm_and_rolls_itself_back(
    deployed: Deployed, first: Release, broken_checkout: Path
) -> None:
    # GIVEN dev runs a build whose users handler fails (nothing calls it there)
    invoke_in(deployed, broken_checkout, "plan", "--env", "dev")
    invoke_in(deployed, broken_checkout, "apply", "--env", "dev")
    prod = outputs(deployed, "prod")
    lambda_client = deployed.client("lambda")
    name = prod["functions"]["users"]["function_name"]
    previous = _weighted(lambda_client, name)[0]
    secret = deployed.client("secretsmanager").get_secret_value(SecretId=prod["jwt_secret_id"])["SecretString"]
    auth = {"Authorization": "Bearer " + tokens.hs256(secret)}
    # WHEN it is promoted as a canary with a long bake while people use the API
    started = time.monotonic()
    promotion = Promotion(deployed, broken_checkout, "--canary", "50", "--bake", "5m")
    try:
        broken = _canary_started(lambda_client, name, promotion)
        statuses = []
        while promotion.running() and time.monotonic() - started < 400:
            statuses.append(requests.get(f"{prod['local_api_url']}/users/nobody", headers=auth, timeout=30).status_code)
            time.sleep(0.2)
    finally:
        status, output = promotion.finish(timeout=120)
    # THEN the per-version errors alarm fired during the bake and the promotion failed saying so
    assert status == 1 and "Traceback" not in output, output[-5000:]
    assert f"rolled back at 50%: platform-prod-users-bake-v{broken}-errors" in output, output[-3000:]
    assert time.monotonic() - started < 300, "the bake ran to its end: the alarm did not stop it"
    assert 502 in statuses, statuses  # the canary did fail requests: that is what the alarm saw
    # AND live is back on the previous version, and every request after the rollback succeeds
    assert _weighted(lambda_client, name) == (previous, {})
    for index in range(10):
        created = requests.post(f"{prod['local_api_url']}/users", headers=auth, timeout=30,
                                json={"name": f"After {index}", "email": f"after{index}@example.com"})  # fmt: skip
        assert created.status_code == 201, created.text
    # AND prod, whose live no longer runs the manifest it recorded, is not a source to promote from
    refused = failure(deployed.invoke("promote", "--from", "prod", "--to", "staging", check=False))
    assert "error: prod's functions do not run its recorded manifest" in refused
