resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_158: CloudWatch Logs encrypts at rest by default; logs carry no secrets (the security gate searches them), so a customer-managed key adds cost only
  # checkov:skip=CKV_AWS_338: retention is per environment (log_retention_days in infra/workspaces/*.tfvars); set 365 or more where compliance asks for it
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_sfn_state_machine" "this" {
  name       = var.name
  role_arn   = aws_iam_role.this.arn
  definition = var.definition
  type       = "STANDARD"
  tags       = var.tags

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
    include_execution_data = true
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  depends_on = [aws_iam_role_policy.this]
}

resource "aws_cloudwatch_metric_alarm" "failed" {
  alarm_name          = "${var.name}-executions-failed"
  alarm_description   = "Executions of ${var.name} failed (their reason is recorded by the workflow's failure step)."
  namespace           = "AWS/States"
  metric_name         = "ExecutionsFailed"
  dimensions          = { StateMachineArn = aws_sfn_state_machine.this.arn }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}
