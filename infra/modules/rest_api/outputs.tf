output "rest_api_id" {
  description = "ID of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "rest_api_execution_arn" {
  description = "Execution ARN prefix of the REST API (for Lambda permissions and IAM)."
  value       = aws_api_gateway_rest_api.this.execution_arn
}

output "stage_name" {
  description = "Name of the deployed stage."
  value       = aws_api_gateway_stage.this.stage_name
}

output "stage_invoke_url" {
  description = "Base URL of the stage: the API's public address."
  value       = aws_api_gateway_stage.this.invoke_url
}

output "stage_access_log_group_name" {
  description = "Log group receiving the stage's access logs."
  value       = aws_cloudwatch_log_group.access.name
}
