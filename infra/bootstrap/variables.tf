variable "region" {
  description = "Region of the state and artifacts buckets."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "Project name, part of the bucket and table names."
  type        = string
  default     = "platform"
}
