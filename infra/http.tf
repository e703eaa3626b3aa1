# The HTTP surface: one REST API with the users API behind the JWT authorizer and the Slack bot
# (authenticated by Slack's signature instead).

# Users and the e-mail claims that keep addresses unique; the byEntity index lists users in
# creation order, page by page, so listing never scans the table.
module "users_table" {
  source = "./modules/table"

  name       = "${local.prefix}-users"
  hash_key   = "pk"
  attributes = { pk = "S", entity = "S", listKey = "S" }
  global_secondary_indexes = {
    byEntity = { hash_key = "entity", range_key = "listKey" }
  }
}

# Secrets are created empty: their values are set outside Terraform (never in state), with
# `aws secretsmanager put-secret-value` or, on the emulator, `invoke up` itself.
resource "aws_secretsmanager_secret" "jwt_signing" {
  # checkov:skip=CKV2_AWS_57: the value is issued by a third party (Slack, the token issuer): it is rotated there, then stored with put-secret-value; functions re-read it within SECRET_CACHE_SECONDS
  # checkov:skip=CKV_AWS_149: encrypted with Secrets Manager's AWS-managed key; a customer-managed key is an account-level choice
  name                    = "${local.prefix}/jwt-signing-key"
  description             = "HS256 key the JWT authorizer verifies tokens with (at least 32 characters)."
  recovery_window_in_days = var.secret_recovery_days
}

resource "aws_secretsmanager_secret" "slack_signing" {
  # checkov:skip=CKV2_AWS_57: the value is issued by a third party (Slack, the token issuer): it is rotated there, then stored with put-secret-value; functions re-read it within SECRET_CACHE_SECONDS
  # checkov:skip=CKV_AWS_149: encrypted with Secrets Manager's AWS-managed key; a customer-managed key is an account-level choice
  name                    = "${local.prefix}/slack-signing-secret"
  description             = "Slack app signing secret (Basic Information > App Credentials)."
  recovery_window_in_days = var.secret_recovery_days
}

resource "aws_secretsmanager_secret" "users_cursor" {
  # checkov:skip=CKV2_AWS_57: a rotation invalidates every pagination token in flight (clients start again from the first page); rotate it by hand with put-secret-value when needed
  # checkov:skip=CKV_AWS_149: encrypted with Secrets Manager's AWS-managed key; a customer-managed key is an account-level choice
  name                    = "${local.prefix}/users-cursor-key"
  description             = "Key the users API signs its pagination tokens with (at least 32 random characters)."
  recovery_window_in_days = var.secret_recovery_days
}

module "users" {
  source = "./modules/lambda_function"

  defaults = local.function_defaults

  name                    = "${local.prefix}-users"
  description             = "Users REST API"
  artifact                = local.artifacts["users"]
  memory_size             = lookup(var.function_memory, "users", 512)
  provisioned_concurrency = lookup(var.provisioned_concurrency, "users", 0)
  timeout                 = lookup(var.function_timeout, "users", 10)

  environment = {
    USERS_TABLE            = module.users_table.name
    CORS_ALLOWED_ORIGINS   = join(",", var.api_cors_allowed_origins)
    USERS_CURSOR_SECRET_ID = aws_secretsmanager_secret.users_cursor.arn
  }

  policy_statements = [
    {
      sid       = "ReadWriteUsers"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"]
      resources = [module.users_table.arn, "${module.users_table.arn}/index/byEntity"]
    },
    {
      sid       = "ReadCursorKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [aws_secretsmanager_secret.users_cursor.arn]
    },
  ]

}

module "authorizer" {
  source = "./modules/lambda_function"

  defaults = local.function_defaults

  name                    = "${local.prefix}-authorizer"
  description             = "JWT TOKEN authorizer of the REST API"
  artifact                = local.artifacts["authorizer"]
  memory_size             = lookup(var.function_memory, "authorizer", 256)
  provisioned_concurrency = lookup(var.provisioned_concurrency, "authorizer", 0)
  timeout                 = lookup(var.function_timeout, "authorizer", 5)

  environment = {
    JWT_MODE      = var.authorizer_jwt_mode
    JWT_SECRET_ID = aws_secretsmanager_secret.jwt_signing.arn
    JWKS_URL      = var.authorizer_jwks_url
    JWT_ISSUER    = var.authorizer_jwt_issuer
    JWT_AUDIENCE  = var.authorizer_jwt_audience
  }

  policy_statements = [
    {
      sid       = "ReadSigningKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [aws_secretsmanager_secret.jwt_signing.arn]
    },
  ]

}

module "slack" {
  source = "./modules/lambda_function"

  defaults = local.function_defaults

  name                    = "${local.prefix}-slack"
  description             = "Slack slash-command bot"
  artifact                = local.artifacts["slack"]
  memory_size             = lookup(var.function_memory, "slack", 512)
  provisioned_concurrency = lookup(var.provisioned_concurrency, "slack", 0)
  timeout                 = lookup(var.function_timeout, "slack", 5)

  environment = {
    SLACK_SIGNING_SECRET_ID = aws_secretsmanager_secret.slack_signing.arn
    WEATHER_URL             = replace(var.slack_weather_url, "{site}", var.site_base_url)
    STATUS_TABLES           = module.users_table.name
    STATUS_FUNCTIONS        = join(",", ["${local.prefix}-users", "${local.prefix}-authorizer"])
  }

  policy_statements = [
    {
      sid       = "ReadSigningSecret"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [aws_secretsmanager_secret.slack_signing.arn]
    },
    {
      sid       = "CheckPlatformHealth"
      actions   = ["dynamodb:DescribeTable", "lambda:GetFunctionConfiguration"]
      resources = [module.users_table.arn, module.users.function_arn, module.authorizer.function_arn]
    },
  ]

}

locals {
  users_route      = { function_name = module.users.function_name, invoke_arn = module.users.live_invoke_arn }
  users_authorized = merge(local.users_route, { authorized = true })
  # Browsers send CORS preflights without credentials: OPTIONS must not need the authorizer.
  users_preflight = merge(local.users_route, { authorized = false })
}

module "api" {
  source = "./modules/rest_api"

  name        = "${local.prefix}-api"
  description = "Users API and Slack bot"
  stage_name  = var.environment

  # every route and the authorizer invoke the functions' `live` alias (see the invoke ARNs below)
  function_qualifier = "live"

  # ANY sends every method to the function, which answers 405 (with Allow) for the ones it lacks;
  # OPTIONS is more specific than ANY, so preflights skip the authorizer.
  routes = {
    "ANY /users"              = local.users_authorized
    "OPTIONS /users"          = local.users_preflight
    "ANY /users/{userId}"     = local.users_authorized
    "OPTIONS /users/{userId}" = local.users_preflight
    "POST /slack/commands"    = { function_name = module.slack.function_name, invoke_arn = module.slack.live_invoke_arn, authorized = false }
    "POST /orders"            = { function_name = module.checkout.function_name, invoke_arn = module.checkout.live_invoke_arn, authorized = true }
    "OPTIONS /orders"         = { function_name = module.checkout.function_name, invoke_arn = module.checkout.live_invoke_arn, authorized = false }
    # `invoke new NAME --trigger api` adds its route above this line.
  }

  authorizer = {
    function_name = module.authorizer.function_name
    invoke_arn    = module.authorizer.live_invoke_arn
    ttl_seconds   = var.authorizer_cache_seconds
  }

  throttling_rate_limit  = var.api_throttling_rate_limit
  throttling_burst_limit = var.api_throttling_burst_limit
  log_retention_days     = var.log_retention_days

  depends_on = [aws_api_gateway_account.this]
}

# API Gateway writes access logs with an account-wide role.
data "aws_iam_policy_document" "apigateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "apigateway_logs" {
  count              = var.manage_api_gateway_account ? 1 : 0
  name               = "${local.prefix}-apigateway-logs"
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume.json
}

data "aws_iam_policy_document" "apigateway_logs" {
  # API Gateway creates its log groups itself, under names it chooses: this is the narrowest
  # scope that works (the actions of AWS's AmazonAPIGatewayPushToCloudWatchLogs policy).
  statement {
    # iam.report: API Gateway's execution logging creates and reads its own groups; access logs use only CreateLogStream and PutLogEvents
    sid       = "PushToCloudWatchLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents"]
    resources = ["arn:aws:logs:${var.region}:${data.aws_caller_identity.current.account_id}:*"]
  }
}

resource "aws_iam_role_policy" "apigateway_logs" {
  count  = var.manage_api_gateway_account ? 1 : 0
  name   = "push-to-cloudwatch-logs"
  role   = aws_iam_role.apigateway_logs[0].id
  policy = data.aws_iam_policy_document.apigateway_logs.json
}

resource "aws_api_gateway_account" "this" {
  count               = var.manage_api_gateway_account ? 1 : 0
  cloudwatch_role_arn = aws_iam_role.apigateway_logs[0].arn

  depends_on = [aws_iam_role_policy.apigateway_logs]
}
