variable "name" {
  description = "Queue name; the dead-letter queue is \"<name>-dlq\"."
  type        = string
}

variable "visibility_timeout_seconds" {
  description = "How long a received message stays hidden (at least six times the consuming function's timeout)."
  type        = number
  default     = 30
}

variable "message_retention_seconds" {
  description = "How long messages are kept (up to 14 days)."
  type        = number
  default     = 345600
}

variable "max_receive_count" {
  description = "Receives before a message moves to the dead-letter queue; 0 creates no dead-letter queue."
  type        = number
  default     = 0
}

variable "publisher_topic_arns" {
  description = "SNS topics allowed to deliver into the queue (for subscriptions)."
  type        = list(string)
  default     = []
}

variable "kms_key_id" {
  description = "KMS key of the queue: the AWS managed alias/aws/sqs, or a customer managed key whose policy lets the publisher_topic_arns' SNS use it (required for SNS to deliver)."
  type        = string
  default     = "alias/aws/sqs"
}

variable "alarm_actions" {
  description = "Notified when messages sit in the dead-letter queue."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
