output "environment" {
  description = "Environment these outputs describe."
  value       = var.environment
}

output "region" {
  description = "Region of every resource."
  value       = var.region
}

output "functions" {
  description = "Every function: name, the `live` alias every trigger invokes, latest published version, code hash (equal to the manifest's base64sha256) and log group."
  value = {
    for name, fn in local.all_functions : name => {
      function_name           = fn.function_name
      memory_size             = fn.function_memory_size
      timeout                 = fn.function_timeout
      provisioned_concurrency = fn.provisioned_concurrency
      architecture            = local.architecture
      function_arn            = fn.function_arn
      live_arn                = fn.live_arn
      version                 = fn.function_version
      source_code_hash        = fn.function_source_code_hash
      log_group_name          = fn.log_group_name
      errors_alarm_arn        = fn.errors_alarm_arn
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
  value       = module.thumbnails_failures.queue_url
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
  value       = module.users_table.name
}

output "jwt_secret_id" {
  description = "Secrets Manager secret holding the HS256 key (value set outside Terraform)."
  value       = aws_secretsmanager_secret.jwt_signing.arn
}

output "users_cursor_secret_id" {
  description = "Secrets Manager secret holding the key the users API signs pagination tokens with (value set outside Terraform)."
  value       = aws_secretsmanager_secret.users_cursor.arn
}

output "slack_secret_id" {
  description = "Secrets Manager secret holding the Slack signing secret (value set outside Terraform)."
  value       = aws_secretsmanager_secret.slack_signing.arn
}

output "data_bucket_name" {
  description = "Bucket of the CSV ETL: drop files under incoming/, read reports under reports/."
  value       = module.data_bucket.bucket_id
}

output "sales_table_name" {
  description = "DynamoDB table the ETL loads sales into."
  value       = module.sales_table.name
}

output "etl_failure_queue_url" {
  description = "SQS queue receiving ETL events that still fail after Lambda's retries."
  value       = module.etl_failures.queue_url
}

output "orders_stream_name" {
  description = "Kinesis stream of orders."
  value       = aws_kinesis_stream.orders.name
}

output "order_alerts_topic_arn" {
  description = "SNS topic of large-order alerts."
  value       = module.order_alerts.topic_arn
}

output "order_alerts_queue_url" {
  description = "SQS queue subscribed to the order alerts topic (audit trail, integrations)."
  value       = module.order_alerts.queue_url
}

output "orders_failure_queue_url" {
  description = "On-failure destination of the order stream mapping: batches that keep failing."
  value       = module.orders_failures.queue_url
}

output "sessions_table_name" {
  description = "DynamoDB table of sessions (TTL on expiresAt)."
  value       = module.sessions_table.name
}

output "session_cleanup_rule_name" {
  description = "EventBridge rule of the nightly session sweep."
  value       = module.session_cleanup_schedule.rule_name
}

output "scraper_rule_name" {
  description = "EventBridge rule of the price scraper."
  value       = module.scraper_schedule.rule_name
}

output "products_parameter_name" {
  description = "SSM parameter holding the scraper's product list (JSON)."
  value       = aws_ssm_parameter.products.name
}

output "prices_table_name" {
  description = "DynamoDB table of price history."
  value       = module.prices_table.name
}

output "price_alerts_topic_arn" {
  description = "SNS topic of price-drop alerts."
  value       = module.price_alerts.topic_arn
}

output "price_alerts_queue_url" {
  description = "SQS queue subscribed to the price alerts topic."
  value       = module.price_alerts.queue_url
}

output "work_queue_url" {
  description = "Work queue of the SQS worker."
  value       = module.work_queue.queue_url
}

output "work_dlq_url" {
  description = "Dead-letter queue of the work queue (redrive with `invoke queues.redrive`)."
  value       = module.work_queue.dlq_url
}

output "order_workflow_arn" {
  description = "The order workflow (Step Functions state machine)."
  value       = module.order_workflow.state_machine_arn
}

output "order_events_topic_arn" {
  description = "SNS topic of order events (order.completed) the notifications function subscribes to."
  value       = aws_sns_topic.order_events.arn
}

output "order_status_table_name" {
  description = "DynamoDB table with each order's status (failed orders with their reason)."
  value       = module.order_status_table.name
}

output "fulfilments_table_name" {
  description = "DynamoDB table of fulfilled jobs (processed counts each job's executions)."
  value       = module.fulfilments_table.name
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the platform."
  value       = aws_cloudwatch_dashboard.platform.dashboard_name
}

output "deployed_manifest_sha256" {
  description = "sha256 of the build manifest this environment runs (promotion reads it)."
  value       = local.manifest_sha256
}

output "deployed_target" {
  description = "What the deployed artifacts were built for."
  value       = local.manifest.target.slug
}

output "artifacts_bucket" {
  description = "Bucket the artifacts were deployed from (empty: the local build directory)."
  value       = var.artifacts_bucket
}

output "queues" {
  description = "Every queue of the platform, by role."
  value = {
    work                   = module.work_queue.queue_url
    work_dead_letter       = module.work_queue.dlq_url
    order_alerts           = module.order_alerts.queue_url
    price_alerts           = module.price_alerts.queue_url
    orders_failures        = module.orders_failures.queue_url
    etl_failures           = module.etl_failures.queue_url
    thumbnails_failures    = module.thumbnails_failures.queue_url
    notifications_failures = module.notifications_failures.queue_url
    sessions_failures      = module.sessions_failures.queue_url
    scraper_failures       = module.scraper_failures.queue_url
  }
}

output "topics" {
  description = "Every SNS topic of the platform, by role."
  value = {
    alarms       = aws_sns_topic.alarms.arn
    order_alerts = module.order_alerts.topic_arn
    price_alerts = module.price_alerts.topic_arn
    order_events = aws_sns_topic.order_events.arn
  }
}

output "alarm_names" {
  description = "Every alarm of the platform (promotion refuses a source environment with one in ALARM)."
  value = sort(concat(
    flatten([for fn in local.all_functions : fn.alarm_names]),
    [aws_cloudwatch_metric_alarm.orders_iterator_age.alarm_name, module.order_workflow.failed_alarm_name],
    compact([module.work_queue.dlq_alarm_name]),
  ))
}
