terraform {
  required_version = ">= 1.0.3"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 3.39.0, < 7.0.0"
    }
  }

  # Remote state for AWS accounts; `terraform init -backend-config=backends/<account>.s3.tfbackend`.
  # The emulator's staged copy replaces this with local state (see docs/terraform.md, "Staged copies").
  backend "s3" {}
}
