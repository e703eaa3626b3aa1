# Sessions: DynamoDB TTL deletes expired sessions; a nightly sweep removes those TTL has not yet.
module "sessions_table" {
  source = "./modules/table"

  name          = "${local.prefix}-sessions"
  hash_key      = "sessionId"
  attributes    = { sessionId = "S" }
  ttl_attribute = "expiresAt"
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
    SESSIONS_TABLE = module.sessions_table.name
  }

  policy_statements = [
    {
      sid       = "SweepSessions"
      actions   = ["dynamodb:Scan", "dynamodb:BatchWriteItem"]
      resources = [module.sessions_table.arn]
    },
  ]

  async_maximum_retry_attempts  = 0
  async_failure_destination_arn = module.sessions_failures.queue_arn
}

module "session_cleanup_schedule" {
  source = "./modules/schedule"

  name                = "${local.prefix}-session-cleanup"
  description         = "Deletes expired sessions TTL has not deleted yet"
  schedule_expression = var.sessions_cleanup_schedule
  function_name       = module.sessions.function_name
  function_arn        = module.sessions.live_arn
  function_qualifier  = module.sessions.live_name
}
