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
    for name, fn in {
      thumbnails = module.thumbnails
      users      = module.users
      authorizer = module.authorizer
      slack      = module.slack
      } : name => {
      function_name    = fn.function_name
      function_arn     = fn.function_arn
      version          = fn.function_version
      source_code_hash = fn.function_source_code_hash
      log_group_name   = fn.log_group_name
      errors_alarm_arn = fn.errors_alarm_arn
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

output "api_url" {
  description = "Base URL of the REST API stage (users API and Slack bot)."
  value       = module.api.stage_invoke_url
}

output "api_id" {
  description = "ID of the REST API."
  value       = module.api.rest_api_id
}

output "api_stage" {
  description = "Stage the REST API is deployed to."
  value       = module.api.stage_name
}

output "api_access_log_group_name" {
  description = "Log group of the API's access logs."
  value       = module.api.stage_access_log_group_name
}

output "users_table_name" {
  description = "DynamoDB table of the users API."
  value       = aws_dynamodb_table.users.name
}

output "jwt_secret_id" {
  description = "Secrets Manager secret holding the HS256 key (value set outside Terraform)."
  value       = aws_secretsmanager_secret.jwt_signing.arn
}

output "slack_secret_id" {
  description = "Secrets Manager secret holding the Slack signing secret (value set outside Terraform)."
  value       = aws_secretsmanager_secret.slack_signing.arn
}
