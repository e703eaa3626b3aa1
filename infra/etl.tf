# CSV ETL: CSV files created under incoming/ in the data bucket load into the sales table; a report
# per file goes under reports/.
locals {
  etl_incoming_prefix = "incoming/"
  etl_report_prefix   = "reports/"
}

module "data_bucket" {
  source = "./modules/private_bucket"

  name          = "${local.prefix}-data-${data.aws_caller_identity.current.account_id}"
  force_destroy = var.force_destroy_buckets
}

module "sales_table" {
  source = "./modules/table"

  name       = "${local.prefix}-sales"
  hash_key   = "id"
  attributes = { id = "S" }
}

module "etl_failures" {
  source = "./modules/queue"

  name                      = "${local.prefix}-etl-failures"
  message_retention_seconds = 1209600
}

module "etl" {
  source = "./modules/lambda_function"

  defaults = local.function_defaults

  name                    = "${local.prefix}-etl"
  description             = "Loads sales CSV files from ${local.etl_incoming_prefix} into the sales table"
  artifact                = local.artifacts["etl"]
  memory_size             = lookup(var.function_memory, "etl", 1024)
  provisioned_concurrency = lookup(var.provisioned_concurrency, "etl", 0)
  timeout                 = lookup(var.function_timeout, "etl", 900)

  environment = {
    SALES_TABLE         = module.sales_table.name
    ETL_INCOMING_PREFIX = local.etl_incoming_prefix
    ETL_REPORT_PREFIX   = local.etl_report_prefix
  }

  policy_statements = [
    {
      sid       = "ReadIncoming"
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = ["${module.data_bucket.bucket_arn}/${local.etl_incoming_prefix}*"]
    },
    {
      sid       = "WriteReports"
      actions   = ["s3:PutObject"]
      resources = ["${module.data_bucket.bucket_arn}/${local.etl_report_prefix}*"]
    },
    {
      sid       = "LoadSales"
      actions   = ["dynamodb:BatchWriteItem"]
      resources = [module.sales_table.arn]
    },
  ]

  async_failure_destination_arn = module.etl_failures.queue_arn
}

resource "aws_lambda_permission" "etl_from_s3" {
  statement_id   = "AllowInvokeFromDataBucket"
  action         = "lambda:InvokeFunction"
  function_name  = module.etl.function_name
  qualifier      = module.etl.live_name
  principal      = "s3.amazonaws.com"
  source_arn     = module.data_bucket.bucket_arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_s3_bucket_notification" "data" {
  bucket = module.data_bucket.bucket_id

  lambda_function {
    id                  = "etl"
    lambda_function_arn = module.etl.live_arn
    events              = ["s3:ObjectCreated:*"]
    # No suffix filter: S3 compares it case-sensitively, so ".csv" would silently skip "SALES.CSV".
    # The function takes .csv in any case and logs what else it ignores.
    filter_prefix = local.etl_incoming_prefix
  }

  depends_on = [aws_lambda_permission.etl_from_s3]
}
