variable "name" {
  description = "Name of the topic and of the queue subscribed to it."
  type        = string
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
