locals {
  # Log group created here (not by Lambda on first write) so retention and deletion are ours.
  log_group_name          = "/aws/lambda/${var.name}"
  has_failure_destination = var.async_failure_destination_arn != null
  environment = merge(
    { POWERTOOLS_METRICS_NAMESPACE = var.defaults.metrics_namespace, POWERTOOLS_LOG_LEVEL = var.defaults.log_level },
    var.environment,
  )
}

resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_158: CloudWatch Logs encrypts at rest by default; logs carry no secrets (the security gate searches them), so a customer-managed key adds cost only
  # checkov:skip=CKV_AWS_338: retention is per environment (log_retention_days in infra/workspaces/*.tfvars); set 365 or more where compliance asks for it
  name              = local.log_group_name
  retention_in_days = var.defaults.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_116: asynchronous failures go to an on-failure destination (event invoke config below), which keeps the error; queue and stream sources have their own DLQ or on-failure destination
  # checkov:skip=CKV_AWS_117: the functions reach only public AWS endpoints and, for the scraper, the internet: a VPC would add NAT cost and cold-start latency and protect nothing
  # checkov:skip=CKV_AWS_272: integrity comes from content-addressed artifacts: source_code_hash is the build manifest's sha256 and promotion refuses a mismatch; AWS Signer does not exist in the emulator
  # checkov:skip=CKV_AWS_173: the environment holds names and ids only, never secrets (the security gate searches for them); Lambda encrypts it at rest with its service key
  function_name    = var.name
  description      = var.description
  role             = aws_iam_role.this.arn
  filename         = var.artifact.filename
  s3_bucket        = var.artifact.s3_bucket
  s3_key           = var.artifact.s3_key
  source_code_hash = var.artifact.base64sha256
  handler          = var.artifact.handler
  runtime          = var.defaults.runtime
  layers           = var.defaults.layers
  memory_size      = var.memory_size
  timeout          = var.timeout
  publish          = true

  reserved_concurrent_executions = var.reserved_concurrency

  tracing_config {
    mode = var.tracing_mode
  }

  environment {
    variables = local.environment
  }

  tags = var.tags

  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy.this,
  ]
}

# What every trigger invokes. Terraform creates it on the first version; from then on the release
# step of the toolchain moves it (apply, promote, watch) and `invoke rollback` moves it back, so its
# version and weights are not Terraform's to reset.
resource "aws_lambda_alias" "live" {
  name             = "live"
  description      = "What every trigger invokes; moved by each release, moved back by invoke rollback."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  lifecycle {
    ignore_changes = [function_version, routing_config, description]
  }
}

# Initialised environments for what the triggers invoke; when a release moves the alias, Lambda
# provisions the new version (and splits them by weight during a canary).
resource "aws_lambda_provisioned_concurrency_config" "live" {
  count = var.provisioned_concurrency > 0 ? 1 : 0

  function_name                     = aws_lambda_function.this.function_name
  qualifier                         = aws_lambda_alias.live.name
  provisioned_concurrent_executions = var.provisioned_concurrency
}

# Asynchronous triggers invoke the alias, and Lambda applies the configuration of what was invoked.
resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  qualifier                    = aws_lambda_alias.live.name
  maximum_retry_attempts       = var.async_maximum_retry_attempts
  maximum_event_age_in_seconds = var.async_maximum_event_age_seconds

  dynamic "destination_config" {
    for_each = local.has_failure_destination ? [var.async_failure_destination_arn] : []
    content {
      on_failure {
        destination = destination_config.value
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${var.name}-errors"
  alarm_description   = "${var.name} raised errors (after its own retries)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.defaults.errors_alarm_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.defaults.alarm_actions
  ok_actions          = var.defaults.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  alarm_name          = "${var.name}-throttles"
  alarm_description   = "${var.name} was throttled: its concurrency limit or the account's was reached."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.defaults.alarm_actions
  ok_actions          = var.defaults.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "duration" {
  alarm_name          = "${var.name}-near-timeout"
  alarm_description   = "${var.name} ran longer than ${floor(var.duration_alarm_ratio * 100)}% of its ${var.timeout} s timeout."
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.timeout * 1000 * var.duration_alarm_ratio
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.defaults.alarm_actions
  ok_actions          = var.defaults.alarm_actions
  tags                = var.tags
}
