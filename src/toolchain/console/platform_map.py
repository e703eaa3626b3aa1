"""A map of the platform drawn from its Terraform state: what triggers each function, and what each
function reads, writes or fails over to.

Everything comes from the resources Terraform recorded, so the map shows what was deployed, not what
a diagram once said: event source mappings, bucket notifications, schedule targets, topic
subscriptions, API integrations and authorizers, the state machine's Lambda tasks (triggers); the
statements of each function's role policy and its on-failure destinations (uses).
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolchain.terraform.state import instances

# Terraform type -> (the node's kind, its ARN attribute, its name attribute)
_NODES = {
    "aws_lambda_function": ("function", "arn", "function_name"),
    "aws_dynamodb_table": ("table", "arn", "name"),
    "aws_sqs_queue": ("queue", "arn", "name"),
    "aws_sns_topic": ("topic", "arn", "name"),
    "aws_s3_bucket": ("bucket", "arn", "bucket"),
    "aws_kinesis_stream": ("stream", "arn", "name"),
    "aws_cloudwatch_event_rule": ("schedule", "arn", "name"),
    "aws_sfn_state_machine": ("workflow", "arn", "name"),
    "aws_secretsmanager_secret": ("secret", "arn", "name"),
    "aws_ssm_parameter": ("parameter", "arn", "name"),
}
_FUNCTION_ARN = re.compile(r"arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+")
_WRITES = re.compile(r":(Put|Update|Delete|Write|Send|Publish|Start|BatchWrite|Transact)", re.IGNORECASE)


def _function_of(arn: str) -> str:
    """A function's unqualified ARN, from any of its ARNs (alias-qualified, or inside an API's URI)."""
    found = _FUNCTION_ARN.search(arn or "")
    return found.group(0) if found else arn


def _first(value: Any) -> dict[str, Any]:
    return value[0] if isinstance(value, list) and value and isinstance(value[0], dict) else {}


class _Map:
    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, str]] = {}
        self.edges: dict[tuple[str, str, str], dict[str, str]] = {}

    def node(self, node_id: str, kind: str, label: str) -> None:
        self.nodes.setdefault(node_id, {"id": node_id, "kind": kind, "label": label})

    def edge(self, source: str, target: str, kind: str, detail: str = "") -> None:
        if source not in self.nodes or target not in self.nodes or source == target:
            return
        known = self.edges.setdefault((source, target, kind), {"from": source, "to": target, "kind": kind,
                                                               "detail": detail})  # fmt: skip
        if detail == "writes":  # a role that reads and writes a table writes it
            known["detail"] = detail

    def resolve(self, arn: str) -> str | None:
        """The node an ARN (or an ARN pattern of a policy) names: itself, its function, its table (an
        index, a stream), its bucket (an object key)."""
        if arn in self.nodes:
            return arn
        function = _function_of(arn)
        if function in self.nodes:
            return function
        base = arn.split("/index/")[0].split("/stream/")[0]
        if base in self.nodes:
            return base
        if arn.startswith("arn:aws:s3:::"):
            bucket = "arn:aws:s3:::" + arn[len("arn:aws:s3:::") :].split("/", 1)[0]
            return bucket if bucket in self.nodes else None
        if arn.startswith("arn:aws:secretsmanager:"):  # a policy names a secret by its name and "-*"
            return next((n for n in self.nodes if n.startswith(arn.rstrip("*").rstrip("-?"))), None)
        return None


def platform_map(state: dict[str, Any]) -> dict[str, Any]:
    """Nodes (id, kind, label) and edges (from, to, kind: trigger | uses | on_failure, detail)."""
    found = _Map()
    for kind, (node_kind, arn_key, name_key) in _NODES.items():
        for attributes in instances(state, kind):
            if attributes.get(arn_key):
                found.node(str(attributes[arn_key]), node_kind, str(attributes.get(name_key) or attributes[arn_key]))
    apis = {str(a["id"]): str(a.get("name") or a["id"]) for a in instances(state, "aws_api_gateway_rest_api")}
    for api_id, name in apis.items():
        found.node(f"api:{api_id}", "api", name)
    functions_by_role = {str(a.get("role", "")).rsplit("/", 1)[-1]: str(a["arn"])
                         for a in instances(state, "aws_lambda_function") if a.get("arn")}  # fmt: skip
    rules = {str(a.get("name")): str(a.get("arn")) for a in instances(state, "aws_cloudwatch_event_rule")}
    buckets = {str(a.get("bucket")): str(a.get("arn")) for a in instances(state, "aws_s3_bucket")}

    # -- what triggers what ------------------------------------------------------------------------
    for mapping in instances(state, "aws_lambda_event_source_mapping"):
        source = found.resolve(str(mapping.get("event_source_arn") or ""))
        function = _function_of(str(mapping.get("function_name") or ""))
        if source:
            found.edge(source, function, "trigger", "event source mapping")
        failure = _first(_first(mapping.get("destination_config")).get("on_failure")).get("destination_arn")
        if failure and found.resolve(str(failure)):
            found.edge(function, str(found.resolve(str(failure))), "on_failure", "failed batches")
    for notification in instances(state, "aws_s3_bucket_notification"):
        bucket = buckets.get(str(notification.get("bucket")))
        for kind, key in (("lambda_function", "lambda_function_arn"), ("queue", "queue_arn"), ("topic", "topic_arn")):
            for entry in notification.get(kind) or []:
                target = found.resolve(str(entry.get(key) or ""))
                if bucket and target:
                    found.edge(bucket, target, "trigger", f"{entry.get('filter_prefix') or ''}*".lstrip())
    for target in instances(state, "aws_cloudwatch_event_target"):
        rule, arn = rules.get(str(target.get("rule"))), found.resolve(str(target.get("arn") or ""))
        if rule and arn:
            found.edge(rule, arn, "trigger", "schedule")
    for subscription in instances(state, "aws_sns_topic_subscription"):
        endpoint = found.resolve(str(subscription.get("endpoint") or ""))
        if endpoint:
            found.edge(str(subscription.get("topic_arn")), endpoint, "trigger", str(subscription.get("protocol", "")))
    for kind, key in (("aws_api_gateway_integration", "uri"), ("aws_api_gateway_authorizer", "authorizer_uri")):
        for integration in instances(state, kind):
            found.edge(f"api:{integration.get('rest_api_id')}", _function_of(str(integration.get(key) or "")),
                       "trigger", "authorizer" if "authorizer" in kind else "route")  # fmt: skip
    for machine in instances(state, "aws_sfn_state_machine"):
        for task in sorted(set(_FUNCTION_ARN.findall(str(machine.get("definition") or "")))):
            found.edge(str(machine.get("arn")), task, "trigger", "task")

    # -- what each function uses ---------------------------------------------------------------------
    for policy in instances(state, "aws_iam_role_policy"):
        function = functions_by_role.get(str(policy.get("role")))
        if function is None:
            continue
        try:
            statements = json.loads(str(policy.get("policy") or "{}")).get("Statement") or []
        except ValueError:
            continue
        for statement in statements if isinstance(statements, list) else [statements]:
            if statement.get("Effect") != "Allow":
                continue
            actions = statement.get("Action") or []
            actions = [actions] if isinstance(actions, str) else actions
            resources = statement.get("Resource") or []
            for resource in [resources] if isinstance(resources, str) else resources:
                target = found.resolve(str(resource))
                if target and found.nodes[target]["kind"] != "function":
                    writes = any(_WRITES.search(f":{a.split(':', 1)[-1]}") for a in actions)
                    found.edge(function, target, "uses", "writes" if writes else "reads")
    for config in instances(state, "aws_lambda_function_event_invoke_config"):
        failure = _first(_first(config.get("destination_config")).get("on_failure")).get("destination")
        function = found.resolve(str(config.get("function_name") or ""))
        if function is None:
            function = next((n for n, v in found.nodes.items() if v["kind"] == "function"
                             and v["label"] == config.get("function_name")), None)  # fmt: skip
        if failure and function and found.resolve(str(failure)):
            found.edge(function, str(found.resolve(str(failure))), "on_failure", "failed events")
    # a role's grant to send to its own failure destination is that destination, not a second arrow
    failures = {(e["from"], e["to"]) for e in found.edges.values() if e["kind"] == "on_failure"}
    edges = {k: e for k, e in found.edges.items() if not (e["kind"] == "uses" and (e["from"], e["to"]) in failures)}
    connected = {e["from"] for e in edges.values()} | {e["to"] for e in edges.values()}
    nodes = [n for n in found.nodes.values() if n["id"] in connected or n["kind"] == "function"]
    return {"nodes": sorted(nodes, key=lambda n: (n["kind"], n["label"])),
            "edges": sorted(edges.values(), key=lambda e: (e["from"], e["to"], e["kind"]))}  # fmt: skip
