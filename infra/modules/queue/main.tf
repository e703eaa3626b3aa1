# SQS queues are encrypted with the AWS-managed key: aws 3.39 has no sqs_managed_sse_enabled.
resource "aws_sqs_queue" "dlq" {
  # checkov:skip=CKV2_AWS_73: encrypted with alias/aws/sqs; a customer-managed key is only needed for cross-account producers
  count                     = var.max_receive_count > 0 ? 1 : 0
  name                      = "${var.name}-dlq"
  kms_master_key_id         = "alias/aws/sqs"
  message_retention_seconds = 1209600
  tags                      = var.tags
}

resource "aws_sqs_queue" "this" {
  # checkov:skip=CKV2_AWS_73: encrypted with alias/aws/sqs; a customer-managed key is only needed for cross-account producers
  name                       = var.name
  kms_master_key_id          = var.kms_key_id
  visibility_timeout_seconds = var.visibility_timeout_seconds
  message_retention_seconds  = var.message_retention_seconds
  redrive_policy             = var.max_receive_count > 0 ? jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq[0].arn, maxReceiveCount = var.max_receive_count }) : null
  tags                       = var.tags
}

data "aws_iam_policy_document" "publishers" {
  count = length(var.publisher_topic_arns) > 0 ? 1 : 0

  statement {
    sid       = "TopicsDeliver"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this.arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = var.publisher_topic_arns
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  count     = length(var.publisher_topic_arns) > 0 ? 1 : 0
  queue_url = aws_sqs_queue.this.id
  policy    = data.aws_iam_policy_document.publishers[0].json
}

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  count               = var.max_receive_count > 0 ? 1 : 0
  alarm_name          = "${var.name}-dlq-not-empty"
  alarm_description   = "Messages in ${var.name}-dlq: they failed ${var.max_receive_count} times and wait for a fix and a redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq[0].name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}
