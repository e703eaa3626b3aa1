output "state_machine_arn" {
  description = "ARN of the state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "state_machine_name" {
  description = "Name of the state machine."
  value       = aws_sfn_state_machine.this.name
}

output "log_group_name" {
  description = "Log group of the state machine's execution logs."
  value       = aws_cloudwatch_log_group.this.name
}

output "failed_alarm_arn" {
  description = "ARN of the failed-executions alarm."
  value       = aws_cloudwatch_metric_alarm.failed.arn
}

output "failed_alarm_name" {
  description = "Name of the failed-executions alarm."
  value       = aws_cloudwatch_metric_alarm.failed.alarm_name
}
