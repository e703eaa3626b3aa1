# The work queue and its worker: each queued order fulfilled exactly once, its workflow started.
locals {
  worker_timeout = lookup(var.function_timeout, "worker", 30)
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

module "worker" {
  source = "./modules/lambda_function"

  defaults = local.function_defaults

  name                    = "${local.prefix}-worker"
  description             = "Fulfils queued orders exactly once and starts their workflow"
  artifact                = local.artifacts["worker"]
  memory_size             = lookup(var.function_memory, "worker", 256)
  provisioned_concurrency = lookup(var.provisioned_concurrency, "worker", 0)
  timeout                 = local.worker_timeout

  environment = {
    WORKFLOW_ARN      = module.order_workflow.state_machine_arn
    FULFILMENTS_TABLE = aws_dynamodb_table.fulfilments.name
    IDEMPOTENCY_TABLE = aws_dynamodb_table.worker_idempotency.name
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

}

resource "aws_lambda_event_source_mapping" "worker" {
  event_source_arn = module.work_queue.queue_arn
  function_name    = module.worker.live_arn
  batch_size       = 10
}
