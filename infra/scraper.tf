# Price scraper: on a schedule, fetch each configured product page, keep the price history, and
# alert once when a price drops by price_drop_percent or more.
resource "aws_ssm_parameter" "products" {
  # checkov:skip=CKV2_AWS_34: the product list (URLs, CSS selectors) is configuration, not a secret; SecureString would add kms:Decrypt for nothing
  name        = "/${local.prefix}/scraper/products"
  description = "Products the price scraper watches (JSON list of {id, name, url, selector})."
  type        = "String"
  value = jsonencode([
    for product in var.scraper_products : merge(product, { url = replace(product.url, "{site}", var.site_base_url) })
  ])
}

resource "aws_dynamodb_table" "prices" {
  # checkov:skip=CKV_AWS_119: encrypted at rest with DynamoDB's AWS-owned key; a customer-managed key is an account-level choice (cost, key policy for every reader)
  name         = "${local.prefix}-prices"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "productId"
  range_key    = "observedAt"

  attribute {
    name = "productId"
    type = "S"
  }

  attribute {
    name = "observedAt"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "scraper_idempotency" {
  # checkov:skip=CKV_AWS_119: encrypted at rest with DynamoDB's AWS-owned key; a customer-managed key is an account-level choice (cost, key policy for every reader)
  name         = "${local.prefix}-scraper-idempotency"
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

resource "aws_sns_topic" "price_alerts" {
  name              = "${local.prefix}-price-alerts"
  kms_master_key_id = "alias/aws/sns"
}

module "price_alerts_queue" {
  source = "./modules/queue"

  name                 = "${local.prefix}-price-alerts"
  publisher_topic_arns = [aws_sns_topic.price_alerts.arn]
}

resource "aws_sns_topic_subscription" "price_alerts_queue" {
  topic_arn            = aws_sns_topic.price_alerts.arn
  protocol             = "sqs"
  endpoint             = module.price_alerts_queue.queue_arn
  raw_message_delivery = true
}

# A run that fails (after Lambda's retries) is described here, not lost.
module "scraper_failures" {
  source = "./modules/queue"

  name                      = "${local.prefix}-scraper-failures"
  message_retention_seconds = 1209600
}

module "scraper" {
  source = "./modules/lambda_function"

  defaults = local.function_defaults

  name                    = "${local.prefix}-scraper"
  description             = "Scrapes product prices; alerts on drops"
  artifact                = local.artifacts["scraper"]
  memory_size             = lookup(var.function_memory, "scraper", 512)
  provisioned_concurrency = lookup(var.provisioned_concurrency, "scraper", 0)
  timeout                 = lookup(var.function_timeout, "scraper", 300)

  environment = {
    PRODUCTS_PARAMETER  = aws_ssm_parameter.products.name
    PRICES_TABLE        = aws_dynamodb_table.prices.name
    ALERTS_TOPIC_ARN    = aws_sns_topic.price_alerts.arn
    IDEMPOTENCY_TABLE   = aws_dynamodb_table.scraper_idempotency.name
    PRICE_DROP_PERCENT  = tostring(var.price_drop_percent)
    SCRAPER_ALLOW_HOSTS = join(",", var.scraper_allow_hosts)
  }

  policy_statements = [
    {
      sid       = "ReadProductList"
      actions   = ["ssm:GetParameter"]
      resources = [aws_ssm_parameter.products.arn]
    },
    {
      sid       = "KeepPriceHistory"
      actions   = ["dynamodb:Query", "dynamodb:PutItem"]
      resources = [aws_dynamodb_table.prices.arn]
    },
    {
      sid       = "RememberAlerts"
      actions   = local.idempotency_actions
      resources = [aws_dynamodb_table.scraper_idempotency.arn]
    },
    {
      sid       = "PublishAlerts"
      actions   = ["sns:Publish"]
      resources = [aws_sns_topic.price_alerts.arn]
    },
  ]

  async_maximum_retry_attempts  = 0
  async_failure_destination_arn = module.scraper_failures.queue_arn
}

module "scraper_schedule" {
  source = "./modules/schedule"

  name                = "${local.prefix}-price-scraper"
  description         = "Checks product prices"
  schedule_expression = var.scraper_schedule
  function_name       = module.scraper.function_name
  function_arn        = module.scraper.live_arn
  function_qualifier  = module.scraper.live_name
}
