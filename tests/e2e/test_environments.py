"""dev, staging and prod on the emulator as on an AWS account: bootstrap, plan and apply, promotion of
the very same artifacts, refusals, rollback, the operator's view and the cost estimate.

The tests run in order and tell one story; each step builds on the state the previous one left.
A "changed build" is made the way a developer makes one: a copy of the checkout with one handler
edited, packaged into the same build directory (so it becomes the build at hand). Whatever happens
in between, the module leaves the session's build as it found it (the checkout's own).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import tokens
from toolchain.deploy.release import ALIAS

from .conftest import ROOT, Deployed

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def deployed(workbench: Deployed) -> Deployed:
    """The workbench: this module makes changed builds the build at hand, which no other platform may see."""
    return workbench


@dataclass
class Release:
    manifest_sha256: str
    hashes: dict[str, str]  # function -> base64 sha256 of its zip, as Lambda reports CodeSha256


def release_at_hand(deployed: Deployed) -> Release:
    path = deployed.build_dir / "manifest.json"
    functions = json.loads(path.read_text())["functions"]
    return Release(hashlib.sha256(path.read_bytes()).hexdigest(), {n: f["base64sha256"] for n, f in functions.items()})


def outputs(deployed: Deployed, env: str) -> dict[str, Any]:
    return json.loads(deployed.invoke("outputs", "--env", env, "--json").stdout)


def running(deployed: Deployed, env: str) -> dict[str, str]:
    """What Lambda itself says each function of an environment runs behind `live` (what triggers invoke)."""
    lambda_client = deployed.client("lambda")
    return {
        name: lambda_client.get_function(FunctionName=fn["function_name"], Qualifier=ALIAS)["Configuration"][
            "CodeSha256"
        ]
        for name, fn in outputs(deployed, env)["functions"].items()
    }


def failure(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


@pytest.fixture(scope="module")
def first(deployed: Deployed) -> Release:
    """GIVEN a bootstrapped account (`invoke up` bootstraps the emulated one; bootstrapping again changes
    nothing) and dev planned and applied from the build at hand."""
    deployed.invoke("bootstrap")
    deployed.invoke("plan", "--env", "dev")
    deployed.invoke("apply", "--env", "dev")
    return release_at_hand(deployed)


@pytest.fixture(scope="module", autouse=True)
def _the_build_at_hand_is_restored(deployed: Deployed) -> Iterator[None]:
    yield
    deployed.invoke("package")
    result = deployed.invoke("plan")
    assert "No changes planned for emulator on the emulator" in result.stdout, result.stdout[-5000:]


def checkout_copy(tmp_path_factory: pytest.TempPathFactory, name: str, users_handler_tail: str) -> Path:
    """A copy of the checkout whose users handler ends with `users_handler_tail`."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")  # fmt: skip
    copy = tmp_path_factory.mktemp(name)
    for path in filter(None, files):
        if (ROOT / path).is_file():
            (copy / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / path, copy / path)
    handler = copy / "src/lambdas/services/users/handler.py"
    handler.write_text(handler.read_text() + users_handler_tail)
    return copy


@pytest.fixture(scope="module")
def changed_checkout(deployed: Deployed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout whose users handler differs by one comment."""
    return checkout_copy(tmp_path_factory, "changed-checkout", "\n# a change on its way to production\n")


def invoke_in(deployed: Deployed, checkout: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=checkout, env=deployed.env,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0 or not check, result.stdout[-6000:] + result.stderr
    return result


def test_before_deploying_the_tasks_say_what_to_do(deployed: Deployed) -> None:
    # (before bootstrapping: tests/integration/test_environment_preconditions.py, on a bare emulator)
    nothing = failure(deployed.invoke("promote", "--from", "staging", "--to", "prod", check=False))
    assert "error: staging on the emulator has nothing deployed" in nothing
    assert "run `invoke plan --env staging` then `invoke apply --env staging`" in nothing
    assert "has nothing deployed" in failure(deployed.invoke("cost", "--env", "prod", check=False))


def test_the_plan_is_saved_and_apply_carries_it_out(deployed: Deployed, first: Release) -> None:
    assert not (deployed.build_dir / "plans" / "emulator-dev.tfplan").exists()  # consumed by apply
    assert running(deployed, "dev") == first.hashes
    result = deployed.invoke("plan", "--env", "dev")
    assert "No changes planned for dev on the emulator" in result.stdout
    bucket = outputs(deployed, "dev")["artifacts_bucket"]
    keys = {o["Key"] for o in deployed.client("s3").list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"manifests/{first.manifest_sha256}.json" in keys
    manifest = json.loads((deployed.build_dir / "manifest.json").read_text())
    assert {f"artifacts/{a['sha256']}.zip" for a in manifest["functions"].values()} <= keys


def test_outputs_are_a_table_for_people_and_json_for_machines(deployed: Deployed, first: Release) -> None:
    table = deployed.invoke("outputs", "--env", "dev").stdout
    values = outputs(deployed, "dev")
    assert table.startswith(
        f"dev on the emulator  (us-east-1, build python3.12-x86_64, manifest {first.manifest_sha256[:12]})"
    )
    assert f"API        {values['api_url']}" in table
    assert f"  served at {values['local_api_url']}" in table
    for name, fn in values["functions"].items():
        # right after an apply, live serves the version Terraform published: one number, no "(N)"
        assert fn["live"] == {"version": str(fn["version"]), "weights": {}}
        assert f"  {fn['version']:<16}  {first.hashes[name]:<44}" in table
        assert fn["function_name"] in table
    assert values["queues"]["work_dead_letter"] in table
    assert values["topics"]["alarms"] in table
    assert all(alarm in table for alarm in values["alarm_names"])
    assert set(values["alarm_states"]) == set(values["alarm_names"])
    firing = sum(1 for state in values["alarm_states"].values() if state == "ALARM")
    assert f"alarms ({len(values['alarm_names'])}, {firing} in ALARM, to " in table
    assert values["deployed_manifest_sha256"] == first.manifest_sha256


def test_promotion_carries_the_dev_build_to_staging_then_prod(deployed: Deployed, first: Release) -> None:
    to_staging = deployed.invoke("promote", "--from", "dev", "--to", "staging")
    assert f"Promoted dev -> staging: manifest {first.manifest_sha256[:12]}" in to_staging.stdout
    deployed.invoke("promote", "--from", "staging", "--to", "prod")
    for env in ("dev", "staging", "prod"):
        assert running(deployed, env) == first.hashes, env
        assert outputs(deployed, env)["deployed_manifest_sha256"] == first.manifest_sha256
    again = deployed.invoke("promote", "--from", "staging", "--to", "prod")
    assert "no function changed" in again.stdout


def test_prod_serves_what_it_was_given(deployed: Deployed, first: Release) -> None:
    values = outputs(deployed, "prod")
    secret = deployed.client("secretsmanager").get_secret_value(SecretId=values["jwt_secret_id"])["SecretString"]
    auth = {"Authorization": "Bearer " + tokens.hs256(secret)}
    created = requests.post(f"{values['local_api_url']}/users", json={"name": "Ada", "email": "ada@example.com"},
                            headers=auth, timeout=30)  # fmt: skip
    assert created.status_code == 201, created.text
    assert requests.get(f"{values['local_api_url']}/users", timeout=10).status_code == 401


def test_a_changed_build_is_not_promoted(deployed: Deployed, first: Release, changed_checkout: Path) -> None:
    invoke_in(deployed, changed_checkout, "package")
    changed = release_at_hand(deployed)
    assert changed.hashes["users"] != first.hashes["users"]
    assert {n: h for n, h in changed.hashes.items() if n != "users"} == {
        n: h for n, h in first.hashes.items() if n != "users"
    }
    message = failure(deployed.invoke("promote", "--from", "dev", "--to", "staging", check=False))
    assert (
        f"error: the build at hand ({changed.manifest_sha256[:12]}) is not what dev runs "
        f"({first.manifest_sha256[:12]})" in message
    )
    assert running(deployed, "staging") == first.hashes


def test_a_source_not_running_its_manifest_is_not_promoted(deployed: Deployed, first: Release) -> None:
    # Someone changed dev's code outside Terraform: dev no longer runs what its manifest records.
    lambda_client = deployed.client("lambda")
    name = outputs(deployed, "dev")["functions"]["sessions"]["function_name"]
    original = (
        deployed.build_dir
        / json.loads((deployed.build_dir / "manifest.json").read_text())["functions"]["sessions"]["path"]
    )
    patched = io.BytesIO()
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            target.writestr(
                item, source.read(item) + (b"\n# hotfix\n" if item.filename.endswith("handler.py") else b"")
            )
    live = lambda_client.get_alias(FunctionName=name, Name=ALIAS)
    hotfix = lambda_client.update_function_code(FunctionName=name, ZipFile=patched.getvalue(), Publish=True)
    lambda_client.update_alias(FunctionName=name, Name=ALIAS, FunctionVersion=hotfix["Version"])
    try:
        message = failure(deployed.invoke("promote", "--from", "dev", "--to", "staging", check=False))
        assert f"error: dev's functions do not run its recorded manifest {first.manifest_sha256[:12]}" in message
        assert "re-apply dev before promoting from it" in message
        assert running(deployed, "staging") == first.hashes
    finally:
        lambda_client.update_alias(FunctionName=name, Name=ALIAS, FunctionVersion=live["FunctionVersion"])
        lambda_client.delete_function(FunctionName=name, Qualifier=hotfix["Version"])
        lambda_client.update_function_code(FunctionName=name, ZipFile=original.read_bytes())
    assert running(deployed, "dev") == first.hashes


def test_an_unhealthy_source_is_not_promoted(deployed: Deployed, first: Release, changed_checkout: Path) -> None:
    invoke_in(deployed, changed_checkout, "plan", "--env", "dev")
    invoke_in(deployed, changed_checkout, "apply", "--env", "dev")
    cloudwatch = deployed.client("cloudwatch")
    alarm = "platform-dev-users-errors"
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="e2e: the new build fails")
    try:
        message = failure(
            invoke_in(deployed, changed_checkout, "promote", "--from", "dev", "--to", "prod", check=False)
        )
        assert f"error: dev is unhealthy: {alarm} in ALARM" in message
        assert running(deployed, "prod") == first.hashes
    finally:
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="e2e: fixed")


def test_rolling_back_is_promoting_the_previous_manifest(
    deployed: Deployed, first: Release, changed_checkout: Path
) -> None:
    changed = release_at_hand(deployed)
    promoted = invoke_in(deployed, changed_checkout, "promote", "--from", "dev", "--to", "prod")
    assert f"users                {first.hashes['users']:<44} -> {changed.hashes['users']}" in promoted.stdout
    assert "thumbnails" not in promoted.stdout.split("Promoted dev -> prod")[1]
    assert running(deployed, "prod") == changed.hashes

    rollback = deployed.invoke("promote", "--manifest", first.manifest_sha256, "--to", "prod")
    assert f"Promoted manifest {first.manifest_sha256[:12]} -> prod" in rollback.stdout
    assert running(deployed, "prod") == first.hashes
    assert outputs(deployed, "prod")["deployed_manifest_sha256"] == first.manifest_sha256

    unknown = failure(deployed.invoke("promote", "--manifest", "0" * 64, "--to", "prod", check=False))
    assert "error: no manifest 000000000000 in s3://platform-123456789012-us-east-1-artifacts" in unknown


def test_cost_prices_measured_invocations_else_expected_traffic(deployed: Deployed, first: Release) -> None:
    prod = deployed.invoke("cost", "--env", "prod").stdout
    rows = {line.split()[0]: line.split() for line in prod.splitlines()[2:] if line and not line.startswith("-")}
    # order-stream in prod, from expected_traffic: 900,000 requests x 30 ms at 256 MB = 6,750 GB-s: $0.18 + $0.1125
    assert rows["order-stream"][1:] == ["256", "x86_64", "0", "900,000", "30.0", "6,750.0", "0.29", "estimate"]
    # users in prod ran once (test_prod_serves_what_it_was_given): measured beats expected; its two
    # provisioned environments (prod.tfvars) cost 2 x 0.5 GB x 730 h at $0.0000041667 per GB-s, used or not
    assert rows["users"][1:5] == ["512", "x86_64", "2", "1"] and rows["users"][-1] == "metrics"
    assert rows["users"][-2] == "10.95"
    assert "estimated monthly Lambda cost" in prod


# -- gradual releases: the canary rehearsed on the emulator --------------------------------------
def _users_request() -> bytes:
    """GET /users/{id} for a user that does not exist, as API Gateway hands it to the function: a 404."""
    event = json.loads((ROOT / "events" / "apigateway-rest-proxy.json").read_text())
    event.update(httpMethod="GET", resource="/users/{id}", path="/users/nobody", pathParameters={"id": "nobody"},
                 body=None, headers={"Accept": "application/json"})  # fmt: skip
    return json.dumps(event).encode()


def _weighted(lambda_client: Any, name: str) -> tuple[str, dict[str, float]]:
    alias = lambda_client.get_alias(FunctionName=name, Name=ALIAS)
    return alias["FunctionVersion"], (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}


def _canary_started(lambda_client: Any, name: str, promotion: subprocess.Popen, timeout: float = 300) -> str:
    """The new version, once `live` routes a share to it (the apply before it takes a while)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and promotion.poll() is None:
        weights = _weighted(lambda_client, name)[1]
        if weights:
            return next(iter(weights))
        time.sleep(0.5)
    output = promotion.communicate(timeout=60)[0] if promotion.poll() is not None else "(still running)"
    raise AssertionError(f"the canary never started:\n{output[-4000:]}")


def _promotion(deployed: Deployed, checkout: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "invoke", "promote", "--from", "dev", "--to", "prod", *options],
                            cwd=checkout, env=deployed.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)  # fmt: skip


def test_a_canary_of_a_good_build_serves_its_share_then_all_of_the_traffic(
    deployed: Deployed, first: Release, changed_checkout: Path
) -> None:
    # GIVEN dev runs the changed build (users differs) and prod the first one
    changed = release_at_hand(deployed)
    lambda_client = deployed.client("lambda")
    name = outputs(deployed, "prod")["functions"]["users"]["function_name"]
    previous = _weighted(lambda_client, name)[0]
    # WHEN it is promoted as a 10% canary and 1000 requests arrive during the bake
    promotion = _promotion(deployed, changed_checkout, "--canary", "10", "--bake", "60s")
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
        output = promotion.communicate(timeout=300)[0]
    assert promotion.returncode == 0, output[-5000:]
    # THEN all 1000 ran during the canary, and the new version's share is within binomial bounds of 10%
    assert still_canary == (previous, {new: 0.1}), "the requests outlasted the bake: lengthen it"
    assert set(executed) <= {previous, new}
    share, deviation = executed.count(new), math.sqrt(1000 * 0.1 * 0.9)
    assert abs(share - 100) <= 4.5 * deviation, f"{share} of 1000 ran version {new}"
    # AND the bake was shown as it went, and ended with all of the traffic on the new version
    assert "10% on the new versions" in output and "no alarm" in output, output[-3000:]
    assert _weighted(lambda_client, name) == (new, {})
    assert running(deployed, "prod") == changed.hashes


@pytest.fixture(scope="module")
def broken_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout whose users handler fails every request."""
    return checkout_copy(tmp_path_factory, "broken-checkout", "\n\ndef lambda_handler(event, context):  # noqa: F811\n"
                         "    raise RuntimeError('this build is broken')\n")  # fmt: skip


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
    promotion = _promotion(deployed, broken_checkout, "--canary", "50", "--bake", "5m")
    try:
        broken = _canary_started(lambda_client, name, promotion)
        statuses = []
        while promotion.poll() is None and time.monotonic() - started < 400:
            statuses.append(requests.get(f"{prod['local_api_url']}/users/nobody", headers=auth, timeout=30).status_code)
            time.sleep(0.2)
    finally:
        output = promotion.communicate(timeout=120)[0]
    # THEN the per-version errors alarm fired during the bake and the promotion failed saying so
    assert promotion.returncode == 1 and "Traceback" not in output, output[-5000:]
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
