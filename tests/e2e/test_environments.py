"""dev, staging and prod on the emulator as on an AWS account: bootstrap, plan and apply, promotion of
the very same artifacts, refusals, rollback, the operator's view and the cost estimate.

The tests run in order and tell one story; each step builds on the state the previous one left.
A "changed build" is made the way a developer makes one: a copy of the checkout with one handler
edited, packaged into the same build directory (so it becomes the build at hand). The platform is
the module's own (`accounts`: an emulator bootstrapped by `invoke bootstrap`, nothing deployed), so
no other module ever sees a changed build.
"""

from __future__ import annotations

import io
import json
import time
import tomllib
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from tests import tokens
from tests.docs import documented
from tests.docs import run as run_documented
from toolchain.cost.bill import SERVICE_NAMES
from toolchain.deploy.deployer import LOCAL_REPOSITORY, workflow_token
from toolchain.deploy.release import ALIAS

from .conftest import Deployed
from .environments import A_CHANGE, Release, failure, invoke_in, outputs, release_at_hand, running, users_changed

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def deployed(accounts: Deployed) -> Deployed:
    return accounts


@pytest.fixture(scope="module")
def first(deployed: Deployed) -> Release:
    """GIVEN a bootstrapped account (the platform's `invoke bootstrap` started the emulator and made
    it; bootstrapping again changes nothing) and dev planned and applied from the build at hand."""
    deployed.invoke("bootstrap")
    deployed.invoke("plan", "--env", "dev")
    deployed.invoke("apply", "--env", "dev")
    return release_at_hand(deployed)


@pytest.fixture(scope="module")
def changed_checkout(deployed: Deployed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout whose users handler differs by one comment."""
    return users_changed(tmp_path_factory.mktemp("changed-checkout"), A_CHANGE)


@pytest.mark.documents("environments.md", "State")
def test_before_deploying_the_tasks_say_what_to_do(deployed: Deployed) -> None:
    # (before bootstrapping: tests/integration/test_environment_preconditions.py, on a bare emulator)
    nothing = failure(deployed.invoke("promote", "--from", "staging", "--to", "prod", check=False))
    assert "error: staging on the emulator has nothing deployed" in nothing
    assert "run `invoke plan --env staging` then `invoke apply --env staging`" in nothing
    assert "has nothing deployed" in failure(deployed.invoke("cost", "--env", "prod", check=False))


@pytest.mark.documents("environments.md", "Plan, then apply exactly that", "One way to deploy", "Artifacts bucket")
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


@pytest.mark.documents("environments.md", "The operator's view")
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


@pytest.mark.documents("environments.md", "Promote")
def test_promotion_carries_the_dev_build_to_staging_then_prod(deployed: Deployed, first: Release) -> None:
    to_staging = deployed.invoke("promote", "--from", "dev", "--to", "staging")
    assert f"Promoted dev -> staging: manifest {first.manifest_sha256[:12]}" in to_staging.stdout
    deployed.invoke("promote", "--from", "staging", "--to", "prod")
    for env in ("dev", "staging", "prod"):
        assert running(deployed, env) == first.hashes, env
        assert outputs(deployed, env)["deployed_manifest_sha256"] == first.manifest_sha256
    again = deployed.invoke("promote", "--from", "staging", "--to", "prod")
    assert "no function changed" in again.stdout


@pytest.mark.documents("emulator.md", "Secrets")
def test_prod_serves_what_it_was_given(deployed: Deployed, first: Release) -> None:
    values = outputs(deployed, "prod")
    secret = deployed.client("secretsmanager").get_secret_value(SecretId=values["jwt_secret_id"])["SecretString"]
    auth = {"Authorization": "Bearer " + tokens.hs256(secret)}
    created = requests.post(f"{values['local_api_url']}/users", json={"name": "Ada", "email": "ada@example.com"},
                            headers=auth, timeout=30)  # fmt: skip
    assert created.status_code == 201, created.text
    assert requests.get(f"{values['local_api_url']}/users", timeout=10).status_code == 401


@pytest.mark.documents("environments.md", "Promote")
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


@pytest.mark.documents("environments.md", "Promote")
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


@pytest.mark.documents("environments.md", "Promote")
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


def _deploy_session(deployed: Deployed, role_env: str, token_env: str) -> Any:
    """A boto3 session of `role_env`'s deploy role, assumed with a workflow token of `token_env`, as a
    CI job assumes it."""
    import boto3

    repository = deployed.env.get("GITHUB_REPOSITORY", "").strip() or LOCAL_REPOSITORY
    sts = deployed.client("sts")
    issued = sts.assume_role_with_web_identity(
        RoleArn=f"arn:aws:iam::123456789012:role/platform-deploy-{role_env}", RoleSessionName=f"e2e-{token_env}",
        WebIdentityToken=workflow_token(repository, token_env, time.time()),
    )["Credentials"]  # fmt: skip
    return boto3.Session(aws_access_key_id=issued["AccessKeyId"], aws_secret_access_key=issued["SecretAccessKey"],
                         aws_session_token=issued["SessionToken"], region_name="us-east-1")  # fmt: skip


@pytest.mark.documents("environments.md", "The deploy role")
def test_each_environment_is_deployed_by_its_own_role_and_no_other(deployed: Deployed, first: Release) -> None:
    # GIVEN dev, staging and prod deployed by the tasks, each as its own deploy role (bootstrap's)
    endpoint = deployed.control.require().endpoint
    # THEN a job of the dev environment cannot assume prod's role: the trust names prod's jobs only
    with pytest.raises(ClientError) as refused:
        _deploy_session(deployed, "prod", "dev")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    # AND dev's role, which deploys dev, cannot move prod's aliases (only read them, as promotion does)
    dev_lambda = _deploy_session(deployed, "dev", "dev").client("lambda", endpoint_url=endpoint)
    live = dev_lambda.get_alias(FunctionName="platform-prod-users", Name=ALIAS)
    with pytest.raises(ClientError) as denied:
        dev_lambda.update_alias(FunctionName="platform-prod-users", Name=ALIAS, FunctionVersion=live["FunctionVersion"])
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "deploy-dev/e2e-dev is not authorized to perform: lambda:UpdateAlias" in str(denied.value)
    # AND it cannot read the secrets it creates: their values are an operator's, not a deployment's
    secrets = _deploy_session(deployed, "dev", "dev").client("secretsmanager", endpoint_url=endpoint)
    with pytest.raises(ClientError, match="secretsmanager:GetSecretValue"):
        secrets.get_secret_value(SecretId=outputs(deployed, "dev")["jwt_secret_id"])


@pytest.mark.documents("environments.md", "The deploy role")
def test_a_deploy_role_missing_a_grant_fails_the_promotion_naming_it(
    deployed: Deployed, first: Release, changed_checkout: Path
) -> None:
    # GIVEN prod's deploy role without lambda:UpdateAlias (changed through IAM, as a hand edit would)
    iam = deployed.client("iam")
    role, name = "platform-deploy-prod", "deploy"
    found = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    original = found if isinstance(found, str) else json.dumps(found)
    document = json.loads(original)
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        statement["Action"] = [a for a in actions if a != "lambda:UpdateAlias"]
    iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))
    try:
        # WHEN dev's changed build is promoted to prod
        message = failure(invoke_in(deployed, changed_checkout, "promote", "--from", "dev", "--to", "prod",
                                    check=False))  # fmt: skip
        # THEN it fails with AWS's denial, naming the role, the action and the alias; prod keeps serving
        assert (
            "assumed-role/platform-deploy-prod/deploy-prod is not authorized to perform: lambda:UpdateAlias" in message
        )
        assert running(deployed, "prod") == first.hashes
        log = deployed.control.log_file.read_text()
        assert "deploy-prod lambda:UpdateAlias arn:aws:lambda:us-east-1:123456789012:function:platform-prod-" in log
        assert 'add to the policy of role platform-deploy-prod: { sid = "...", actions = ["lambda:UpdateAlias"]' in log
    finally:
        iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=original)


@pytest.mark.documents("environments.md", "Promote")
def test_rolling_back_is_promoting_the_previous_manifest(
    deployed: Deployed, first: Release, changed_checkout: Path
) -> None:
    changed = release_at_hand(deployed)
    promoted = invoke_in(deployed, changed_checkout, "promote", "--from", "dev", "--to", "prod")
    assert f"users                {first.hashes['users']:<44} -> {changed.hashes['users']}" in promoted.stdout
    assert "thumbnails" not in promoted.stdout.split("Promoted dev -> prod")[1]
    assert running(deployed, "prod") == changed.hashes

    rollback = json.loads(deployed.invoke("promote", "--manifest", first.manifest_sha256, "--to", "prod",
                                          "--json").stdout)  # fmt: skip
    assert (rollback["source"], rollback["destination"]) == (f"manifest {first.manifest_sha256[:12]}", "prod")
    assert rollback["manifest_sha256"] == first.manifest_sha256
    assert rollback["changes"]["users"] == {"before": changed.hashes["users"], "after": first.hashes["users"]}
    assert running(deployed, "prod") == first.hashes
    assert outputs(deployed, "prod")["deployed_manifest_sha256"] == first.manifest_sha256

    unknown = failure(deployed.invoke("promote", "--manifest", "0" * 64, "--to", "prod", check=False))
    assert "error: no manifest 000000000000 in s3://platform-123456789012-us-east-1-artifacts" in unknown


@pytest.mark.documents("environments.md", "Cost", "The load profile")
def test_the_bill_of_prod_prices_every_service_and_each_entry_point(deployed: Deployed, first: Release) -> None:
    # GIVEN a measurement of every entry point of the load profile, driven once each on dev
    measure = run_documented(documented("docs/environments.md", "invoke cost.measure --env dev --requests 1"),
                             deployed.env, cwd=deployed.root)  # fmt: skip
    assert measure.returncode == 0, measure.stdout + measure.stderr
    measured = measure.stdout
    profile = tomllib.loads((deployed.root / "profiles" / "platform.toml").read_text())
    for name in profile["entry_points"]:
        assert f"  {name}: 1 request in " in measured and "failed" not in measured, measured
    # WHEN prod's bill is asked for, as docs/environments.md shows it
    text = run_documented(documented("docs/environments.md", "invoke cost --env prod"), deployed.env, cwd=deployed.root)
    assert text.returncode == 0, text.stdout + text.stderr
    answer = run_documented(documented("docs/environments.md", "invoke cost --env prod --json"), deployed.env,
                            cwd=deployed.root)  # fmt: skip
    bill = json.loads(answer.stdout)
    # THEN every service the platform uses has its part, and the parts add up
    assert {s for s, usd in bill["services"].items() if Decimal(usd) > 0} == set(SERVICE_NAMES), bill["services"]
    assert sum(Decimal(usd) for usd in bill["services"].values()) == Decimal(bill["gross_usd"])
    for name in SERVICE_NAMES.values():
        assert f"\n{name} " in text.stdout, name
    # AND each entry point has its cost per 1,000 requests at prod's traffic
    entries = {e["name"]: e for e in bill["entry_points"]}
    assert set(entries) == set(profile["entry_points"])
    for name, entry in entries.items():
        assert Decimal(entry["per_1000_requests_usd"]) > 0 and entry["failed_while_measured"] == 0, entry
        assert entry["monthly_requests"] == profile["traffic"]["prod"][name]
    # AND what one API request costs API Gateway is its list price: 1,000 x $3.50 per million
    assert Decimal(entries["get-user"]["per_1000_by_service_usd"]["apigateway"]) == Decimal("0.0035")
    # AND one order runs the workflow's three states: 3,000 transitions x $0.025 per 1,000
    assert Decimal(entries["place-order"]["per_1000_by_service_usd"]["states"]) == Decimal("0.075")
    # AND prod's own configuration is priced: its two provisioned users environments (prod.tfvars),
    # 2 x 0.5 GB x 730 h at $0.0000041667 per GB-s, used or not
    kept = [u for u in bill["usage"] if u["unit"] == "lambda.provisioned_gb_seconds.x86_64"]
    assert Decimal(kept[0]["amount"]) == 2 * Decimal("0.5") * 730 * 3600 + 2 * Decimal("0.25") * 730 * 3600
    assert "workflow-failed" in bill["unmeasured_functions"]


@pytest.mark.documents("environments.md", "The deploy role")
def test_each_role_rolls_back_and_destroys_its_own_environment(deployed: Deployed, first: Release) -> None:
    # GIVEN prod moved back to the first release by the manifest rollback above: its live alias
    # records the release before it
    rolled = json.loads(deployed.invoke("rollback", "--env", "prod", "--json").stdout)
    assert rolled["environment"] == "prod" and rolled["moves"]
    assert all(int(m["after"]) < int(m["before"]) for m in rolled["moves"]), rolled
    # WHEN staging is destroyed as staging's role THEN every resource goes, the state stays, empty
    destroyed = deployed.invoke("destroy", "--env", "staging", "--yes")
    assert "staging on the emulator is destroyed." in destroyed.stdout
    nothing = failure(deployed.invoke("outputs", "--env", "staging", check=False))
    assert "staging on the emulator has nothing deployed" in nothing
    assert not [f for f in deployed.client("lambda").list_functions()["Functions"]
                if f["FunctionName"].startswith("platform-staging-")]  # fmt: skip
    denials = [d for d in deployed.control.authorisations()["denials"] if "platform-deploy-" in d["role"]]
    # nothing denied to a deploy role but what the tests above took away or asked out of bounds, and the
    # aws provider's probe of iam:GetUser (a role has no user; the provider carries on, as on AWS)
    expected = {"iam:GetUser", "lambda:UpdateAlias", "secretsmanager:GetSecretValue"}
    assert {d["action"] for d in denials} <= expected, denials
