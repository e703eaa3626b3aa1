# The key for queues and topics that AWS services deliver into: SNS into the alert and failure queues,
# CloudWatch alarms into the alarms topic. An AWS managed key (alias/aws/sqs, alias/aws/sns) cannot
# be used there: its policy admits the account's own principals only and cannot be changed, so on AWS
# those deliveries fail silently. Queues and topics only functions write to keep the AWS managed keys.
# A customer managed key costs USD 1 a month per environment, plus its requests.
data "aws_iam_policy_document" "messaging_key" {
  # checkov:skip=CKV_AWS_111: a key policy: its "*" is this key alone, the account's statement is what lets IAM policies grant it at all, and the services' one is held to this account by aws:SourceAccount
  # checkov:skip=CKV_AWS_109: the same key policy: permissions management of this one key stays with its account
  # checkov:skip=CKV_AWS_356: in a key policy, "*" is the key the policy is attached to
  # iam.report: the account administers its own key (without it nobody could); IAM policies grant the rest
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "ServicesDeliverEncrypted"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com", "cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_kms_key" "messaging" {
  description             = "${local.prefix}: queues and topics that SNS and CloudWatch deliver into"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = data.aws_iam_policy_document.messaging_key.json
}

resource "aws_kms_alias" "messaging" {
  name          = "alias/${local.prefix}-messaging"
  target_key_id = aws_kms_key.messaging.key_id
}
