# S3 thumbnails: objects created under uploads/ get a thumbnail under thumbnails/ in the same bucket.
locals {
  upload_prefix    = "uploads/"
  thumbnail_prefix = "thumbnails/"
}

module "media_bucket" {
  source = "./modules/private_bucket"

  name          = "${local.prefix}-media-${data.aws_caller_identity.current.account_id}"
  force_destroy = var.force_destroy_buckets
}

module "thumbnails_failures" {
  source = "./modules/queue"

  name                      = "${local.prefix}-thumbnails-failures"
  message_retention_seconds = 1209600
}

module "thumbnails" {
  source = "./modules/lambda_function"

  defaults = local.function_defaults

  name                    = "${local.prefix}-thumbnails"
  description             = "Creates a thumbnail under ${local.thumbnail_prefix} for each image created under ${local.upload_prefix}"
  artifact                = local.artifacts["thumbnails"]
  memory_size             = lookup(var.function_memory, "thumbnails", 1024)
  provisioned_concurrency = lookup(var.provisioned_concurrency, "thumbnails", 0)
  timeout                 = lookup(var.function_timeout, "thumbnails", 30)

  environment = {
    UPLOAD_PREFIX           = local.upload_prefix
    THUMBNAIL_PREFIX        = local.thumbnail_prefix
    POWERTOOLS_SERVICE_NAME = "thumbnails"
  }

  # Reads only under the upload prefix, writes only under the thumbnail prefix: it cannot
  # overwrite an upload, and its own writes never match the notification filter.
  policy_statements = [
    {
      sid       = "ReadUploads"
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = ["${module.media_bucket.bucket_arn}/${local.upload_prefix}*"]
    },
    {
      sid       = "WriteThumbnails"
      actions   = ["s3:PutObject"]
      resources = ["${module.media_bucket.bucket_arn}/${local.thumbnail_prefix}*"]
    },
  ]

  async_failure_destination_arn = module.thumbnails_failures.queue_arn
}

resource "aws_lambda_permission" "thumbnails_from_s3" {
  statement_id   = "AllowInvokeFromMediaBucket"
  action         = "lambda:InvokeFunction"
  function_name  = module.thumbnails.function_name
  qualifier      = module.thumbnails.live_name
  principal      = "s3.amazonaws.com"
  source_arn     = module.media_bucket.bucket_arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_s3_bucket_notification" "media" {
  bucket = module.media_bucket.bucket_id

  lambda_function {
    id                  = "thumbnails"
    lambda_function_arn = module.thumbnails.live_arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = local.upload_prefix
  }

  depends_on = [aws_lambda_permission.thumbnails_from_s3]
}
