"""The release and the rollback: each function's `live` alias moved against Lambda's API (moto)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest

from toolchain.deploy.release import ALIAS, Releaser
from toolchain.errors import ToolchainError


def _zip(answer: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("app.py", f"def handler(event, context):\n    return {answer!r}\n")
    return out.getvalue()


@pytest.fixture
def lambda_client(moto_aws: None) -> Any:
    iam = boto3.client("iam", region_name="us-east-1")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}  # fmt: skip
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    client = boto3.client("lambda", region_name="us-east-1")
    for name in ("alpha", "beta"):
        client.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                               Code={"ZipFile": _zip("v1")}, Publish=True)  # fmt: skip
        client.create_alias(FunctionName=name, Name=ALIAS, FunctionVersion="1")
    return client


def _publish(client: Any, name: str, answer: str) -> str:
    return str(client.update_function_code(FunctionName=name, ZipFile=_zip(answer), Publish=True)["Version"])


def _live(client: Any, name: str) -> str:
    return str(client.get_alias(FunctionName=name, Name=ALIAS)["FunctionVersion"])


@pytest.mark.documents("environments.md", "The `live` alias: releases and rollbacks")
def test_a_release_moves_live_only_where_a_new_version_was_published(lambda_client: Any) -> None:
    # GIVEN alpha has a new version and beta does not
    version = _publish(lambda_client, "alpha", "v2")
    functions = {
        "alpha": {"function_name": "alpha", "version": version},
        "beta": {"function_name": "beta", "version": 1},
    }
    # WHEN released THEN alpha's live moves, beta's is left alone, and a second release moves nothing
    moves = Releaser(lambda_client).release(functions)
    assert [(m.function, m.before, m.after) for m in moves] == [("alpha", "1", version)]
    assert (_live(lambda_client, "alpha"), _live(lambda_client, "beta")) == (version, "1")
    assert Releaser(lambda_client).release(functions) == []


@pytest.mark.documents("environments.md", "The `live` alias: releases and rollbacks")
def test_a_rollback_puts_live_back_where_it_was_and_says_where_it_cannot(lambda_client: Any) -> None:
    version = _publish(lambda_client, "alpha", "v2")
    functions = {
        "alpha": {"function_name": "alpha", "version": version},
        "beta": {"function_name": "beta", "version": 1},
    }
    Releaser(lambda_client).release(functions)
    moves, nothing = Releaser(lambda_client).rollback(functions)
    assert [(m.function, m.before, m.after) for m in moves] == [("alpha", version, "1")]
    assert nothing == ["beta"]  # never released: nothing recorded to go back to
    assert _live(lambda_client, "alpha") == "1"
    # AND a second rollback does not swing forward again
    assert Releaser(lambda_client).rollback(functions) == ([], ["alpha", "beta"])
    # AND what the alias invokes is the earlier code again
    answer = lambda_client.get_function(FunctionName="alpha", Qualifier=ALIAS)["Configuration"]["Version"]
    assert answer == "1"


def test_a_function_without_the_alias_is_a_clear_error(lambda_client: Any) -> None:
    lambda_client.delete_alias(FunctionName="beta", Name=ALIAS)
    with pytest.raises(ToolchainError, match="beta has no `live` alias"):
        Releaser(lambda_client).release({"beta": {"function_name": "beta", "version": 1}})
