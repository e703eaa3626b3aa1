data "aws_caller_identity" "current" {}

locals {
  prefix = "${var.project}-${var.environment}"
  tags   = merge({ Project = var.project, Environment = var.environment, ManagedBy = "terraform" }, var.tags)

  # What Powertools idempotency does with its table: claim, complete, release on failure. A claim
  # that finds a record gets it back with the refusal (ReturnValuesOnConditionCheckFailure), so it
  # never reads with GetItem (the permission-mutation check found it unused).
  idempotency_actions = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]

  # Terraform never builds: it deploys what `invoke package` recorded in the manifest, from the
  # artifacts bucket (keyed by sha256, the same bytes for every environment) or, without one,
  # from the local build directory.
  manifest        = jsondecode(file(var.manifest_path))
  manifest_sha256 = sha256(file(var.manifest_path))
  artifact_dir    = dirname(var.manifest_path)
  architecture    = local.manifest.target.architecture
  from_bucket     = var.artifacts_bucket != ""
  artifacts = {
    for name, fn in local.manifest.functions : name => {
      filename     = local.from_bucket ? null : "${local.artifact_dir}/${fn.path}"
      s3_bucket    = local.from_bucket ? var.artifacts_bucket : null
      s3_key       = local.from_bucket ? "artifacts/${fn.sha256}.zip" : null
      base64sha256 = fn.base64sha256
      handler      = fn.handler
    }
  }

  # Shared by every function module call.
  function_defaults = {
    runtime                = var.lambda_runtime
    architecture           = local.architecture
    layers                 = [aws_lambda_layer_version.dependencies.arn]
    log_level              = var.log_level
    metrics_namespace      = local.prefix
    log_retention_days     = var.log_retention_days
    alarm_actions          = [aws_sns_topic.alarms.arn]
    errors_alarm_threshold = var.errors_alarm_threshold
  }
}

resource "aws_lambda_layer_version" "dependencies" {
  layer_name       = "${local.prefix}-dependencies"
  description      = "Third-party runtime dependencies (${local.manifest.target.slug})"
  filename         = local.from_bucket ? null : "${local.artifact_dir}/${local.manifest.layer.path}"
  s3_bucket        = local.from_bucket ? var.artifacts_bucket : null
  s3_key           = local.from_bucket ? "artifacts/${local.manifest.layer.sha256}.zip" : null
  source_code_hash = local.manifest.layer.base64sha256
}

resource "aws_sns_topic" "alarms" {
  name              = "${local.prefix}-alarms"
  kms_master_key_id = aws_kms_key.messaging.arn # CloudWatch publishes here: messaging_key.tf
}
