# Order pipeline: POST /orders -> work queue -> worker (exactly once per job) -> order workflow
# (validate -> process -> notify, failures recorded) -> order events topic -> notifications.
locals {
  worker_timeout = lookup(var.function_timeout, "worker", 30)
  step_environment = {
    ORDER_STATUS_TABLE           = aws_dynamodb_table.order_status.name
    ORDER_EVENTS_TOPIC_ARN       = aws_sns_topic.order_events.arn
    POWERTOOLS_METRICS_NAMESPACE = local.prefix
    POWERTOOLS_LOG_LEVEL         = var.log_level
  }
  status_statement = {
    sid       = "RecordOrderStatus"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.order_status.arn]
  }
  workflow_steps = {
    "workflow-validate" = { description = "Order workflow: validate", statements = [] }
    "workflow-process"  = { description = "Order workflow: process", statements = [local.status_statement] }
    "workflow-notify" = {
      description = "Order workflow: notify"
      statements = [local.status_statement, {
        sid       = "PublishOrderEvents"
        actions   = ["sns:Publish"]
        resources = [aws_sns_topic.order_events.arn]
      }]
    }
    "workflow-failed" = { description = "Order workflow: record a failure", statements = [local.status_statement] }
  }
}

module "work_queue" {
  source = "./modules/queue"

  name = "${local.prefix}-work"
  # Six times the worker's timeout, as AWS advises for Lambda event sources.
  visibility_timeout_seconds = 6 * local.worker_timeout
  max_receive_count          = var.work_queue_max_receive_count
  alarm_actions              = [aws_sns_topic.alarms.arn]
}

resource "aws_dynamodb_table" "fulfilments" {
  # checkov:skip=CKV_AWS_119: encrypted at rest with DynamoDB's AWS-owned key; a customer-managed key is an account-level choice (cost, key policy for every reader)
  name         = "${local.prefix}-fulfilments"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "jobId"

  attribute {
    name = "jobId"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "worker_idempotency" {
  # checkov:skip=CKV_AWS_119: encrypted at rest with DynamoDB's AWS-owned key; a customer-managed key is an account-level choice (cost, key policy for every reader)
  name         = "${local.prefix}-worker-idempotency"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  ttl {
    attribute_name = "expiration"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "order_status" {
  # checkov:skip=CKV_AWS_119: encrypted at rest with DynamoDB's AWS-owned key; a customer-managed key is an account-level choice (cost, key policy for every reader)
  name         = "${local.prefix}-order-status"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "orderId"

  attribute {
    name = "orderId"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_sns_topic" "order_events" {
  name              = "${local.prefix}-order-events"
  kms_master_key_id = "alias/aws/sns"
}

module "checkout" {
  source = "./modules/lambda_function"

  name         = "${local.prefix}-checkout"
  description  = "POST /orders: accepts an order and queues it"
  artifact     = local.artifacts["checkout"]
  runtime      = local.function_defaults.runtime
  architecture = local.function_defaults.architecture
  layers       = local.function_defaults.layers
  memory_size  = lookup(var.function_memory, "checkout", 256)
  timeout      = lookup(var.function_timeout, "checkout", 10)

  environment = {
    WORK_QUEUE_URL               = module.work_queue.queue_url
    CORS_ALLOWED_ORIGINS         = join(",", var.cors_allowed_origins)
    POWERTOOLS_METRICS_NAMESPACE = local.prefix
    POWERTOOLS_LOG_LEVEL         = var.log_level
  }

  policy_statements = [
    {
      sid       = "QueueOrders"
      actions   = ["sqs:SendMessage"]
      resources = [module.work_queue.queue_arn]
    },
  ]

  log_retention_days     = var.log_retention_days
  alarm_actions          = [aws_sns_topic.alarms.arn]
  errors_alarm_threshold = var.errors_alarm_threshold
}

module "workflow_steps" {
  source   = "./modules/lambda_function"
  for_each = local.workflow_steps

  name              = "${local.prefix}-${each.key}"
  description       = each.value.description
  artifact          = local.artifacts[each.key]
  runtime           = local.function_defaults.runtime
  architecture      = local.function_defaults.architecture
  layers            = local.function_defaults.layers
  memory_size       = lookup(var.function_memory, each.key, 256)
  timeout           = lookup(var.function_timeout, each.key, 15)
  environment       = local.step_environment
  policy_statements = each.value.statements

  log_retention_days     = var.log_retention_days
  alarm_actions          = [aws_sns_topic.alarms.arn]
  errors_alarm_threshold = var.errors_alarm_threshold
}

module "order_workflow" {
  source = "./modules/state_machine"

  name          = "${local.prefix}-order-workflow"
  function_arns = [for step in module.workflow_steps : step.function_arn]
  definition = jsonencode({
    Comment = "Order workflow: validate, process, notify; any failure is recorded, then the execution fails."
    StartAt = "Validate"
    States = {
      Validate = {
        Type     = "Task"
        Resource = module.workflow_steps["workflow-validate"].function_arn
        Retry    = [local.transient_retry]
        Catch    = [local.record_failure]
        Next     = "Process"
      }
      Process = {
        Type     = "Task"
        Resource = module.workflow_steps["workflow-process"].function_arn
        Retry    = [local.transient_retry]
        Catch    = [local.record_failure]
        Next     = "Notify"
      }
      Notify = {
        Type     = "Task"
        Resource = module.workflow_steps["workflow-notify"].function_arn
        Retry    = [local.transient_retry]
        Catch    = [local.record_failure]
        End      = true
      }
      RecordFailure = {
        Type     = "Task"
        Resource = module.workflow_steps["workflow-failed"].function_arn
        Retry    = [local.transient_retry]
        Next     = "Failed"
      }
      Failed = {
        Type  = "Fail"
        Error = "OrderFailed"
        Cause = "The order could not be completed; its status record says why."
      }
    }
  })
  log_retention_days = var.log_retention_days
  alarm_actions      = [aws_sns_topic.alarms.arn]
}

locals {
  # Transient failures back off: 1 s, 2 s, 4 s. Everything else is caught and recorded.
  transient_retry = {
    ErrorEquals     = ["TransientFailure", "DependencyError", "Lambda.ServiceException", "Lambda.TooManyRequestsException", "Lambda.SdkClientException"]
    IntervalSeconds = 1
    MaxAttempts     = 3
    BackoffRate     = 2
  }
  record_failure = {
    ErrorEquals = ["States.ALL"]
    ResultPath  = "$.error"
    Next        = "RecordFailure"
  }
}

module "worker" {
  source = "./modules/lambda_function"

  name         = "${local.prefix}-worker"
  description  = "Fulfils queued orders exactly once and starts their workflow"
  artifact     = local.artifacts["worker"]
  runtime      = local.function_defaults.runtime
  architecture = local.function_defaults.architecture
  layers       = local.function_defaults.layers
  memory_size  = lookup(var.function_memory, "worker", 256)
  timeout      = local.worker_timeout

  environment = {
    WORKFLOW_ARN                 = module.order_workflow.state_machine_arn
    FULFILMENTS_TABLE            = aws_dynamodb_table.fulfilments.name
    IDEMPOTENCY_TABLE            = aws_dynamodb_table.worker_idempotency.name
    POWERTOOLS_METRICS_NAMESPACE = local.prefix
    POWERTOOLS_LOG_LEVEL         = var.log_level
  }

  policy_statements = [
    {
      sid       = "ConsumeWork"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
      resources = [module.work_queue.queue_arn]
    },
    {
      sid       = "RecordFulfilments"
      actions   = ["dynamodb:UpdateItem"]
      resources = [aws_dynamodb_table.fulfilments.arn]
    },
    {
      sid       = "RememberJobs"
      actions   = local.idempotency_actions
      resources = [aws_dynamodb_table.worker_idempotency.arn]
    },
    {
      sid       = "StartWorkflow"
      actions   = ["states:StartExecution"]
      resources = [module.order_workflow.state_machine_arn]
    },
  ]

  log_retention_days     = var.log_retention_days
  alarm_actions          = [aws_sns_topic.alarms.arn]
  errors_alarm_threshold = var.errors_alarm_threshold
}

resource "aws_lambda_event_source_mapping" "worker" {
  event_source_arn = module.work_queue.queue_arn
  function_name    = module.worker.function_arn
  batch_size       = 10
}

# What the subscriber could not handle, from both sides: Lambda's on-failure destination (the
# function failed three times) and the subscription's dead-letter queue (SNS could not deliver).
module "notifications_failures" {
  source = "./modules/queue"

  name                      = "${local.prefix}-notifications-failures"
  message_retention_seconds = 1209600
  publisher_topic_arns      = [aws_sns_topic.order_events.arn]
}

module "notifications" {
  source = "./modules/lambda_function"

  name         = "${local.prefix}-notifications"
  description  = "Customer notifications for completed orders (SNS subscriber)"
  artifact     = local.artifacts["notifications"]
  runtime      = local.function_defaults.runtime
  architecture = local.function_defaults.architecture
  layers       = local.function_defaults.layers
  memory_size  = lookup(var.function_memory, "notifications", 256)
  timeout      = lookup(var.function_timeout, "notifications", 10)

  environment = {
    POWERTOOLS_METRICS_NAMESPACE = local.prefix
    POWERTOOLS_LOG_LEVEL         = var.log_level
  }

  async_failure_destination_arn = module.notifications_failures.queue_arn
  log_retention_days            = var.log_retention_days
  alarm_actions                 = [aws_sns_topic.alarms.arn]
  errors_alarm_threshold        = var.errors_alarm_threshold
}

resource "aws_lambda_permission" "notifications_from_sns" {
  statement_id  = "AllowInvokeFromOrderEvents"
  action        = "lambda:InvokeFunction"
  function_name = module.notifications.function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.order_events.arn
}

resource "aws_sns_topic_subscription" "notifications" {
  topic_arn      = aws_sns_topic.order_events.arn
  protocol       = "lambda"
  endpoint       = module.notifications.function_arn
  filter_policy  = jsonencode({ event_type = ["order.completed"] })
  redrive_policy = jsonencode({ deadLetterTargetArn = module.notifications_failures.queue_arn })

  depends_on = [aws_lambda_permission.notifications_from_sns]
}
