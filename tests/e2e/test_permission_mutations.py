"""Every grant is proven needed: taken out, the path that needs it fails locally.

On a running platform (no re-apply: each function's policy is changed through IAM and put back),
each action of each statement of each function's role is taken out and the paths that run the
function (tests/e2e/permissions.py) are fired until the emulator denies that action to that role.
The same for the platform's resource policies: each statement of each function's resource policy
(`aws_lambda_permission`) and of each queue policy, until the delivery it allows is refused.

Mutations run in rounds: one per role (or function, or queue) at a time, as a denial names its role
and a refusal its function, so that one round answers for many. A mutation that a round did not
catch is tried again alone, with the function's workers recycled (a warm container keeps what it
read, as on AWS; and another mutation of the round may have stopped its path before it ran: the
authorizer's stops every API path). The score is caught / taken out, a RESULT line; a grant no
path needs is named (remove it, or test the path that needs it).
"""

from __future__ import annotations

import fnmatch
import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from toolchain.deploy.release import ALIAS

from .conftest import Deployed
from .permissions import MISSING, PREFIX, Paths

pytestmark = pytest.mark.e2e

# Statements whose grants the emulator cannot judge, with why (docs/emulator.md, "Service roles are enforced").
NOT_JUDGED = {"WriteTraces": "X-Ray segments reach the emulator's daemon without the role that sent them",
              "DeliverLogsAndTraces": "Step Functions' log delivery and X-Ray are not emulated"}  # fmt: skip
# Roles that are not a function's, by the paths that use them.
SERVICE_ROLES = {"order-workflow-states": "order"}

Fire = Callable[[], None]


@dataclass
class Evidence:
    """What the emulator reported since a round began: its denials and its log."""

    denials: list[dict[str, Any]]
    log: list[str]

    @classmethod
    def since(cls, deployed: Deployed, mark: float, offset: int) -> Evidence:
        with deployed.control.log_file.open(encoding="utf-8", errors="replace") as text:
            text.seek(offset)
            log = text.readlines()
        return cls([d for d in deployed.control.authorisations()["denials"] if d["at"] >= mark], log)


@dataclass(eq=False)
class Mutation:
    name: str
    group: str  # one mutation per group in a round: what its evidence names (a role, a function, a queue)
    fires: list[Fire]
    take_out: Callable[[], Any]  # a context manager: out while inside
    found: Callable[[Evidence], bool]
    recycle: str | None = None
    seconds: float = field(default=0.0)


@pytest.fixture(scope="module")
def paths(deployed: Deployed, api: str, secret: str) -> Iterator[Paths]:
    slack = deployed.client("secretsmanager").get_secret_value(SecretId=f"{PREFIX[:-1]}/slack-signing-secret")
    # The work queue settles sooner while this runs (a round waits until the emulator is idle): a
    # message the worker cannot back off (GetQueueUrl or ChangeMessageVisibility taken out) waits out
    # the worker's own timeout, the least AWS allows for a mapped queue, rather than six times it; a
    # failed one is dead-lettered after one receive rather than after three backed-off ones (14 s).
    sqs = deployed.client("sqs")
    work, dlq = (sqs.get_queue_url(QueueName=f"{PREFIX}{name}")["QueueUrl"] for name in ("work", "work-dlq"))
    kept = sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["VisibilityTimeout", "RedrivePolicy"])["Attributes"]
    timeout = deployed.client("lambda").get_function_configuration(FunctionName=f"{PREFIX}worker")["Timeout"]
    redrive = {**json.loads(kept["RedrivePolicy"]), "maxReceiveCount": 1}
    sqs.set_queue_attributes(QueueUrl=work, Attributes={"VisibilityTimeout": str(timeout),
                                                        "RedrivePolicy": json.dumps(redrive)})  # fmt: skip
    yield Paths(deployed, api, secret, slack["SecretString"])
    sqs.set_queue_attributes(QueueUrl=work, Attributes=kept)
    # the poison messages of the worker's path end in its dead-letter queue: leave it as found
    deployed.control.wait_idle(180)
    sqs.purge_queue(QueueUrl=dlq)


def _wait(deployed: Deployed, seen: Callable[[], bool], seconds: float = 60) -> bool:
    """Until `seen` holds (True) or the emulator has nothing left to deliver (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if seen():
            return True
        if deployed.control.wait_idle(1.0):
            return seen()
    return seen()


def _round(deployed: Deployed, batch: list[Mutation], *, cold: bool) -> set[Mutation]:
    """Take every mutation of the batch out, fire their paths (each path once, in the order each
    mutation lists them) until each is found or the paths are spent. A mutation found is put back at
    once: a poller refused its stream or queue then catches up, and the emulator can fall idle."""
    found: set[Mutation] = set()
    began = time.monotonic()
    # from before the first is taken out: a poller may be denied at once, and says so only once
    mark, offset = time.time(), deployed.control.log_file.stat().st_size
    with ExitStack() as round_:
        outs = {m: round_.enter_context(ExitStack()) for m in batch}
        for mutation in batch:
            outs[mutation].enter_context(mutation.take_out())
        for name in {m.recycle for m in batch if m.recycle and cold}:
            deployed.control.recycle(name)

        def all_found() -> bool:
            evidence = Evidence.since(deployed, mark, offset)
            for mutation in batch:
                if mutation not in found and mutation.found(evidence):
                    found.add(mutation)
                    outs[mutation].close()
            return len(found) == len(batch)

        for position in range(max(len(m.fires) for m in batch)):
            fired: list[Fire] = []
            for mutation in batch:
                if mutation not in found and position < len(mutation.fires) and mutation.fires[position] not in fired:
                    fired.append(mutation.fires[position])
                    mutation.fires[position]()
                    all_found()  # (one found is put back before the next path runs)
            if fired and _wait(deployed, all_found):
                break
    deployed.control.wait_idle(10)  # (what a path left running cannot be denied the next round's grant)
    for mutation in batch:
        mutation.seconds += (time.monotonic() - began) / len(batch)
    return found


def _run(deployed: Deployed, mutations: list[Mutation]) -> tuple[list[Mutation], list[Mutation]]:
    """(caught, not caught): rounds of one mutation per group with the workers warm, then each one a
    round missed alone, cold (a warm container keeps what it read, as on AWS)."""
    waiting, alone, caught, missed = list(mutations), [], [], []
    while waiting or alone:
        if alone:
            batch = [alone.pop(0)]
        else:
            groups: set[str] = set()
            batch = [m for m in waiting if not (m.group in groups or groups.add(m.group))]
            waiting = [m for m in waiting if m not in batch]
        found = _round(deployed, batch, cold=len(batch) == 1)
        caught += [m for m in batch if m in found]
        (alone if len(batch) > 1 else missed).extend(m for m in batch if m not in found)
    return caught, missed


def _report(record_property: Callable[[str, object], None], name: str, caught: list[Mutation],
            missed: list[Mutation]) -> None:  # fmt: skip
    total = len(caught) + len(missed)
    record_property(
        "result", f"RESULT {name} project={len(caught)} floor={total} ratio={len(caught) / max(1, total):.3f}"
    )
    for mutation in sorted(caught + missed, key=lambda m: -m.seconds)[:3]:
        record_property("slowest", f"{mutation.seconds:.1f} s {mutation.name}")


# -- the report, first: every path once with the platform's own policies --------------------------
@pytest.mark.documents("security.md", "Every grant is proven needed")
def test_every_path_with_the_platforms_policies_leaves_no_grant_unused(
    deployed: Deployed, paths: Paths, record_property: Callable[[str, object], None]
) -> None:
    # GIVEN every path fired once, nothing taken out
    mark, fired = time.time(), []
    for fires in [*paths.by_role().values(), *([getattr(paths, p)] for p in SERVICE_ROLES.values())]:
        for fire in fires:
            if fire not in fired:
                fired.append(fire)
                fire()
                deployed.control.wait_idle(60)  # (before the next: a failing release must not take its events)
    # WHEN the report is read, as CI reads it
    report = json.loads(deployed.invoke("iam.report", "--json").stdout)
    # THEN nothing was denied, and every grant was used by a path or carries its reason in Terraform
    denied = [d for d in deployed.control.authorisations()["denials"]
              if d["at"] >= mark and MISSING not in d["resource"]]  # (where the failing actions point on purpose)  # fmt: skip
    assert not denied, f"denied with the platform's own policies: {denied[:3]}"
    unused = [f"{role['role']}: {g['sid']}: {g['action']}" for role in report for g in role["unused"]]
    explained = sum(len(role["explained"]) for role in report)
    record_property("iam.report", f"{sum(r['used'] for r in report)} calls allowed, {len(unused)} grants unused, "
                                  f"{explained} explained (# iam.report:)")  # fmt: skip
    assert not unused, "grants no path used (remove them, or test the path that does):\n" + "\n".join(unused)


# -- the roles' grants -----------------------------------------------------------------------------
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


def _denied(role_arn: str, action: str, resources: list[str]) -> Callable[[Evidence], bool]:
    """Whether the role was denied `action` on one of `resources` (the grant's own: a path's failure
    elsewhere is not this grant's)."""
    return lambda evidence: any(
        d["role"] == role_arn
        and d["action"] == action
        and any(fnmatch.fnmatchcase(d["resource"], r) for r in resources)
        for d in evidence.denials
    )


@pytest.mark.documents("security.md", "Every grant is proven needed")
def test_each_grant_taken_out_fails_the_path_that_needs_it(
    deployed: Deployed, paths: Paths, record_property: Callable[[str, object], None]
) -> None:
    by_role = paths.by_role()
    by_role |= {label: [getattr(paths, path)] for label, path in SERVICE_ROLES.items()}
    roles = _roles(deployed)
    assert set(by_role) == set(roles), "a function without paths: add them to tests/e2e/permissions.py"
    mutations, not_judged = [], []
    for function, (role, role_arn, name, document) in sorted(roles.items()):
        for index, statement in enumerate(document["Statement"]):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for action in actions:
                grant = f"{function}: {statement.get('Sid')}: {action}"
                if statement.get("Sid") in NOT_JUDGED:
                    not_judged.append(f"{grant} ({NOT_JUDGED[statement['Sid']]})")
                    continue
                # WHEN the action is taken out of the role's policy THEN a path of the function is denied it
                taken_out = _without(document, index, action)
                mutations.append(Mutation(
                    grant, role, by_role[function],
                    lambda role=role, name=name, taken_out=taken_out: _policy(deployed, role, name, taken_out),
                    _denied(role_arn, action, resources), recycle=role.removesuffix("-function"),
                ))  # fmt: skip
    caught, missed = _run(deployed, mutations)
    _report(record_property, "permission_mutations", caught, missed)
    for grant in not_judged:
        record_property("not judged", grant)
    # every grant is needed by a path, so none is unused: `invoke iam.report` lists what a session used
    assert not missed, "grants no path needs (remove them, or test the path that does):\n" + "\n".join(
        m.name for m in missed)  # fmt: skip


# -- the resource policies -------------------------------------------------------------------------
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


def _refused(function: str, line: str) -> bool:
    """Whether an emulator log line says a service was refused the function (API Gateway's route or
    authorizer error, S3's, SNS's or EventBridge's failed delivery): each names the permission to add."""
    return f'aws_lambda_permission {{ function_name = "{function}"' in line


@contextmanager
def _without_permission(deployed: Deployed, function: str, statement: dict[str, Any]) -> Iterator[None]:
    client = deployed.client("lambda")
    client.remove_permission(FunctionName=function, Qualifier=ALIAS, StatementId=statement["Sid"])
    try:
        yield
    finally:
        condition = statement.get("Condition") or {}
        source_arn = (condition.get("ArnLike") or {}).get("AWS:SourceArn") or (condition.get("ArnEquals") or {}).get(
            "AWS:SourceArn")  # fmt: skip
        source_account = (condition.get("StringEquals") or {}).get("AWS:SourceAccount")
        client.add_permission(
            FunctionName=function, Qualifier=ALIAS, StatementId=statement["Sid"], Action=statement["Action"],
            Principal=statement["Principal"]["Service"],
            **({"SourceArn": source_arn} if source_arn else {}), **({"SourceAccount": source_account} if source_account else {}),
        )  # fmt: skip


@contextmanager
def _without_queue_statement(deployed: Deployed, url: str, policy: str, index: int) -> Iterator[None]:
    sqs, document = deployed.client("sqs"), json.loads(policy)
    del document["Statement"][index]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(document)})
    try:
        yield
    finally:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})


@pytest.mark.documents("security.md", "Every grant is proven needed")
def test_each_resource_policy_statement_taken_out_fails_the_delivery_it_allows(
    deployed: Deployed, paths: Paths, record_property: Callable[[str, object], None]
) -> None:
    names = {name: fn["function_name"] for name, fn in deployed.outputs()["functions"].items()}
    by_function = {names[name]: fires for name, fires in paths.by_role().items()}
    mutations = [
        Mutation(f"{function}: {statement['Sid']} ({statement['Principal'].get('Service')})", function,
                 by_function[function], lambda f=function, s=statement: _without_permission(deployed, f, s),
                 lambda evidence, f=function: any(_refused(f, line) for line in evidence.log))
        for function, statement in _function_permissions(deployed)
    ]  # fmt: skip
    # the queue policies that let SNS deliver alerts
    sqs = deployed.client("sqs")
    for queue, fire in ((f"{PREFIX}order-alerts", paths.big_order), (f"{PREFIX}price-alerts", paths.scrape)):
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]
        mutations += [
            Mutation(f"{queue}: {statement.get('Sid')}", queue, [fire],
                     lambda u=url, i=index, p=policy: _without_queue_statement(deployed, u, p, i),
                     lambda evidence, q=queue: any(f":{q} failed" in line for line in evidence.log))
            for index, statement in enumerate(json.loads(policy)["Statement"])
        ]  # fmt: skip
    assert mutations, "no resource policy statement found"
    caught, missed = _run(deployed, mutations)
    _report(record_property, "resource_policy_mutations", caught, missed)
    assert not missed, "statements no delivery needs:\n" + "\n".join(m.name for m in missed)
