# One place that sees the platform: every function, the queues, the stream, the API, the workflow.
locals {
  function_names = sort([for fn in local.all_functions : fn.function_name])

  function_widgets = [
    for metric in [["Invocations", "Sum"], ["Errors", "Sum"], ["Throttles", "Sum"], ["Duration", "p99"]] : {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title   = "Lambda ${metric[0]} (${metric[1]})"
        region  = var.region
        stat    = metric[1]
        period  = 300
        view    = "timeSeries"
        metrics = [for name in local.function_names : ["AWS/Lambda", metric[0], "FunctionName", name]]
      }
    }
  ]
}

resource "aws_cloudwatch_metric_alarm" "orders_iterator_age" {
  alarm_name          = "${local.prefix}-orders-iterator-age"
  alarm_description   = "The order stream consumer is more than a minute behind the newest record."
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  dimensions          = { FunctionName = module.orders.function_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 60000
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_dashboard" "platform" {
  dashboard_name = "${local.prefix}-platform"
  dashboard_body = jsonencode({
    widgets = concat(local.function_widgets, [
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "API requests and errors"
          region = var.region
          stat   = "Sum"
          period = 300
          metrics = [
            ["AWS/ApiGateway", "Count", "ApiName", "${local.prefix}-api", "Stage", var.environment],
            ["AWS/ApiGateway", "4XXError", "ApiName", "${local.prefix}-api", "Stage", var.environment],
            ["AWS/ApiGateway", "5XXError", "ApiName", "${local.prefix}-api", "Stage", var.environment],
          ]
        }
      },
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "Queues: waiting messages"
          region = var.region
          stat   = "Maximum"
          period = 300
          metrics = [
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", module.work_queue.queue_name],
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "${module.work_queue.queue_name}-dlq"],
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", module.orders_failures.queue_name],
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", module.etl_failures.queue_name],
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", module.thumbnails_failures.queue_name],
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", module.notifications_failures.queue_name],
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", module.sessions_failures.queue_name],
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", module.scraper_failures.queue_name],
          ]
        }
      },
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title   = "Order stream: iterator age (ms)"
          region  = var.region
          stat    = "Maximum"
          period  = 300
          metrics = [["AWS/Lambda", "IteratorAge", "FunctionName", module.orders.function_name]]
        }
      },
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "Order workflow executions"
          region = var.region
          stat   = "Sum"
          period = 300
          metrics = [
            ["AWS/States", "ExecutionsSucceeded", "StateMachineArn", module.order_workflow.state_machine_arn],
            ["AWS/States", "ExecutionsFailed", "StateMachineArn", module.order_workflow.state_machine_arn],
          ]
        }
      },
    ])
  })
}
