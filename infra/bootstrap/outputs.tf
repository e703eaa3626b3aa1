output "state_bucket" {
  description = "Bucket for Terraform state (backend \"s3\" bucket)."
  value       = module.state_bucket.bucket_id
}

output "lock_table" {
  description = "DynamoDB table for state locking (backend \"s3\" dynamodb_table)."
  value       = aws_dynamodb_table.locks.name
}

output "artifacts_bucket" {
  description = "Bucket the environments deploy artifacts from (artifacts/<sha256>.zip, manifests/<sha256>.json)."
  value       = module.artifacts_bucket.bucket_id
}

output "region" {
  description = "Region of the buckets."
  value       = var.region
}

output "deploy_role_arns" {
  description = "The role each environment deploys with, by environment (the AWS_DEPLOY_ROLE_ARN of its GitHub environment)."
  value       = { for env, role in aws_iam_role.deploy : env => role.arn }
}

output "github_oidc_provider_arn" {
  description = "The IAM OIDC identity provider of GitHub Actions."
  value       = aws_iam_openid_connect_provider.github.arn
}
