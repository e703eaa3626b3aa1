"""Every change the emulator makes to moto, in one list: owner, what, why (patching.py applies them).

A new emulated behaviour is a module in its service's package and one row here. `CORRECTION` rows
make moto answer as AWS does and need nothing running (tests running moto in-process apply them
too); `EMULATION` rows need the emulator's parts (parts.py).
"""

from __future__ import annotations

from toolchain.emulator.apigateway.corrections import authorizers_keep_their_validation
from toolchain.emulator.apigateway.deployments import snapshots
from toolchain.emulator.awslambda.corrections import EventInvokeConfigs, shallow_copies
from toolchain.emulator.awslambda.invocations import run_in_workers, run_internally_in_workers
from toolchain.emulator.awslambda.limits import (
    environment_within_limit,
    invoke_async_within_limit,
    invoke_within_limit,
)
from toolchain.emulator.awslambda.routing import AliasInvocations, qualifier_param
from toolchain.emulator.cloudwatch.alarms import AlarmActions, alarm_history_answered
from toolchain.emulator.cloudwatch.metrics import ExactDimensions, exact_filter, percentiles
from toolchain.emulator.dispatching import modules_listed_once
from toolchain.emulator.dynamodb.corrections import atomic_requests, tolerant_comparison
from toolchain.emulator.dynamodb.limits import batch_writes_within_limit
from toolchain.emulator.dynamodb.transactions import ItemLevelTransactions, tables_are_not_copied
from toolchain.emulator.event_sources.mappings import PolledMappings
from toolchain.emulator.iam.conditions import bool_conditions, unmet_conditions_do_not_apply
from toolchain.emulator.iam.enforcement import authorise_calls, authorise_s3_calls
from toolchain.emulator.iam.resource_based import denies_are_judged_by_principal
from toolchain.emulator.iam.trust import checked_web_identity
from toolchain.emulator.kinesis.records import one_writer_per_shard, record_within_limit
from toolchain.emulator.patching import CORRECTION, EMULATION, Change, Override, Patch
from toolchain.emulator.s3.destinations import ValidatedDestinations
from toolchain.emulator.s3.limits import KeyLengths, metadata_checked_first, post_metadata_checked_first
from toolchain.emulator.s3.notifications import (
    events_name_the_version,
    notify_the_alias,
    queue_deliveries_allowed,
    topic_deliveries_allowed,
)
from toolchain.emulator.sns import limits as sns_limits
from toolchain.emulator.sns.delivery import publish_to_lambda
from toolchain.emulator.sqs import limits as sqs_limits
from toolchain.emulator.sqs.corrections import compact_redrive_policy
from toolchain.emulator.sqs.trace_header import MessagesKeepTheirTrace
from toolchain.emulator.stepfunctions.limits import input_within_limit
from toolchain.emulator.stepfunctions.tracing import (
    executions_run,
    header_on_task_clients,
    traced_end,
    traced_lambda_task,
    traced_start,
)
from toolchain.emulator.xray.api import TraceStoreApi

LAMBDA = "moto.awslambda.models:lambda_backends"
FUNCTION = "moto.awslambda.models:LambdaFunction"
SFN_TASKS = "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils"
SFN_EXECUTIONS = "moto.stepfunctions.parser.backend.execution"
AUTHORIZATION = "moto.core.authorization:ActionAuthenticatorMixin"

CHANGES: list[Change] = [
    # -- the HTTP server ------------------------------------------------------------------------------------
    Patch("server", "moto.backends", "list_of_moto_modules", modules_listed_once, EMULATION,
          why="moto listed its package directory under the dispatcher's lock on every request"),
    # -- Lambda: invocations run in worker processes, as Lambda routes them -------------------------------
    Patch("awslambda", FUNCTION, "invoke", run_in_workers, EMULATION,
          why="moto would start a container; the executor runs the zip, async invocations go through Lambda's queue"),
    Patch("awslambda", FUNCTION, "_invoke_lambda", run_internally_in_workers, EMULATION,
          why="moto's own integrations (Step Functions' tasks) invoke through it"),
    Override("awslambda", LAMBDA, AliasInvocations, EMULATION,
             why="an alias's invocation runs the version its weights draw (a canary), not its primary"),
    Patch("awslambda", "moto.awslambda.responses:LambdaResponse", "_get_param", qualifier_param,
          why="Invoke's Qualifier was read under another spelling: every qualified call ran $LATEST"),
    Override("awslambda", LAMBDA, EventInvokeConfigs,
             why="PutFunctionEventInvokeConfig replaces the configuration; moto appended and kept the first"),
    Patch("awslambda", FUNCTION, "__deepcopy__", shallow_copies,
          why="deep copies raced Terraform's parallel creates into 500s and failed applies"),
    # -- event source mappings: polled, not pushed --------------------------------------------------------
    Override("event_sources", LAMBDA, PolledMappings, EMULATION,
             why="Lambda polls streams and queues in batches; moto pushed inside the writes, one record at a time"),
    # -- S3 and SNS deliver to the alias, asynchronously ----------------------------------------------------
    Patch("s3", "moto.s3.notifications", "_invoke_awslambda", notify_the_alias, EMULATION,
          why="S3 invokes the alias asynchronously, as its permission allows; moto ran the primary version inline"),
    Patch("s3", "moto.s3.notifications", "_get_s3_event", events_name_the_version,
          why="S3's event names the object's version in a versioned bucket (versionId) and has a sequencer"),
    Override("s3", "moto.s3.models:s3_backends", ValidatedDestinations, EMULATION,
             why="S3 refuses a notification to a function, queue or topic whose policy refuses it; moto took any"),
    Patch("s3", "moto.s3.notifications", "_send_sqs_message", queue_deliveries_allowed, EMULATION,
          why="S3 sends to a queue only as its policy and key allow; moto sent to any"),
    Patch("s3", "moto.s3.notifications", "_send_sns_message", topic_deliveries_allowed, EMULATION,
          why="S3 publishes to a topic only as its policy and key allow; moto published to any"),
    Patch("sns", "moto.sns.models:Subscription", "publish", publish_to_lambda, EMULATION,
          why="SNS applies the filter policy and sends the real topic, id and attributes, asynchronously"),
    Patch("sns", "moto.sns.models:SNSBackend", "publish", sns_limits.publish_within_limit,
          why="a message is at most 256 KiB in UTF-8 with its attributes; moto counted the body's characters"),
    Patch("sns", "moto.sns.models:SNSBackend", "publish_batch", sns_limits.batches_within_limit,
          why="a PublishBatch is at most 256 KiB in all; moto checked each message alone"),
    # -- SQS -------------------------------------------------------------------------------------------------
    Patch("sqs", "moto.sqs.models:Queue", "attributes", compact_redrive_policy,
          why="RedrivePolicy is compact JSON on AWS; moto's spaces made aws 3.39 plan a change every time"),
    Patch("sqs", "moto.sqs.models:SQSBackend", "send_message", sqs_limits.messages_within_limit,
          why="a message's size is its body's UTF-8 bytes and its attributes; moto counted the body's characters"),
    Patch("sqs", "moto.sqs.models:SQSBackend", "send_message_batch", sqs_limits.batches_within_limit,
          why="the same for a whole SendMessageBatch (at most 1 MiB)"),
    Override("sqs", "moto.sqs.models:sqs_backends", MessagesKeepTheirTrace, EMULATION,
             why="a message keeps the trace it was sent in (AWSTraceHeader), so a trace crosses the queue"),
    # -- DynamoDB --------------------------------------------------------------------------------------------
    Patch("dynamodb", "moto.dynamodb.responses:DynamoHandler", "call_action", atomic_requests,
          why="a write is atomic to readers; moto's Scan could see an UpdateItem half applied"),
    Override("dynamodb", "moto.dynamodb.models:dynamodb_backends", ItemLevelTransactions,
             why="a cancelled transaction puts back the items it touched; moto deep-copied whole tables per call"),
    Patch("dynamodb", "moto.dynamodb.models", "copy", tables_are_not_copied,
          why="inside a transaction moto's table backup is the table itself (the items are kept instead)"),
    *(
        Patch("dynamodb", f"moto.dynamodb.comparisons:{operator}", "expr", tolerant_comparison,
              why="comparing a number with a string is false in DynamoDB; moto's TypeError failed the Scan")
        for operator in ("OpLessThan", "OpLessThanOrEqual", "OpGreaterThan", "OpGreaterThanOrEqual")
    ),
    # -- limits AWS enforces on a request ------------------------------------------------------------------------
    *(
        Patch("s3", "moto.s3.responses:S3Response", method, metadata_checked_first,
              why="S3 refuses more than 2 KB of user metadata (MetadataTooLarge); moto stored any amount")
        for method in ("put_object", "copy_object")
    ),
    Patch("s3", "moto.s3.responses:S3Response", "_key_response_post", post_metadata_checked_first,
          why="CreateMultipartUpload's metadata has the same 2 KB limit"),
    Override("s3", "moto.s3.models:s3_backends", KeyLengths,
             why="S3 refuses keys over 1,024 bytes (KeyTooLongError); moto stored them"),
    Patch("dynamodb", "moto.dynamodb.responses:DynamoHandler", "batch_write_item", batch_writes_within_limit,
          why="BatchWriteItem takes 1 to 25 requests; moto wrote any number"),
    Patch("kinesis", "moto.kinesis.models:KinesisBackend", "put_record", record_within_limit,
          why="a record is at most 1 MiB; moto checked PutRecords only"),
    Patch("kinesis", "moto.kinesis.models:Shard", "put_record", one_writer_per_shard,
          why="concurrent writers took the same sequence number and one record silently replaced the other"),
    Patch("stepfunctions", "moto.stepfunctions.responses:StepFunctionResponse", "start_execution", input_within_limit,
          why="an execution's input is at most 256 KiB; moto started any"),
    Patch("awslambda", "moto.awslambda.responses:LambdaResponse", "invoke", invoke_within_limit,
          why="Invoke's payload is at most 6 MB synchronous, 1 MB asynchronous (413); moto ran any"),
    Patch("awslambda", "moto.awslambda.responses:LambdaResponse", "invoke_async", invoke_async_within_limit,
          why="InvokeAsync's payload is at most 1 MB (413); moto ran any"),
    *(
        Patch("awslambda", "moto.awslambda.responses:LambdaResponse", method, environment_within_limit,
              why="a function's environment variables are at most 4 KB; moto stored any amount")
        for method in ("create_function", "update_function_configuration")
    ),
    # -- IAM ---------------------------------------------------------------------------------------------------
    Patch("iam", "moto.iam.access_control:IAMPolicyStatement", "_check_conditions", bool_conditions,
          why="Bool conditions are evaluated (aws:SecureTransport is true for the emulator's TLS stand-in)"),
    Patch("iam", "moto.iam.access_control:IAMPolicyStatement", "is_action_permitted", unmet_conditions_do_not_apply,
          why="a statement whose condition does not hold does not apply; moto denied"),
    Patch("iam", AUTHORIZATION, "_authenticate_and_authorize_normal_action", authorise_calls, EMULATION,
          why="a function's call is judged by its role's policies on the resources it names; moto checked all or none"),
    Patch("iam", AUTHORIZATION, "_authenticate_and_authorize_s3_action", authorise_s3_calls, EMULATION,
          why="the same for S3's buckets and objects"),
    Patch("iam", "moto.s3.models:FakeBucket", "get_permission", denies_are_judged_by_principal, EMULATION,
          why="a bucket policy's Deny applies to the principals it names, as AccessDenied; moto denied every "
              "caller with an empty 403"),
    Patch("iam", "moto.sts.responses:TokenResponse", "assume_role_with_web_identity", checked_web_identity, EMULATION,
          why="a role is assumed only as its trust policy admits the token's issuer and claims; moto issued any"),
    # -- CloudWatch --------------------------------------------------------------------------------------------
    Override("cloudwatch", "moto.cloudwatch.models:cloudwatch_backends", ExactDimensions,
             why="GetMetricStatistics matches dimensions exactly; moto added the alias's and versions' datapoints"),
    Patch("cloudwatch", "moto.cloudwatch.models:MetricDatumBase", "filter", exact_filter,
          why="the datum side of exact dimensions"),
    Patch("cloudwatch", "moto.cloudwatch.models:Statistics", "get_statistics_for_type", percentiles,
          why="GetMetricData answers percentile statistics (p99); moto answered none"),
    Override("cloudwatch", "moto.cloudwatch.models:cloudwatch_backends", AlarmActions, EMULATION,
             why="a state change notifies the new state's SNS actions; moto changed state silently"),
    Patch("cloudwatch", "moto.cloudwatch.responses:CloudWatchResponse", "describe_alarm_history",
          alarm_history_answered, why="DescribeAlarmHistory lists an alarm's state changes; moto had no such call"),
    # -- API Gateway -------------------------------------------------------------------------------------------
    Patch("apigateway", "moto.apigateway.models:RestAPI", "create_deployment", snapshots,
          why="a deployment freezes the API; a stage serves its deployment's snapshot, not the live API"),
    Patch("apigateway", "moto.apigateway.models:RestAPI", "create_authorizer", authorizers_keep_their_validation,
          why="an authorizer keeps its identityValidationExpression; moto dropped it under a misspelt name"),
    # -- X-Ray and Step Functions --------------------------------------------------------------------------------
    Override("xray", "moto.xray.models:xray_backends", TraceStoreApi, EMULATION,
             why="the X-Ray API reads and writes the traces the emulator collects"),
    Patch("stepfunctions", "moto.core.config", "default_user_config", executions_run, EMULATION,
          why="executions run their Lambda tasks for real instead of returning canned output"),
    Patch("stepfunctions", f"{SFN_EXECUTIONS}:Execution", "start", traced_start, EMULATION,
          why="a sampled execution writes its segment, as Step Functions does"),
    Patch("stepfunctions", f"{SFN_EXECUTIONS}:BaseExecutionWorkerCommunication", "terminated", traced_end,
          EMULATION, why="the execution's segment, with a subsegment per state, is stored when it ends"),
    Patch("stepfunctions", SFN_TASKS, "execute_lambda_function_integration", traced_lambda_task, EMULATION,
          why="a Lambda task runs inside its state's subsegment"),
    Patch("stepfunctions", SFN_TASKS, "boto_client_for", header_on_task_clients, EMULATION,
          why="the task's call carries the trace header into the function"),
]  # fmt: skip

CORRECTIONS_ONLY = (CORRECTION,)
EVERYTHING = (CORRECTION, EMULATION)


def apply_corrections() -> int:
    """The CORRECTION rows, in this process (tests that run moto in-process meet AWS's answers too)."""
    from toolchain.emulator.patching import APPLIED

    return APPLIED.apply(CHANGES, None, kinds=CORRECTIONS_ONLY)
