# Once per AWS account (and on the emulator): the remote state bucket and lock table the root
# module's S3 backend uses, and the artifacts bucket environments deploy from. Local state: these
# are what remote state itself needs.
provider "aws" {
  region = var.region
}

data "aws_caller_identity" "current" {}

locals {
  suffix = "${var.project}-${data.aws_caller_identity.current.account_id}-${var.region}"
}

module "state_bucket" {
  source = "../modules/private_bucket"
  name   = "${local.suffix}-tfstate"
}

module "artifacts_bucket" {
  source = "../modules/private_bucket"
  name   = "${local.suffix}-artifacts"
}

resource "aws_dynamodb_table" "locks" {
  # checkov:skip=CKV_AWS_119: encrypted at rest with DynamoDB's AWS-owned key; a customer-managed key is an account-level choice (cost, key policy for every reader)
  name         = "${var.project}-terraform-locks"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}
