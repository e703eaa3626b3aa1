# Customer notifications: the order events topic's subscriber.
# What the subscriber could not handle, from both sides: Lambda's on-failure destination (the
# function failed three times) and the subscription's dead-letter queue (SNS could not deliver).
module "notifications_failures" {
  source = "./modules/queue"

  name                      = "${local.prefix}-notifications-failures"
  message_retention_seconds = 1209600
  publisher_topic_arns      = [aws_sns_topic.order_events.arn]
  kms_key_id                = aws_kms_key.messaging.arn
}

module "notifications" {
  source = "./modules/lambda_function"

  defaults = local.function_defaults

  name                    = "${local.prefix}-notifications"
  description             = "Customer notifications for completed orders (SNS subscriber)"
  artifact                = local.artifacts["notifications"]
  memory_size             = lookup(var.function_memory, "notifications", 256)
  provisioned_concurrency = lookup(var.provisioned_concurrency, "notifications", 0)
  timeout                 = lookup(var.function_timeout, "notifications", 10)

  environment = {
  }

  async_failure_destination_arn = module.notifications_failures.queue_arn
}

resource "aws_lambda_permission" "notifications_from_sns" {
  statement_id  = "AllowInvokeFromOrderEvents"
  action        = "lambda:InvokeFunction"
  function_name = module.notifications.function_name
  qualifier     = module.notifications.live_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.order_events.arn
}

resource "aws_sns_topic_subscription" "notifications" {
  topic_arn      = aws_sns_topic.order_events.arn
  protocol       = "lambda"
  endpoint       = module.notifications.live_arn
  filter_policy  = jsonencode({ event_type = ["order.completed"] })
  redrive_policy = jsonencode({ deadLetterTargetArn = module.notifications_failures.queue_arn })

  depends_on = [aws_lambda_permission.notifications_from_sns]
}
