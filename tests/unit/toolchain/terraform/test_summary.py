"""Terraform's output in a few lines: a plan resource by resource, a failed apply from its error."""

from __future__ import annotations

from toolchain.terraform.summary import failure_excerpt, summarise_plan

# As terraform 1.0.3 prints a plan (newer versions print the same headers).
PLAN = """\
module.users_table.aws_dynamodb_table.this: Refreshing state... [id=platform-local-users]

Note: Objects have changed outside of Terraform

  # aws_sns_topic.alarms has been changed
  ~ resource "aws_sns_topic" "alarms" {
    }

Terraform will perform the following actions:

  # module.users.aws_lambda_function.this will be updated in-place
  ~ resource "aws_lambda_function" "this" {
      ~ source_code_hash = "a" -> "b"
    }

  # module.media_bucket.aws_s3_bucket.this must be replaced
-/+ resource "aws_s3_bucket" "this" {
      ~ bucket = "platform-local-media" -> "platform-local-pictures" # forces replacement
        tags   = {}
    }

  # aws_sqs_queue.extra will be created
  + resource "aws_sqs_queue" "extra" {
    }

  # module.users.data.aws_iam_policy_document.this will be read during apply
  # (config refers to values not yet known)
 <= data "aws_iam_policy_document" "this" {
    }

  # aws_sqs_queue.gone will be destroyed
  - resource "aws_sqs_queue" "gone" {
    }

Plan: 2 to add, 1 to change, 2 to destroy.
"""


def test_a_plan_is_its_headline_and_a_line_per_resource_with_what_forces_a_replacement() -> None:
    assert summarise_plan(PLAN) == [
        "    Plan: 2 to add, 1 to change, 2 to destroy.",
        "      ~ module.users.aws_lambda_function.this",
        "    -/+ module.media_bucket.aws_s3_bucket.this (forced by bucket)",
        "      + aws_sqs_queue.extra",
        "      - aws_sqs_queue.gone",
    ]


def test_a_plan_without_changes_is_one_line_and_drift_notes_are_not_changes() -> None:
    drift_only = (
        PLAN.split("Terraform will perform")[0] + "No changes. Your infrastructure matches the configuration.\n"
    )
    assert summarise_plan(drift_only) == ["    No changes."]


def test_a_long_plan_collapses_its_creates_and_says_how_many_more() -> None:
    creates = "".join(f"  # aws_sqs_queue.q{n} will be created\n" for n in range(30))
    updates = "".join(f"  # aws_sqs_queue.u{n} will be updated in-place\n" for n in range(27))
    shown = summarise_plan(creates + updates + "Plan: 30 to add, 27 to change, 0 to destroy.\n", limit=25)
    assert shown[1] == "    30 resources to create (--verbose, or the plan log, lists them)"
    assert shown[2] == "      ~ aws_sqs_queue.u0" and len(shown) == 28
    assert shown[-1].startswith("    ... and 2 more")


def test_a_failed_apply_shows_its_error_onwards() -> None:
    output = (
        "aws_sqs_queue.a: Creating...\n" * 200 + "Error: creating queue: QueueAlreadyExists\n\n  on main.tf line 3\n"
    )
    assert failure_excerpt(output) == "Error: creating queue: QueueAlreadyExists\n\n  on main.tf line 3\n"
    assert failure_excerpt("a\nb\n", lines=1) == "b\n"
