# The role each environment's CI jobs deploy with, assumed through GitHub's OIDC provider: no
# long-lived keys in CI, and the prod role only for a job in the approved `prod` environment.
resource "aws_iam_openid_connect_provider" "github" {
  url             = "https://token.actions.githubusercontent.com"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = var.github_oidc_thumbprints
}

data "aws_iam_policy_document" "deploy_trust" {
  for_each = toset(var.environments)

  statement {
    sid     = "GitHubEnvironment"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${var.github_repository}:environment:${each.key}"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  for_each = toset(var.environments)

  name                 = "${var.project}-deploy-${each.key}"
  description          = "Deploys the ${each.key} environment from CI (plan, apply, promote, rollback, destroy)."
  assume_role_policy   = data.aws_iam_policy_document.deploy_trust[each.key].json
  max_session_duration = 3600
}

locals {
  account = data.aws_caller_identity.current.account_id

  # What deploying one environment takes, and no more: every action is named (no service:*), and each
  # acts only on that environment's resources (named "<project>-<env>-..."), except where AWS offers no
  # resource to name (list operations, event source mappings, API Gateway's and KMS's generated ids).
  # Proven on the emulator, which enforces it: `plan`, `apply`, `promote` (canary bake included),
  # `rollback` and `destroy` run as this role there (tests/e2e/test_deploy_role.py).
  deploy_statements = {
    for env in var.environments : env => [
      {
        sid = "Functions"
        actions = [
          "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
          "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion",
          "lambda:ListVersionsByFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:CreateAlias",
          "lambda:DeleteAlias", "lambda:GetAlias", "lambda:UpdateAlias", "lambda:AddPermission",
          "lambda:RemovePermission", "lambda:GetPolicy", "lambda:PutFunctionEventInvokeConfig",
          "lambda:GetFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig",
          "lambda:DeleteFunctionEventInvokeConfig", "lambda:PutFunctionConcurrency",
          "lambda:DeleteFunctionConcurrency", "lambda:GetFunctionConcurrency", "lambda:PutProvisionedConcurrencyConfig",
          "lambda:GetProvisionedConcurrencyConfig", "lambda:DeleteProvisionedConcurrencyConfig",
          "lambda:TagResource", "lambda:UntagResource", "lambda:ListTags",
        ]
        resources = ["arn:aws:lambda:*:${local.account}:function:${var.project}-${env}-*"]
      },
      {
        sid       = "DependencyLayer"
        actions   = ["lambda:PublishLayerVersion", "lambda:GetLayerVersion", "lambda:DeleteLayerVersion"]
        resources = ["arn:aws:lambda:*:${local.account}:layer:${var.project}-${env}-*"]
      },
      {
        # iam.report: event source mappings are named by a UUID Lambda chooses; scoped by the function instead
        sid = "EventSourceMappings"
        actions = [
          "lambda:CreateEventSourceMapping", "lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping",
          "lambda:DeleteEventSourceMapping", "lambda:ListEventSourceMappings",
        ]
        resources = ["*"]
      },
      {
        # promotion reads what the source environment runs, as this role (one job does both)
        sid       = "ReadSourceFunctions"
        actions   = ["lambda:GetFunction", "lambda:GetAlias"]
        resources = ["arn:aws:lambda:*:${local.account}:function:${var.project}-*"]
      },
      {
        sid = "Roles"
        actions = [
          "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
          "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy",
          "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
        ]
        resources = ["arn:aws:iam::${local.account}:role/${var.project}-${env}-*"]
      },
      {
        sid       = "PassRolesToTheirServices"
        actions   = ["iam:PassRole"]
        resources = ["arn:aws:iam::${local.account}:role/${var.project}-${env}-*"]
      },
      {
        sid = "LogGroups"
        actions = [
          "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
          "logs:TagLogGroup", "logs:UntagLogGroup", "logs:ListTagsLogGroup", "logs:TagResource",
          "logs:UntagResource", "logs:ListTagsForResource",
        ]
        resources = [
          "arn:aws:logs:*:${local.account}:log-group:/aws/lambda/${var.project}-${env}-*",
          "arn:aws:logs:*:${local.account}:log-group:/aws/apigateway/${var.project}-${env}-*",
          "arn:aws:logs:*:${local.account}:log-group:/aws/vendedlogs/states/${var.project}-${env}-*",
        ]
      },
      {
        sid = "Tables"
        actions = [
          "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTable", "dynamodb:UpdateTable",
          "dynamodb:DescribeContinuousBackups", "dynamodb:UpdateContinuousBackups", "dynamodb:DescribeTimeToLive",
          "dynamodb:UpdateTimeToLive", "dynamodb:ListTagsOfResource", "dynamodb:TagResource", "dynamodb:UntagResource",
        ]
        resources = ["arn:aws:dynamodb:*:${local.account}:table/${var.project}-${env}-*"]
      },
      {
        sid = "Streams"
        actions = [
          "kinesis:CreateStream", "kinesis:DeleteStream", "kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
          "kinesis:AddTagsToStream", "kinesis:RemoveTagsFromStream", "kinesis:ListTagsForStream",
          "kinesis:IncreaseStreamRetentionPeriod", "kinesis:DecreaseStreamRetentionPeriod",
          "kinesis:StartStreamEncryption", "kinesis:StopStreamEncryption", "kinesis:UpdateShardCount",
        ]
        resources = ["arn:aws:kinesis:*:${local.account}:stream/${var.project}-${env}-*"]
      },
      {
        sid = "Queues"
        actions = [
          "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:GetQueueUrl",
          "sqs:ListQueueTags", "sqs:TagQueue", "sqs:UntagQueue",
        ]
        resources = ["arn:aws:sqs:*:${local.account}:${var.project}-${env}-*"]
      },
      {
        sid = "Topics"
        actions = [
          "sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe",
          "sns:ListTagsForResource", "sns:TagResource", "sns:UntagResource",
        ]
        resources = ["arn:aws:sns:*:${local.account}:${var.project}-${env}-*"]
      },
      {
        # iam.report: SNS names no resource for a subscription's own calls
        sid       = "Subscriptions"
        actions   = ["sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes"]
        resources = ["*"]
      },
      {
        sid = "Buckets"
        actions = [
          "s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:GetBucketAcl", "s3:PutBucketAcl",
          "s3:GetBucketCORS", "s3:GetBucketWebsite", "s3:GetBucketLogging", "s3:GetAccelerateConfiguration",
          "s3:GetBucketRequestPayment", "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration",
          "s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration", "s3:GetBucketObjectLockConfiguration",
          "s3:GetBucketVersioning", "s3:PutBucketVersioning", "s3:GetBucketTagging", "s3:PutBucketTagging",
          "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:GetBucketPublicAccessBlock",
          "s3:PutBucketPublicAccessBlock", "s3:GetBucketOwnershipControls", "s3:PutBucketOwnershipControls",
          "s3:GetBucketNotification", "s3:PutBucketNotification",
        ]
        resources = ["arn:aws:s3:::${var.project}-${env}-*"]
      },
      {
        # every environment deploys from the one artifacts bucket; content-addressed, so writes never replace
        sid       = "Artifacts"
        actions   = ["s3:GetObject", "s3:PutObject"]
        resources = ["${module.artifacts_bucket.bucket_arn}/artifacts/*", "${module.artifacts_bucket.bucket_arn}/manifests/*"]
      },
      {
        sid       = "ArtifactsBucket"
        actions   = ["s3:ListBucket"]
        resources = [module.artifacts_bucket.bucket_arn]
      },
      {
        # remote state (AWS only; the emulator keeps state locally): every workspace read, this one written
        sid       = "ReadState"
        actions   = ["s3:GetObject"]
        resources = ["${module.state_bucket.bucket_arn}/*"]
      },
      {
        sid       = "WriteOwnState"
        actions   = ["s3:PutObject", "s3:DeleteObject"]
        resources = ["${module.state_bucket.bucket_arn}/env:/${env}/*"]
      },
      {
        sid       = "StateBucket"
        actions   = ["s3:ListBucket"]
        resources = [module.state_bucket.bucket_arn]
      },
      {
        sid       = "StateLock"
        actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
        resources = [aws_dynamodb_table.locks.arn]
      },
      {
        # never GetSecretValue or PutSecretValue: values are set by an operator, not by deployments
        sid = "Secrets"
        actions = [
          "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret",
          "secretsmanager:UpdateSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:PutResourcePolicy",
          "secretsmanager:DeleteResourcePolicy", "secretsmanager:TagResource", "secretsmanager:UntagResource",
        ]
        resources = ["arn:aws:secretsmanager:*:${local.account}:secret:${var.project}-${env}/*"]
      },
      {
        sid = "Parameters"
        actions = [
          "ssm:PutParameter", "ssm:GetParameter", "ssm:GetParameters", "ssm:DeleteParameter",
          "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource",
        ]
        resources = ["arn:aws:ssm:*:${local.account}:parameter/${var.project}-${env}/*"]
      },
      {
        sid = "StateMachines"
        actions = [
          "states:CreateStateMachine", "states:DeleteStateMachine", "states:DescribeStateMachine",
          "states:UpdateStateMachine", "states:TagResource", "states:UntagResource", "states:ListTagsForResource",
        ]
        resources = ["arn:aws:states:*:${local.account}:stateMachine:${var.project}-${env}-*"]
      },
      {
        sid = "Schedules"
        actions = [
          "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:EnableRule", "events:DisableRule",
          "events:PutTargets", "events:RemoveTargets", "events:ListTargetsByRule", "events:ListTagsForResource",
          "events:TagResource", "events:UntagResource",
        ]
        resources = ["arn:aws:events:*:${local.account}:rule/${var.project}-${env}-*"]
      },
      {
        sid = "AlarmsAndDashboard"
        actions = [
          "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:ListTagsForResource",
          "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:PutDashboard", "cloudwatch:GetDashboard",
          "cloudwatch:DeleteDashboards",
        ]
        resources = [
          "arn:aws:cloudwatch:*:${local.account}:alarm:${var.project}-${env}-*",
          "arn:aws:cloudwatch::${local.account}:dashboard/${var.project}-${env}-*",
        ]
      },
      {
        # iam.report: list and metric reads name no resource on AWS (the canary's bake reads them too)
        sid = "ReadWithoutResource"
        actions = [
          "cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmsForMetric", "cloudwatch:GetMetricStatistics",
          "logs:DescribeLogGroups", "ssm:DescribeParameters", "kms:ListAliases",
        ]
        resources = ["*"]
      },
      {
        # iam.report: API Gateway names REST APIs by generated ids; its IAM actions are HTTP verbs on paths
        sid       = "RestApis"
        actions   = ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"]
        resources = ["arn:aws:apigateway:*::/restapis", "arn:aws:apigateway:*::/restapis/*", "arn:aws:apigateway:*::/tags/*"]
      },
      {
        # iam.report: a key's id is generated; CreateKey names no resource
        sid       = "CreateKeys"
        actions   = ["kms:CreateKey"]
        resources = ["*"]
      },
      {
        sid = "ManageKeys"
        actions = [
          "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:GetKeyRotationStatus",
          "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CreateAlias",
          "kms:DeleteAlias",
        ]
        resources = ["arn:aws:kms:*:${local.account}:key/*", "arn:aws:kms:*:${local.account}:alias/${var.project}-${env}-*"]
      },
    ]
  }
}

data "aws_iam_policy_document" "deploy" {
  for_each = toset(var.environments)

  dynamic "statement" {
    for_each = local.deploy_statements[each.key]
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "deploy" {
  for_each = toset(var.environments)

  name   = "deploy"
  role   = aws_iam_role.deploy[each.key].id
  policy = data.aws_iam_policy_document.deploy[each.key].json
}
