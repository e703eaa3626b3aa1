output "queue_arn" {
  description = "ARN of the queue."
  value       = aws_sqs_queue.this.arn
}

output "queue_url" {
  description = "URL of the queue."
  value       = aws_sqs_queue.this.id
}

output "queue_name" {
  description = "Name of the queue."
  value       = aws_sqs_queue.this.name
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue (null without one)."
  value       = var.max_receive_count > 0 ? aws_sqs_queue.dlq[0].arn : null
}

output "dlq_url" {
  description = "URL of the dead-letter queue (null without one)."
  value       = var.max_receive_count > 0 ? aws_sqs_queue.dlq[0].id : null
}

output "dlq_alarm_name" {
  description = "Name of the dead-letter queue alarm (null without one)."
  value       = var.max_receive_count > 0 ? aws_cloudwatch_metric_alarm.dlq_depth[0].alarm_name : null
}
