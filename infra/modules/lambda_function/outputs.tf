output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "function_invoke_arn" {
  description = "ARN API Gateway uses to invoke the function."
  value       = aws_lambda_function.this.invoke_arn
}

output "function_qualified_arn" {
  description = "ARN of the version published by the last code or configuration change."
  value       = aws_lambda_function.this.qualified_arn
}

output "live_arn" {
  description = "ARN of the `live` alias: what every trigger invokes."
  value       = aws_lambda_alias.live.arn
}

output "live_invoke_arn" {
  description = "ARN API Gateway uses to invoke the `live` alias."
  value       = aws_lambda_alias.live.invoke_arn
}

output "live_name" {
  description = "Name of the alias every trigger invokes (a permission's qualifier)."
  value       = aws_lambda_alias.live.name
}

output "function_version" {
  description = "Latest published version."
  value       = aws_lambda_function.this.version
}

output "function_source_code_hash" {
  description = "base64 sha256 of the deployed zip, as in build/manifest.json."
  value       = aws_lambda_function.this.source_code_hash
}

output "role_arn" {
  description = "ARN of the function's own IAM role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the function's own IAM role."
  value       = aws_iam_role.this.name
}

output "log_group_name" {
  description = "CloudWatch Logs group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "errors_alarm_arn" {
  description = "ARN of the Errors alarm."
  value       = aws_cloudwatch_metric_alarm.errors.arn
}

output "alarm_names" {
  description = "Names of the function's alarms: errors, throttles, near timeout."
  value       = [aws_cloudwatch_metric_alarm.errors.alarm_name, aws_cloudwatch_metric_alarm.throttles.alarm_name, aws_cloudwatch_metric_alarm.duration.alarm_name]
}

output "function_memory_size" {
  description = "Memory of the function in MB."
  value       = aws_lambda_function.this.memory_size
}

output "function_timeout" {
  description = "Timeout of the function in seconds."
  value       = aws_lambda_function.this.timeout
}

output "provisioned_concurrency" {
  description = "Environments kept initialised on the `live` alias (0: none)."
  value       = var.provisioned_concurrency
}
