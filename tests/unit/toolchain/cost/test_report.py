"""The bill as people and machines read it."""

from __future__ import annotations

import json
from decimal import Decimal

from toolchain.cost import prices, report
from toolchain.cost.bill import SERVICE_NAMES, FunctionConfig, Resources, bill
from toolchain.cost.usage import EntryUsage, Measured

US_EAST_1 = prices.load("us-east-1")
EVERY_SERVICE = {
    "edge": {"apigateway.rest_requests": 1.0, "s3.tier1_requests": 1.0, "kinesis.put_payload_units": 1.0,
             "xray.traces_recorded": 1.0, "logs.ingested_bytes": 300.0},
    "users": {"lambda.requests": 1.0, "lambda.billed_ms": 20.0, "dynamodb.write_request_units": 2.0,
              "sqs.requests": 1.0, "sns.publishes": 1.0, "secretsmanager.api_calls": 0.1,
              "cloudwatch.api_requests": 1.0, "kms.requests": 1.0},
    "workflow": {"states.state_transitions": 3.0},
    "storage": {"dynamodb.stored_bytes": 500.0, "s3.stored_bytes": 80000.0},
}  # fmt: skip


def _bill() -> tuple[object, Measured]:
    measured = Measured("2026-12-07T10:00:00Z", "emulator", "0123456789abcdef" * 4, "platform.toml",
                        {"place-order": EntryUsage(10, 1, EVERY_SERVICE, ["ns|Orders|service=users"])})  # fmt: skip
    resources = Resources({"users": FunctionConfig(512, provisioned=1)}, shards=1, alarms=20, dashboards=1,
                          secrets=3, customer_keys=1, sqs_mappings=1)  # fmt: skip
    return bill(measured, {"place-order": 250_000}, resources, US_EAST_1, "prod"), measured


def test_the_text_names_every_service_each_entry_point_and_the_totals() -> None:
    result, measured = _bill()
    text = report.text(result, measured, US_EAST_1)
    for name in SERVICE_NAMES.values():
        assert f"\n{name} " in text, name
    # the answer first: the month's total, then what it rests on
    assert text.splitlines()[:2] == [f"prod: about {result.net_usd:,.2f} USD a month, after the always-free allowances.",
                                     "Prices: us-east-1's AWS list prices of 2025-06 (src/toolchain/cost/prices.json);"]  # fmt: skip
    assert "(manifest 0123456789ab)" in text
    assert "place-order" in text and "250,000" in text and "(1 failed while measured)" in text
    (total,) = [line for line in text.splitlines() if line.startswith("estimated a month")]
    assert total.split()[-1] == f"{result.net_usd:,.2f}"
    # the state machine's transitions (3 x 250,000 x $0.025/1,000) outweigh the function's own share
    assert "who pays (a month, before allowances): workflow 18.75, users " in text


def test_verbose_lists_every_unit() -> None:
    result, measured = _bill()
    short, full = report.text(result, measured, US_EAST_1), report.text(result, measured, US_EAST_1, verbose=True)
    assert "+1 more" in short and "+1 more" not in full
    assert "GB-s provisioned (x86_64)" in full


def test_the_json_adds_up() -> None:
    result, measured = _bill()
    found = json.loads(json.dumps(report.as_json(result, measured, US_EAST_1)))
    assert sum(Decimal(v) for v in found["services"].values()) == Decimal(found["gross_usd"])
    assert Decimal(found["net_usd"]) == Decimal(found["gross_usd"]) - Decimal(found["free_usd"])
    assert set(found["services"]) == set(SERVICE_NAMES)
    (entry,) = found["entry_points"]
    assert entry["name"] == "place-order" and entry["monthly_requests"] == 250_000
    assert Decimal(entry["monthly_usd"]) == Decimal(entry["per_1000_requests_usd"]) * 250
    assert found["prices"]["lambda"] == {"source": "https://aws.amazon.com/lambda/pricing/", "date": "2025-06"}
