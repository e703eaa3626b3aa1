resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = "alias/aws/sns"
  tags              = var.tags
}

# Every alert also lands in a queue, so a consumer (or an operator) can read what was sent.
module "queue" {
  source = "../queue"

  name                 = var.name
  publisher_topic_arns = [aws_sns_topic.this.arn]
  kms_key_id           = var.kms_key_arn
  tags                 = var.tags
}

resource "aws_sns_topic_subscription" "this" {
  topic_arn            = aws_sns_topic.this.arn
  protocol             = "sqs"
  endpoint             = module.queue.queue_arn
  raw_message_delivery = true
}
