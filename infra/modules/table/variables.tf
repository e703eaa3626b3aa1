variable "name" {
  description = "Table name."
  type        = string
}

variable "hash_key" {
  description = "Partition key attribute (declared in attributes)."
  type        = string
}

variable "range_key" {
  description = "Sort key attribute (declared in attributes), or \"\" for none."
  type        = string
  default     = ""
}

variable "attributes" {
  description = "Key attributes of the table and its indexes: name -> type (S, N or B)."
  type        = map(string)

  validation {
    condition     = length([for type in values(var.attributes) : type if !contains(["S", "N", "B"], type)]) == 0
    error_message = "Attribute types are S, N or B."
  }
}

variable "global_secondary_indexes" {
  description = "Global secondary indexes by name, each projecting all attributes: hash_key and range_key (declared in attributes)."
  type        = map(object({ hash_key = string, range_key = string }))
  default     = {}
}

variable "ttl_attribute" {
  description = "Attribute holding each item's expiry (epoch seconds) for DynamoDB TTL, or \"\" for none."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Tags for the table."
  type        = map(string)
  default     = {}
}
