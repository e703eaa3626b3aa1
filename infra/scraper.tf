# Price scraper: on a schedule, fetch each configured product page, keep the price history, and
# alert once when a price drops by scraper_price_drop_percent or more.
resource "aws_ssm_parameter" "products" {
  # checkov:skip=CKV2_AWS_34: the product list (URLs, CSS selectors) is configuration, not a secret; SecureString would add kms:Decrypt for nothing
  name        = "/${local.prefix}/scraper/products"
  description = "Products the price scraper watches (JSON list of {id, name, url, selector})."
  type        = "String"
  value = jsonencode([
    for product in var.scraper_products : merge(product, { url = replace(product.url, "{site}", var.site_base_url) })
  ])
}

module "prices_table" {
  source = "./modules/table"

  name       = "${local.prefix}-prices"
  hash_key   = "productId"
  range_key  = "observedAt"
  attributes = { productId = "S", observedAt = "S" }
}

module "scraper_idempotency_table" {
  source = "./modules/table"

  name          = "${local.prefix}-scraper-idempotency"
  hash_key      = "id"
  attributes    = { id = "S" }
  ttl_attribute = "expiration"
}

module "price_alerts" {
  source = "./modules/alert_topic"

  name        = "${local.prefix}-price-alerts"
  kms_key_arn = aws_kms_key.messaging.arn
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
    PRICES_TABLE        = module.prices_table.name
    ALERTS_TOPIC_ARN    = module.price_alerts.topic_arn
    IDEMPOTENCY_TABLE   = module.scraper_idempotency_table.name
    PRICE_DROP_PERCENT  = tostring(var.scraper_price_drop_percent)
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
      resources = [module.prices_table.arn]
    },
    {
      sid       = "RememberAlerts"
      actions   = local.idempotency_actions
      resources = [module.scraper_idempotency_table.arn]
    },
    {
      sid       = "PublishAlerts"
      actions   = ["sns:Publish"]
      resources = [module.price_alerts.topic_arn]
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
