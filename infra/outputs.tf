output "environment" {
  description = "Environment these outputs describe."
  value       = var.environment
}

output "region" {
  description = "Region of every resource."
  value       = var.region
}

output "functions" {
  description = "Every function: name, published version, code hash (equal to the manifest's base64sha256) and log group."
  value = {
    thumbnails = {
      function_name    = module.thumbnails.function_name
      function_arn     = module.thumbnails.function_arn
      version          = module.thumbnails.function_version
      source_code_hash = module.thumbnails.function_source_code_hash
      log_group_name   = module.thumbnails.log_group_name
      errors_alarm_arn = module.thumbnails.errors_alarm_arn
    }
  }
}

output "layer_version_arn" {
  description = "ARN of the dependency layer version the functions use."
  value       = aws_lambda_layer_version.dependencies.arn
}

output "media_bucket_name" {
  description = "Bucket for uploads (under upload_prefix) and their thumbnails (under thumbnail_prefix)."
  value       = module.media_bucket.bucket_id
}

output "upload_prefix" {
  description = "Key prefix whose new objects get a thumbnail."
  value       = local.upload_prefix
}

output "thumbnail_prefix" {
  description = "Key prefix where thumbnails are written."
  value       = local.thumbnail_prefix
}

output "thumbnails_failure_queue_url" {
  description = "SQS queue receiving thumbnail events that still fail after Lambda's retries."
  value       = aws_sqs_queue.thumbnails_failures.id
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies; subscribe on-call to it."
  value       = aws_sns_topic.alarms.arn
}
