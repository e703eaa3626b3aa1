"""Every grant is proven needed: taken out, one at a time, the path that needs it fails locally.

On the shared platform (no re-apply: each function's policy is changed through IAM and put back),
each action of each statement of each function's role is removed in turn, the function's workers
are recycled (a warm container keeps what it read, as on AWS), and the paths that run the function
(tests/e2e/permissions.py) are fired until the emulator denies that action to that role. The score
is caught / removed, printed as a RESULT line; a grant no path needs is named (remove it, or test
the path that needs it). The same for the platform's resource policies: each statement of each
function's resource policy (`aws_lambda_permission`) and of each queue policy.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from toolchain.deploy.release import ALIAS

from .conftest import Deployed
from .permissions import MISSING, PREFIX, Paths

pytestmark = pytest.mark.e2e

# Statements whose grants the emulator cannot judge, with why (docs/emulator.md, "Service roles are enforced").
NOT_JUDGED = {"WriteTraces": "X-Ray segments reach the emulator's daemon without the role that sent them",
              "DeliverLogsAndTraces": "Step Functions' log delivery and X-Ray are not emulated"}  # fmt: skip
# How the emulator's log says a service was refused a function: API Gateway's route and authorizer
# errors, S3's, SNS's and EventBridge's failed deliveries.
REFUSALS = ("configuration error", "Invalid permissions on the authorizer function", "failed")
# Roles that are not a function's, by the paths that use them.
SERVICE_ROLES = {"order-workflow-states": "order"}


@pytest.fixture(scope="module")
def paths(deployed: Deployed, api: str, secret: str) -> Iterator[Paths]:
    slack = deployed.client("secretsmanager").get_secret_value(SecretId=f"{PREFIX[:-1]}/slack-signing-secret")
    yield Paths(deployed, api, secret, slack["SecretString"])
    # the poison messages of the worker's path end in its dead-letter queue: leave it as found
    deployed.control.wait_idle(180)
    sqs = deployed.client("sqs")
    sqs.purge_queue(QueueUrl=sqs.get_queue_url(QueueName=f"{PREFIX}work-dlq")["QueueUrl"])


def _denied(deployed: Deployed, role_arn: str, action: str, since: float) -> bool:
    return any(d["role"] == role_arn and d["action"] == action and d["at"] >= since
               for d in deployed.control.authorisations()["denials"])  # fmt: skip


def _wait(deployed: Deployed, seen: Callable[[], bool], seconds: float = 60) -> bool:
    """Until `seen` holds (True) or the emulator has nothing left to deliver (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if seen():
            return True
        if deployed.control.wait_idle(1.0):
            return seen()
    return seen()


@contextmanager
def _policy(deployed: Deployed, role: str, name: str, document: dict[str, Any]) -> Iterator[None]:
    iam = deployed.client("iam")
    original = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))
    try:
        yield
    finally:
        iam.put_role_policy(RoleName=role, PolicyName=name,
                            PolicyDocument=original if isinstance(original, str) else json.dumps(original))  # fmt: skip


def _without(document: dict[str, Any], index: int, action: str) -> dict[str, Any]:
    statements = [dict(s) for s in document["Statement"]]
    actions = statements[index]["Action"] if isinstance(statements[index]["Action"], list) else [
        statements[index]["Action"]]  # fmt: skip
    kept = [a for a in actions if a != action]
    if kept:
        statements[index]["Action"] = kept
    else:
        del statements[index]
    return {**document, "Statement": statements}


def _roles(deployed: Deployed) -> dict[str, tuple[str, str, str, dict[str, Any]]]:
    """function (or service role) -> (role name, role ARN, policy name, document), for the platform's roles."""
    iam, found = deployed.client("iam"), {}
    names = {f: f"{fn['function_name']}-function" for f, fn in deployed.outputs()["functions"].items()}
    names |= {label: f"{PREFIX}{label}" for label in SERVICE_ROLES}
    for function, role in names.items():
        (name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        found[function] = (role, iam.get_role(RoleName=role)["Role"]["Arn"], name,
                           json.loads(document) if isinstance(document, str) else document)  # fmt: skip
    return found


@pytest.mark.documents("security.md", "Every grant is proven needed")
def test_each_grant_taken_out_fails_the_path_that_needs_it(deployed: Deployed, paths: Paths) -> None:
    by_role = paths.by_role()
    by_role |= {label: [getattr(paths, path)] for label, path in SERVICE_ROLES.items()}
    roles = _roles(deployed)
    assert set(by_role) == set(roles), "a function without paths: add them to tests/e2e/permissions.py"
    # GIVEN every path run with every grant: nothing is denied
    start = time.time()
    for fire in {id(f): f for fs in by_role.values() for f in fs}.values():
        fire()
        deployed.control.wait_idle(180)  # one at a time: the scraper's two runs must not overlap
    denied = [
        d
        for d in deployed.control.authorisations()["denials"]
        if d["at"] >= start and PREFIX in d["role"] and MISSING not in d["resource"]
    ]  # (the failing-action paths aim at what does not exist)
    assert not denied, denied
    # AND the report of what was used finds no grant unused that has no reason in Terraform
    report = json.loads(deployed.invoke("iam.report", "--json").stdout)
    unused = [f"{u['role']}: {g['sid']}: {g['action']}" for u in report for g in u["unused"]]
    print("\n" + deployed.invoke("iam.report").stdout)
    assert not unused, "unused and unexplained grants:\n" + "\n".join(unused)
    caught, uncaught, not_judged = [], [], []
    for function, (role, role_arn, name, document) in sorted(roles.items()):
        for index, statement in enumerate(document["Statement"]):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for action in actions:
                grant = f"{function}: {statement.get('Sid')}: {action}"
                if statement.get("Sid") in NOT_JUDGED:
                    not_judged.append(f"{grant} ({NOT_JUDGED[statement['Sid']]})")
                    continue
                # WHEN the action is taken out of the role's policy
                with _policy(deployed, role, name, _without(document, index, action)):
                    found = False
                    for fire in by_role[function]:
                        deployed.control.recycle(role.removesuffix("-function"))
                        mark = time.time()
                        fire()
                        if _wait(deployed, lambda: _denied(deployed, role_arn, action, mark)):  # noqa: B023
                            found = True
                            break
                # THEN some path of the function is denied it
                (caught if found else uncaught).append(grant)
                deployed.control.wait_idle(60)
    score = len(caught) / max(1, len(caught) + len(uncaught))
    print(f"\nRESULT permission_mutations project={len(caught)} floor={len(caught) + len(uncaught)} ratio={score:.3f}")
    for grant in not_judged:
        print(f"  not judged by the emulator: {grant}")
    assert not uncaught, "grants no path needs (remove them, or test the path that does):\n" + "\n".join(uncaught)


def _function_permissions(deployed: Deployed) -> list[tuple[str, dict[str, Any]]]:
    """(function, statement) of each function's resource policy, on `live` (what every trigger invokes)."""
    client, found = deployed.client("lambda"), []
    for fn in deployed.outputs()["functions"].values():
        try:
            policy = json.loads(client.get_policy(FunctionName=fn["function_name"], Qualifier=ALIAS)["Policy"])
        except client.exceptions.ResourceNotFoundException:
            continue
        found.extend((fn["function_name"], statement) for statement in policy["Statement"])
    return found


def _restore_permission(deployed: Deployed, function: str, statement: dict[str, Any]) -> None:
    condition = statement.get("Condition") or {}
    source_arn = (condition.get("ArnLike") or {}).get("AWS:SourceArn") or (condition.get("ArnEquals") or {}).get(
        "AWS:SourceArn")  # fmt: skip
    source_account = (condition.get("StringEquals") or {}).get("AWS:SourceAccount")
    deployed.client("lambda").add_permission(
        FunctionName=function, Qualifier=ALIAS, StatementId=statement["Sid"], Action=statement["Action"],
        Principal=statement["Principal"]["Service"],
        **({"SourceArn": source_arn} if source_arn else {}), **({"SourceAccount": source_account} if source_account else {}),
    )  # fmt: skip


@pytest.mark.documents("security.md", "Every grant is proven needed")
def test_each_resource_policy_statement_taken_out_fails_the_delivery_it_allows(
    deployed: Deployed, paths: Paths
) -> None:
    names = {name: fn["function_name"] for name, fn in deployed.outputs()["functions"].items()}
    by_function = {names[name]: fires for name, fires in paths.by_role().items()}
    client, log = deployed.client("lambda"), deployed.control.log_file
    caught, uncaught = [], []
    for function, statement in _function_permissions(deployed):
        what = f"{function}: {statement['Sid']} ({statement['Principal'].get('Service')})"
        client.remove_permission(FunctionName=function, Qualifier=ALIAS, StatementId=statement["Sid"])
        try:
            found = False
            for fire in by_function[function]:
                offset = log.stat().st_size
                fire()

                def refused(offset: int = offset, function: str = function) -> bool:
                    with log.open(encoding="utf-8", errors="replace") as text:
                        text.seek(offset)
                        return any(function in line and any(w in line for w in REFUSALS) for line in text)

                if _wait(deployed, refused):
                    found = True
                    break
        finally:
            _restore_permission(deployed, function, statement)
        (caught if found else uncaught).append(what)
        deployed.control.wait_idle(60)
    # the queue policies that let SNS deliver alerts
    sqs = deployed.client("sqs")
    for queue, fire in ((f"{PREFIX}order-alerts", paths.big_order), (f"{PREFIX}price-alerts", paths.scrape)):
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]
        for index, statement in enumerate(json.loads(policy)["Statement"]):
            document = json.loads(policy)
            del document["Statement"][index]
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(document)})
            try:
                offset = log.stat().st_size
                fire()

                def refused_queue(offset: int = offset, queue: str = queue) -> bool:
                    with log.open(encoding="utf-8", errors="replace") as text:
                        text.seek(offset)
                        return any(f":{queue} failed" in line for line in text)

                found = _wait(deployed, refused_queue)
            finally:
                sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
            (caught if found else uncaught).append(f"{queue}: {statement.get('Sid')}")
            deployed.control.wait_idle(60)
    total = len(caught) + len(uncaught)
    print(
        f"\nRESULT resource_policy_mutations project={len(caught)} floor={total} ratio={len(caught) / max(1, total):.3f}"
    )
    assert caught, "no resource policy statement found"
    assert not uncaught, "statements no delivery needs:\n" + "\n".join(uncaught)
