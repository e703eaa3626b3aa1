# Versioning and encryption stay inline: aws 3.39 has no aws_s3_bucket_versioning and friends,
# and 5.x/6.x still accept the inline blocks (with a deprecation warning).
resource "aws_s3_bucket" "this" {
  # checkov:skip=CKV_AWS_144: one region by design; versioning (below) keeps overwritten and deleted objects; replication is a disaster-recovery choice per account
  # checkov:skip=CKV_AWS_145: SSE-S3 (AES256, below) encrypts at rest; SSE-KMS would add a KMS call per object and a key policy for every reader
  # checkov:skip=CKV_AWS_18: server access logs need a log bucket of their own per account; CloudTrail data events are the audit trail where required
  # checkov:skip=CKV2_AWS_61: the objects are the data (uploads, thumbnails, ETL input, build artifacts): how long each class lives is the owner's decision
  # checkov:skip=CKV2_AWS_62: notifications are configured by the buckets' consumers (thumbnails.tf, etl.tf), not by this module
  bucket        = var.name
  force_destroy = var.force_destroy
  tags          = var.tags

  versioning {
    enabled = true
  }

  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        sse_algorithm = "AES256"
      }
    }
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

data "aws_iam_policy_document" "tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.tls_only.json

  # S3 rejects concurrent changes to one bucket's policy and public access block.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
