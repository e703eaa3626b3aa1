"""infra/ against the hashicorp/aws 6.x schema, from the bindings the npm registry carries
(@cdktn/provider-aws, generated from aws 6.66): the offline provider is 3.39, users run 6.x."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from toolchain.cache import cache_dir
from toolchain.terraform.schema6 import AwsSixSchema, unknown_to_aws6

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm and the npm registry")


@pytest.fixture(scope="module")
def schema() -> AwsSixSchema:
    return AwsSixSchema.fetch(cache_dir() / "cdktn")


def test_the_schema_is_read_from_the_bindings(schema: AwsSixSchema) -> None:
    alias = schema.resource("aws_lambda_alias")
    assert alias is not None and {"function_version", "routing_config"} <= alias.names
    assert "additional_version_weights" in alias.blocks["routing_config"].names
    assert schema.resource("aws_no_such_thing") is None


@pytest.mark.documents("terraform.md", "Checked against 6.x offline")
def test_infra_writes_nothing_aws_6_does_not_know(schema: AwsSixSchema) -> None:
    assert unknown_to_aws6(ROOT / "infra", schema) == []


@pytest.mark.documents("terraform.md", "Checked against 6.x offline")
def test_what_6_removed_or_never_had_is_named(tmp_path: Path, schema: AwsSixSchema) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_api_gateway_deployment" "this" {\n  rest_api_id = "x"\n  stage_name = "live"\n}\n'
        'resource "aws_lambda_function" "f" {\n  function_name = "f"\n  tracing_config {\n    mode = "Active"\n'
        "    sampling = 1\n  }\n  snapstart {\n  }\n}\n"
        'resource "aws_elastic_thing" "x" {\n}\n'
    )
    problems = unknown_to_aws6(tmp_path, schema)
    assert any("aws_api_gateway_deployment.this.stage_name: not an argument in aws 6.x" in p for p in problems)
    assert any("aws_lambda_function.f.tracing_config.sampling: not an argument" in p for p in problems)
    assert any("aws_lambda_function.f.snapstart: not a block in aws 6.x" in p for p in problems)
    assert any("aws_elastic_thing.x: no such resource type in aws 6.x" in p for p in problems)
    assert len(problems) == 4
