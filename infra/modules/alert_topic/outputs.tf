output "topic_arn" {
  description = "The topic to publish alerts to."
  value       = aws_sns_topic.this.arn
}

output "queue_url" {
  description = "The queue every alert is delivered to (raw message delivery)."
  value       = module.queue.queue_url
}

output "queue_arn" {
  description = "ARN of that queue."
  value       = module.queue.queue_arn
}
