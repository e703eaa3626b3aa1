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
