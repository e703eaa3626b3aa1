# Sessions: DynamoDB TTL deletes expired sessions; a nightly sweep removes those TTL has not yet.
resource "aws_dynamodb_table" "sessions" {
  # checkov:skip=CKV_AWS_119: encrypted at rest with DynamoDB's AWS-owned key; a customer-managed key is an account-level choice (cost, key policy for every reader)
  name         = "${local.prefix}-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "sessionId"

  attribute {
    name = "sessionId"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

# A sweep that fails is described here, not lost.
module "sessions_failures" {
  source = "./modules/queue"

  name                      = "${local.prefix}-sessions-failures"
  message_retention_seconds = 1209600
}

module "sessions" {
  source = "./modules/lambda_function"

  defaults = local.function_defaults

  name                    = "${local.prefix}-sessions"
  description             = "Nightly sweep of expired sessions"
  artifact                = local.artifacts["sessions"]
  memory_size             = lookup(var.function_memory, "sessions", 512)
  provisioned_concurrency = lookup(var.provisioned_concurrency, "sessions", 0)
  timeout                 = lookup(var.function_timeout, "sessions", 300)

  environment = {
    SESSIONS_TABLE = aws_dynamodb_table.sessions.name
  }

  policy_statements = [
    {
      sid       = "SweepSessions"
      actions   = ["dynamodb:Scan", "dynamodb:BatchWriteItem"]
      resources = [aws_dynamodb_table.sessions.arn]
    },
  ]

  async_maximum_retry_attempts  = 0
  async_failure_destination_arn = module.sessions_failures.queue_arn
}

module "session_cleanup_schedule" {
  source = "./modules/schedule"

  name                = "${local.prefix}-session-cleanup"
  description         = "Deletes expired sessions TTL has not deleted yet"
  schedule_expression = var.session_cleanup_schedule
  function_name       = module.sessions.function_name
  function_arn        = module.sessions.live_arn
  function_qualifier  = module.sessions.live_name
}
