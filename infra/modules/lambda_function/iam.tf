data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "LambdaAssumesThisRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-function"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

locals {
  # Which action delivers to the failure destination depends on the kind of target.
  failure_destination_service = local.has_failure_destination ? split(":", var.async_failure_destination_arn)[2] : ""
  failure_destination_actions = {
    sqs    = ["sqs:SendMessage"]
    sns    = ["sns:Publish"]
    lambda = ["lambda:InvokeFunction"]
    events = ["events:PutEvents"]
  }
}

data "aws_iam_policy_document" "this" {
  statement {
    # iam.report: Lambda's runtime writes the function's logs with its role, not the handler's code
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  # X-Ray's write actions support no resource-level permissions: "*" is the narrowest AWS allows.
  statement {
    # iam.report: the X-Ray SDK sends segments through the daemon, which uses the function's role
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = local.has_failure_destination ? [var.async_failure_destination_arn] : []
    content {
      # iam.report: Lambda sends a failed asynchronous event to the destination with the function's role
      sid       = "SendFailedEvents"
      actions   = local.failure_destination_actions[local.failure_destination_service]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.policy_statements
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-least-privilege"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
