# The order workflow (Step Functions): validate -> process -> notify, failures recorded; it
# announces completed orders on the order events topic.
# Order pipeline: POST /orders -> work queue -> worker (exactly once per job) -> order workflow
# (validate -> process -> notify, failures recorded) -> order events topic -> notifications.
locals {
  step_environment = {
    ORDER_STATUS_TABLE     = module.order_status_table.name
    ORDER_EVENTS_TOPIC_ARN = aws_sns_topic.order_events.arn
  }
  status_statement = {
    sid       = "RecordOrderStatus"
    actions   = ["dynamodb:UpdateItem"]
    resources = [module.order_status_table.arn]
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

module "order_status_table" {
  source = "./modules/table"

  name       = "${local.prefix}-order-status"
  hash_key   = "orderId"
  attributes = { orderId = "S" }
}

resource "aws_sns_topic" "order_events" {
  name              = "${local.prefix}-order-events"
  kms_master_key_id = "alias/aws/sns"
}

module "workflow_steps" {
  source   = "./modules/lambda_function"
  for_each = local.workflow_steps

  defaults                = local.function_defaults
  name                    = "${local.prefix}-${each.key}"
  description             = each.value.description
  artifact                = local.artifacts[each.key]
  memory_size             = lookup(var.function_memory, each.key, 256)
  provisioned_concurrency = lookup(var.provisioned_concurrency, each.key, 0)
  timeout                 = lookup(var.function_timeout, each.key, 15)
  environment             = local.step_environment
  policy_statements       = each.value.statements
}

module "order_workflow" {
  source = "./modules/state_machine"

  name          = "${local.prefix}-order-workflow"
  function_arns = [for step in module.workflow_steps : step.live_arn]
  definition = jsonencode({
    Comment = "Order workflow: validate, process, notify; any failure is recorded, then the execution fails."
    StartAt = "Validate"
    States = {
      Validate = {
        Type     = "Task"
        Resource = module.workflow_steps["workflow-validate"].live_arn
        Retry    = [local.transient_retry]
        Catch    = [local.record_failure]
        Next     = "Process"
      }
      Process = {
        Type     = "Task"
        Resource = module.workflow_steps["workflow-process"].live_arn
        Retry    = [local.transient_retry]
        Catch    = [local.record_failure]
        Next     = "Notify"
      }
      Notify = {
        Type     = "Task"
        Resource = module.workflow_steps["workflow-notify"].live_arn
        Retry    = [local.transient_retry]
        Catch    = [local.record_failure]
        End      = true
      }
      RecordFailure = {
        Type     = "Task"
        Resource = module.workflow_steps["workflow-failed"].live_arn
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
