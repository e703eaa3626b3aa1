locals {
  routes = {
    for key, route in var.routes : key => merge(route, {
      method = split(" ", key)[0]
      path   = split(" ", key)[1]
    })
  }
  segments = { for key, route in local.routes : key => split("/", trimprefix(route.path, "/")) }

  # API Gateway builds paths from parent/child resources; Terraform cannot make a resource its own
  # parent, so each depth is a resource block of its own.
  level1 = toset([for key, parts in local.segments : "/${parts[0]}"])
  level2 = toset([for key, parts in local.segments : "/${join("/", slice(parts, 0, 2))}" if length(parts) >= 2])
  level3 = toset([for key, parts in local.segments : "/${join("/", slice(parts, 0, 3))}" if length(parts) >= 3])

  resource_ids = merge(
    { for path, resource in aws_api_gateway_resource.level1 : path => resource.id },
    { for path, resource in aws_api_gateway_resource.level2 : path => resource.id },
    { for path, resource in aws_api_gateway_resource.level3 : path => resource.id },
  )
  functions = toset([for route in local.routes : route.function_name])
}

resource "aws_api_gateway_rest_api" "this" {
  name        = var.name
  description = var.description
  tags        = var.tags

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  # A replaced API (new name) serves until its successor exists.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "level1" {
  for_each    = local.level1
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = basename(each.key)
}

resource "aws_api_gateway_resource" "level2" {
  for_each    = local.level2
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.level1[dirname(each.key)].id
  path_part   = basename(each.key)
}

resource "aws_api_gateway_resource" "level3" {
  for_each    = local.level3
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.level2[dirname(each.key)].id
  path_part   = basename(each.key)
}

resource "aws_api_gateway_authorizer" "this" {
  name                             = "${var.name}-jwt"
  rest_api_id                      = aws_api_gateway_rest_api.this.id
  type                             = "TOKEN"
  authorizer_uri                   = var.authorizer.invoke_arn
  identity_source                  = "method.request.header.Authorization"
  authorizer_result_ttl_in_seconds = var.authorizer.ttl_seconds
}

resource "aws_api_gateway_method" "this" {
  # checkov:skip=CKV2_AWS_53: bodies are validated by the handlers, whose typed errors answer 400/422 with the field at fault; one place, not two
  for_each      = local.routes
  rest_api_id   = aws_api_gateway_rest_api.this.id
  resource_id   = local.resource_ids[each.value.path]
  http_method   = each.value.method
  authorization = each.value.authorized ? "CUSTOM" : "NONE"
  authorizer_id = each.value.authorized ? aws_api_gateway_authorizer.this.id : null
}

resource "aws_api_gateway_integration" "this" {
  for_each                = local.routes
  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_method.this[each.key].resource_id
  http_method             = aws_api_gateway_method.this[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = each.value.invoke_arn
}

resource "aws_lambda_permission" "routes" {
  for_each      = local.functions
  statement_id  = "AllowInvokeFrom${replace(var.name, "-", "")}"
  action        = "lambda:InvokeFunction"
  function_name = each.key
  qualifier     = var.function_qualifier
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/*/*"
}

resource "aws_lambda_permission" "authorizer" {
  statement_id  = "AllowAuthorizerFrom${replace(var.name, "-", "")}"
  action        = "lambda:InvokeFunction"
  function_name = var.authorizer.function_name
  qualifier     = var.function_qualifier
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/authorizers/${aws_api_gateway_authorizer.this.id}"
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  # Redeploy whenever a route, its integration or the authorizer changes. Only configuration and
  # ids go in: attributes the API reads back differently (null vs empty) would redeploy on every plan.
  triggers = {
    redeployment = sha1(jsonencode([
      var.routes,
      local.resource_ids,
      [for key, method in aws_api_gateway_method.this : method.id],
      [for key, integration in aws_api_gateway_integration.this : integration.id],
      [aws_api_gateway_authorizer.this.id, var.authorizer],
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_api_gateway_integration.this]
}

resource "aws_cloudwatch_log_group" "access" {
  # checkov:skip=CKV_AWS_158: CloudWatch Logs encrypts at rest by default; logs carry no secrets (the security gate searches them), so a customer-managed key adds cost only
  name              = "/aws/apigateway/${var.name}/access"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_api_gateway_stage" "this" {
  # checkov:skip=CKV2_AWS_29: a WAF web ACL is an account-level decision (its cost and rules); throttling is set on every method below, and an ACL can be associated from outside
  # checkov:skip=CKV2_AWS_4: execution logging can record request data, Authorization headers included; JSON access logs (below) are on instead
  # checkov:skip=CKV2_AWS_51: callers authenticate with JWTs (the custom authorizer); client certificates are for backends that verify API Gateway, and these backends are Lambda
  # checkov:skip=CKV_AWS_120: responses are per caller and change on write (users, checkout): a stage cache could serve one caller's data to another
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = true
  tags                 = var.tags

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId      = "$context.requestId"
      ip             = "$context.identity.sourceIp"
      requestTime    = "$context.requestTime"
      httpMethod     = "$context.httpMethod"
      resourcePath   = "$context.resourcePath"
      status         = "$context.status"
      responseLength = "$context.responseLength"
      latencyMs      = "$context.responseLatency"
      principalId    = "$context.authorizer.principalId"
      errorMessage   = "$context.error.message"
    })
  }
}

resource "aws_api_gateway_method_settings" "all" {
  # checkov:skip=CKV_AWS_225: responses are per caller and change on write: no method is cached
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
  }
}
