"""A grant taken out of a function's policy_statements fails locally as it would on AWS, and the
emulator's log says what to put back: what README's "Add a function" step 3 relies on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from tests import tokens
from tests.docs import documented

from .conftest import Deployed

pytestmark = pytest.mark.e2e


@contextmanager
def infra_edited(deployed: Deployed, edits: list[tuple[str, str, str]]) -> Iterator[None]:
    """infra/ with each (file, old, new) edit made, applied with one `invoke up`; put back (and applied) after."""
    originals = {}
    for file, old, new in edits:
        path = deployed.root / "infra" / file
        originals.setdefault(path, path.read_text())
        text = path.read_text()
        assert text.count(old) == 1, f"infra/{file} no longer holds {old!r} once"
        path.write_text(text.replace(old, new))
    try:
        deployed.invoke("up")
        yield
    finally:
        for path, original in originals.items():
            path.write_text(original)
        deployed.invoke("up")


def _denial(deployed: Deployed, function: str, action: str) -> str:
    lines = [line for line in deployed.control.log_file.read_text().splitlines()
             if "iam: AccessDenied" in line and f"/{function} " in line and f" {action} " in line]  # fmt: skip
    assert lines, f"no denial of {action} for {function} in the emulator's log"
    return lines[-1]


# What a user would do, in Terraform, applied with `invoke up` (one round trip for both): PutItem taken out
# of the users function's policy_statements, and the Slack route's function left without API Gateway's
# permission (the rest_api module's for_each).
NARROWED = [
    ("http.tf", '"dynamodb:GetItem", "dynamodb:PutItem", ', '"dynamodb:GetItem", '),
    ("modules/rest_api/main.tf", 'resource "aws_lambda_permission" "routes" {\n  for_each      = local.functions\n',
     'resource "aws_lambda_permission" "routes" {\n'
     '  for_each      = toset([for f in local.functions : f if length(regexall("-slack$", f)) == 0])\n'),
]  # fmt: skip


@pytest.mark.documents("emulator.md", "Each function calls AWS as its role", "Every denial is explained",
                       "API Gateway invokes only what allows it")  # fmt: skip
def test_a_grant_or_a_permission_taken_out_of_terraform_fails_as_on_aws_and_the_log_says_what_to_add(
    deployed: Deployed, api: str, secret: str
) -> None:
    auth = {"Authorization": "Bearer " + tokens.hs256(secret, sub="least-privilege-1")}
    table = deployed.outputs()["users_table_name"]
    slack = {"data": "command=%2Fweather&text=Lisbon", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}
    with infra_edited(deployed, NARROWED):
        # WHEN a user is created, THEN the API fails as it would on AWS (the write is refused), nothing is written
        answer = requests.post(f"{api}/users", json={"name": "Ada", "email": "ada-lp@example.com"}, headers=auth,
                               timeout=30)  # fmt: skip
        assert answer.status_code >= 500, answer.text
        assert "AccessDenied" not in answer.text  # the caller learns nothing of the platform's IAM
        line = _denial(deployed, "platform-local-users", "dynamodb:PutItem")
        assert f":table/{table}" in line
        assert "policies read: platform-local-users-least-privilege" in line
        assert 'add to the function\'s policy_statements: { sid = "...", actions = ["dynamodb:PutItem"]' in line
        items = deployed.client("dynamodb").scan(TableName=table)["Items"]
        assert not [i for i in items if i.get("email", {}).get("S") == "ada-lp@example.com"]
        # WHEN the Slack route is called, THEN API Gateway's configuration error, and the permission to add
        refused = requests.post(f"{api}/slack/commands", timeout=30, **slack)
        assert (refused.status_code, refused.json()) == (500, {"message": "Internal server error"})
        lines = [
            x
            for x in deployed.control.log_file.read_text().splitlines()
            if "apigateway: Execution failed due to configuration error" in x and ":platform-local-slack:" in x
        ]
        assert (
            lines and 'aws_lambda_permission { function_name = "platform-local-slack", qualifier = "live"' in lines[-1]
        )
    # AND with both back, the same requests get through
    created = requests.post(f"{api}/users", json={"name": "Ada", "email": "ada-lp@example.com"}, headers=auth,
                            timeout=30)  # fmt: skip
    assert created.status_code == 201, created.text
    assert requests.post(f"{api}/slack/commands", timeout=30, **slack).status_code != 500


def test_without_get_secret_value_the_authorizer_cannot_read_its_key(deployed: Deployed, api: str, secret: str) -> None:
    # GIVEN the authorizer's policy as Terraform wrote it, changed in place (a policy changed by any means
    # applies to the next call; the Terraform path is the users test's): DescribeSecret, not GetSecretValue
    iam = deployed.client("iam")
    role, name = "platform-local-authorizer-function", "platform-local-authorizer-least-privilege"
    original = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    document = original if isinstance(original, str) else json.dumps(original)
    assert document.count("secretsmanager:GetSecretValue") == 1
    iam.put_role_policy(RoleName=role, PolicyName=name,
                        PolicyDocument=document.replace("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"))  # fmt: skip
    try:
        # a warm authorizer keeps the key it read (as on AWS): the next environment is a cold one
        deployed.control.recycle("platform-local-authorizer")
        auth = {"Authorization": "Bearer " + tokens.hs256(secret, sub="least-privilege-2")}
        answer = requests.get(f"{api}/users", headers=auth, timeout=30)
        assert answer.status_code == 500, answer.text  # API Gateway's answer to a failing authorizer
        line = _denial(deployed, "platform-local-authorizer", "secretsmanager:GetSecretValue")
        assert ":secret:platform-local/jwt-signing-key-" in line
        assert f"policies read: {name}" in line
    finally:
        iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=document)
    deployed.control.recycle("platform-local-authorizer")
    auth = {"Authorization": "Bearer " + tokens.hs256(secret, sub="least-privilege-3")}
    assert requests.get(f"{api}/users", headers=auth, timeout=30).status_code == 200


@pytest.mark.documents("security.md", "Unused and missing grants are reported")
def test_the_report_names_unused_grants_and_strict_fails_on_them(deployed: Deployed, api: str, secret: str) -> None:
    # GIVEN a user created (users' PutItem used) and a grant nothing uses added to the users role
    auth = {"Authorization": "Bearer " + tokens.hs256(secret, sub="least-privilege-5")}
    created = requests.post(f"{api}/users", json={"name": "Rep", "email": "report@example.com"}, headers=auth,
                            timeout=30)  # fmt: skip
    assert created.status_code in (201, 409), created.text
    iam = deployed.client("iam")
    role = "platform-local-users-function"
    queue = "arn:aws:sqs:us-east-1:123456789012:platform-local-work"
    probe = {"Version": "2012-10-17", "Statement": [{"Sid": "NeverUsed", "Effect": "Allow", "Action": "sqs:PurgeQueue",
                                                    "Resource": queue}]}  # fmt: skip
    iam.put_role_policy(RoleName=role, PolicyName="probe", PolicyDocument=json.dumps(probe))
    try:
        # WHEN the report is read, as the docs show it
        shown = deployed.invoke(*documented("docs/security.md", "invoke iam.report").text.split()[1:])
        strict = deployed.invoke("iam.report", "--strict", check=False)
        as_json = json.loads(deployed.invoke("iam.report", "--json").stdout)
    finally:
        iam.delete_role_policy(RoleName=role, PolicyName="probe")
    # THEN the unused grant is named, PutItem is not, and the runtime's own grants are explained
    assert f"  unused: NeverUsed: sqs:PurgeQueue on {queue}" in shown.stdout
    users = next(u for u in as_json if u["role"].endswith(f"/{role}"))
    assert ("dynamodb:PutItem", "ReadWriteUsers") not in {(g["action"], g["sid"]) for g in users["unused"]}
    assert "explained: WriteTraces: xray:PutTraceSegments (the X-Ray SDK sends" in shown.stdout
    assert strict.returncode == 1 and "unused grants" in strict.stderr
