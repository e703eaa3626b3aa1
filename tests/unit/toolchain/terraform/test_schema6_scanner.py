"""The HCL reading behind the aws 6.x check: which arguments and blocks a resource writes."""

from __future__ import annotations

from pathlib import Path

from toolchain.terraform.schema6 import written_resources

SAMPLE = """
# a comment with resource "aws_fake" "x" {
resource "aws_lambda_function" "this" {
  function_name = "f" # trailing comment {
  description   = "a # in a string, and a { too"
  environment {
    variables = {
      A = "1"
    }
  }
  dynamic "vpc_config" {
    for_each = []
    content {
      subnet_ids = vpc_config.value
    }
  }
  policy = <<-EOT
    not = "an argument"
  EOT
  tags = merge(
    var.tags,
    { extra = "x" },
  )
  lifecycle {
    ignore_changes = [tags]
  }
  timeouts {}
}

module "m" {
  source = "./x"
}
"""


def test_arguments_blocks_dynamic_blocks_and_values_are_told_apart(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(SAMPLE)
    (tmp_path / "main_override.tf").write_text('resource "aws_lambda_function" "this" {\n  bogus = 1\n}\n')
    (resource,) = list(written_resources(tmp_path))
    assert (resource.type, resource.address) == ("aws_lambda_function", "aws_lambda_function.this")
    assert resource.body.arguments == {"function_name", "description", "policy", "tags"}
    assert set(resource.body.blocks) == {"environment", "vpc_config", "lifecycle", "timeouts"}
    assert resource.body.blocks["environment"].arguments == {"variables"}
    assert resource.body.blocks["vpc_config"].arguments == {"subnet_ids"}
