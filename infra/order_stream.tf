# Kinesis order stream: large orders publish one alert each to SNS; records that keep failing go
# to an on-failure queue instead of blocking their shard. The stream uses the AWS-managed key, whose
# key policy already lets principals of the account decrypt through Kinesis: no kms statement.
resource "aws_kinesis_stream" "orders" {
  name             = "${local.prefix}-orders"
  shard_count      = 1
  retention_period = 24
  encryption_type  = "KMS"
  kms_key_id       = "alias/aws/kinesis"
}

module "order_alerts" {
  source = "./modules/alert_topic"

  name        = "${local.prefix}-order-alerts"
  kms_key_arn = aws_kms_key.messaging.arn
}

module "orders_failures" {
  source = "./modules/queue"

  name                      = "${local.prefix}-orders-failures"
  message_retention_seconds = 1209600
}

# Remembers which orders were alerted (Powertools idempotency), so a redelivered record alerts once.
module "orders_idempotency_table" {
  source = "./modules/table"

  name          = "${local.prefix}-orders-idempotency"
  hash_key      = "id"
  attributes    = { id = "S" }
  ttl_attribute = "expiration"
}

# The consumer of the order stream (function `order-stream`). Its address and deployed name keep
# the name it had before the rename: either change would replace the function in every environment.
module "orders" {
  source = "./modules/lambda_function"

  defaults = local.function_defaults

  name                    = "${local.prefix}-orders"
  description             = "Validates orders from the stream; alerts once per large order"
  artifact                = local.artifacts["order-stream"]
  memory_size             = lookup(var.function_memory, "order-stream", 256)
  provisioned_concurrency = lookup(var.provisioned_concurrency, "order-stream", 0)
  timeout                 = lookup(var.function_timeout, "order-stream", 30)

  environment = {
    ORDER_ALERT_THRESHOLD = tostring(var.order_stream_alert_threshold)
    ALERTS_TOPIC_ARN      = module.order_alerts.topic_arn
    IDEMPOTENCY_TABLE     = module.orders_idempotency_table.name
  }

  policy_statements = [
    {
      # iam.report: Lambda's poller (the event source mapping) reads the stream with this role
      sid       = "ReadOrderStream"
      actions   = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"]
      resources = [aws_kinesis_stream.orders.arn]
    },
    {
      sid       = "PublishAlerts"
      actions   = ["sns:Publish"]
      resources = [module.order_alerts.topic_arn]
    },
    {
      sid       = "RememberAlerts"
      actions   = local.idempotency_actions
      resources = [module.orders_idempotency_table.arn]
    },
    {
      # iam.report: Lambda's poller sends a failed batch's record to the on-failure queue with this role
      sid       = "DivertFailedBatches"
      actions   = ["sqs:SendMessage"]
      resources = [module.orders_failures.queue_arn]
    },
  ]

}

resource "aws_lambda_event_source_mapping" "orders" {
  event_source_arn  = aws_kinesis_stream.orders.arn
  function_name     = module.orders.live_arn
  starting_position = "TRIM_HORIZON"
  batch_size        = 100

  # Poison records: split failing batches, retry twice, then divert (partial-batch responses
  # cannot be expressed on aws 3.39).
  bisect_batch_on_function_error = true
  maximum_retry_attempts         = 2
  maximum_record_age_in_seconds  = 3600

  destination_config {
    on_failure {
      destination_arn = module.orders_failures.queue_arn
    }
  }
}
