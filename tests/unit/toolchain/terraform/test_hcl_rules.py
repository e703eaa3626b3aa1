"""docs/terraform.md's rules for one HCL on terraform 1.0.3 + aws 3.39 and current Terraform + aws
5.x/6.x, held by reading every file under infra/. (That 3.39 applies it is the e2e suite's; that
6.x knows every argument is tests/integration/test_aws6_schema.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
INFRA = ROOT / "infra"
FILES = sorted(p for p in INFRA.rglob("*.tf") if ".terraform" not in p.parts)
ORDINARY = [p for p in FILES if not p.name.endswith("_override.tf")]


def _text(path: Path) -> str:
    """The file without its comments, so a rule's name in a comment is not its use."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        lines.append(re.sub(r"(^|\s)(#|//).*$", "", line))
    return "\n".join(lines)


def _found(pattern: str, files: list[Path]) -> list[str]:
    regex = re.compile(pattern, re.MULTILINE)
    return [f"{p.relative_to(ROOT)}: {m.group(0).strip()}" for p in files for m in regex.finditer(_text(p))]


def _blocks(kind: str) -> list[tuple[Path, str]]:
    """The body of every `resource "<kind>"` block (to its closing brace at the start of a line)."""
    found = []
    for path in ORDINARY:
        for match in re.finditer(rf'^resource "{kind}" "[^"]+" {{\n(.*?)^}}', _text(path), re.MULTILINE | re.DOTALL):
            found.append((path, match.group(1)))
    assert found, f"no {kind} in infra/: the rule checks nothing"
    return found


@pytest.mark.documents("terraform.md", "Provider constraint")
def test_the_provider_constraint_spans_3_39_to_6_and_every_provider_names_its_region() -> None:
    versions = _text(INFRA / "versions.tf")
    assert 'version = ">= 3.39.0, < 7.0.0"' in re.sub(r"\s+", " ", versions)
    for path in FILES:
        for body in re.findall(r'^provider "aws" {\n(.*?)^}', _text(path), re.MULTILINE | re.DOTALL):
            assert re.search(r"^\s*region\s*=", body, re.MULTILINE), path


LANGUAGE = {
    "moved block (1.1)": r"^\s*moved\s*{",
    "nullable (1.1)": r"^\s*nullable\s*=",
    "precondition/postcondition (1.2)": r"^\s*(pre|post)condition\s*{",
    "optional() attributes (1.3)": r"\boptional\(",
    "terraform_data (1.4)": r'"terraform_data"',
    "import block (1.5)": r"^\s*import\s*{",
    "check block (1.5)": r"^\s*check\s+\"",
    "removed block (1.7)": r"^\s*removed\s*{",
}


@pytest.mark.documents("terraform.md", "Language")
@pytest.mark.parametrize("construct", sorted(LANGUAGE))
def test_no_language_newer_than_1_0_3(construct: str) -> None:
    assert _found(LANGUAGE[construct], FILES) == []


@pytest.mark.documents("terraform.md", "Language")
def test_no_validation_refers_to_another_variable() -> None:
    for path in FILES:
        for name, body in re.findall(r'^variable "([^"]+)" {\n(.*?)^}', _text(path), re.MULTILINE | re.DOTALL):
            for condition in re.findall(r"condition\s*=\s*(.*)", body):
                others = set(re.findall(r"var\.(\w+)", condition)) - {name}
                assert not others, f"{path.relative_to(ROOT)}: {name} validates against {others}"


@pytest.mark.documents("terraform.md", "Lambda runtime")
def test_the_runtime_is_a_validated_variable_defaulting_to_python3_12() -> None:
    (body,) = re.findall(
        r'^variable "lambda_runtime" {\n(.*?)^}', _text(INFRA / "variables.tf"), re.MULTILINE | re.DOTALL
    )
    assert re.search(r'default\s*=\s*"python3\.12"', body)
    assert "validation" in body and '"python3.8"' in body
    assert _found(r'runtime\s*=\s*"python3\.\d+"', ORDINARY) == []  # every function takes the variable


MISSING_IN_3_39 = ["architectures", "logging_config", "ephemeral_storage", "function_response_types", "scaling_config",
                   "filter_criteria", "sqs_managed_sse_enabled", "deletion_protection_enabled", "compatible_architectures"]  # fmt: skip


@pytest.mark.documents("terraform.md", "Arguments 3.39 does not have")
@pytest.mark.parametrize("argument", MISSING_IN_3_39)
def test_arguments_3_39_lacks_appear_only_in_override_files(argument: str) -> None:
    assert _found(rf"^\s*{argument}\s*(=|{{)", ORDINARY) == []


@pytest.mark.documents("terraform.md", "Arguments 3.39 does not have")
def test_no_split_s3_bucket_resources_or_separate_redrive_policy() -> None:
    assert _found(r'^resource "aws_s3_bucket_(versioning|server_side_encryption_configuration|acl|logging|'
                  r'lifecycle_configuration)"', FILES) == []  # fmt: skip
    assert _found(r'^resource "aws_sqs_queue_redrive_policy"', FILES) == []


@pytest.mark.documents("terraform.md", "Where 3.39 and 5.x/6.x differ in spelling")
def test_spellings_both_generations_accept() -> None:
    for path, body in _blocks("aws_s3_bucket"):
        assert not re.search(r"^\s*(acl|logging)\s*(=|{)", body, re.MULTILINE), path
    for path, body in _blocks("aws_sqs_queue"):  # encrypted by KMS: sqs_managed_sse_enabled is not in 3.39
        assert re.search(r'kms_master_key_id = ("alias/aws/sqs"|var\.kms_key_id)', re.sub(r"\s+", " ", body)), path
    assert _found(r"^\s*(inline_policy|managed_policy_arns)\s*(=|{)", ORDINARY) == []
    for path, body in _blocks("aws_api_gateway_deployment"):
        assert "stage_name" not in body and "triggers" in body and "create_before_destroy" in body, path
    for _, body in _blocks("aws_cloudwatch_event_rule"):
        assert "is_enabled" not in body
    for _, body in _blocks("aws_kinesis_stream"):
        assert re.search(r"^\s*shard_count\s*=", body, re.MULTILINE)


@pytest.mark.documents("terraform.md", "Override files")
def test_override_files_are_where_both_spellings_meet() -> None:
    override = _text(INFRA / "modules" / "lambda_function" / "main_override.tf")
    assert re.search(r"^\s*architectures\s*=", override, re.MULTILINE)
    from toolchain.terraform.overrides import emulator_override

    generated = emulator_override("http://127.0.0.1:4566")
    assert "s3_force_path_style" in generated and "s3_use_path_style" in generated


@pytest.mark.documents("terraform.md", "Endpoint overrides")
def test_the_emulators_endpoints_use_3_39s_key_names() -> None:
    from toolchain.terraform.overrides import emulator_override

    keys = set(re.findall(r"^\s*(\w+)\s*=\s*\"http", emulator_override("http://127.0.0.1:4566"), re.MULTILINE))
    assert {"cloudwatchevents", "cloudwatchlogs", "stepfunctions"} <= keys
    assert not keys & {"events", "logs", "sfn"}  # 5/6-only spellings 3.39 refuses


@pytest.mark.documents("terraform.md", "Only the aws provider exists offline")
def test_no_provider_but_aws_is_used() -> None:
    assert _found(r'^(resource|data) "(archive|null|random|local|tls|http|time)_\w+"', FILES) == []
    providers = set(re.findall(r'source\s*=\s*"([^"]+)"', _text(INFRA / "versions.tf")))
    assert providers == {"hashicorp/aws"}
