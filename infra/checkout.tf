# POST /orders: validates an order and queues it for the worker (the order pipeline's front door).
module "checkout" {
  source = "./modules/lambda_function"

  defaults = local.function_defaults

  name                    = "${local.prefix}-checkout"
  description             = "POST /orders: accepts an order and queues it"
  artifact                = local.artifacts["checkout"]
  memory_size             = lookup(var.function_memory, "checkout", 256)
  provisioned_concurrency = lookup(var.provisioned_concurrency, "checkout", 0)
  timeout                 = lookup(var.function_timeout, "checkout", 10)

  environment = {
    WORK_QUEUE_URL       = module.work_queue.queue_url
    CORS_ALLOWED_ORIGINS = join(",", var.api_cors_allowed_origins)
  }

  policy_statements = [
    {
      sid       = "QueueOrders"
      actions   = ["sqs:SendMessage"]
      resources = [module.work_queue.queue_arn]
    },
  ]

}
