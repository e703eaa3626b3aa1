# `is_enabled` is left out: it differs between aws 3.39 and 5.x; rules are enabled by default.
resource "aws_cloudwatch_event_rule" "this" {
  name                = var.name
  description         = var.description
  schedule_expression = var.schedule_expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  rule      = aws_cloudwatch_event_rule.this.name
  target_id = "function"
  arn       = var.function_arn
}

resource "aws_lambda_permission" "this" {
  statement_id  = "AllowInvokeFrom${replace(var.name, "-", "")}"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  qualifier     = var.function_qualifier
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this.arn
}
