variable "name" {
  description = "Name of the topic and of the queue subscribed to it."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed KMS key of the queue SNS delivers into (its policy must let sns.amazonaws.com use it)."
  type        = string
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
