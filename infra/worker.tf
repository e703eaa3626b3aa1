# The work queue and its worker: each queued order fulfilled exactly once, its workflow started.
locals {
  worker_timeout = lookup(var.function_timeout, "worker", 30)
}

module "work_queue" {
  source = "./modules/queue"

  name = "${local.prefix}-work"
  # Six times the worker's timeout, as AWS advises for Lambda event sources.
  visibility_timeout_seconds = 6 * local.worker_timeout
  max_receive_count          = var.worker_queue_max_receive_count
  alarm_actions              = [aws_sns_topic.alarms.arn]
}

module "fulfilments_table" {
  source = "./modules/table"

  name       = "${local.prefix}-fulfilments"
  hash_key   = "jobId"
  attributes = { jobId = "S" }
}

module "worker_idempotency_table" {
  source = "./modules/table"

  name          = "${local.prefix}-worker-idempotency"
  hash_key      = "id"
  attributes    = { id = "S" }
  ttl_attribute = "expiration"
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
    FULFILMENTS_TABLE = module.fulfilments_table.name
    IDEMPOTENCY_TABLE = module.worker_idempotency_table.name
  }

  policy_statements = [
    {
      # iam.report: Lambda's poller (the event source mapping) reads and deletes messages with this role
      sid       = "ConsumeWork"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
      resources = [module.work_queue.queue_arn]
    },
    {
      sid       = "RecordFulfilments"
      actions   = ["dynamodb:UpdateItem"]
      resources = [module.fulfilments_table.arn]
    },
    {
      sid       = "RememberJobs"
      actions   = local.idempotency_actions
      resources = [module.worker_idempotency_table.arn]
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
