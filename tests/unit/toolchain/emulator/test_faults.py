"""Fault rules as `invoke chaos` and the control API take them, and the draws a seed fixes."""

from __future__ import annotations

import pytest

from toolchain.emulator.faults import FaultError, Faults, Rule


def test_a_rule_reads_as_service_kind_rate_and_ms() -> None:
    assert Rule.parse("dynamodb:throttle:0.05") == Rule("dynamodb", "throttle", 0.05)
    assert Rule.parse(" s3:latency:0.1:250 ") == Rule("s3", "latency", 0.1, 250)
    for bad, reason in (("dynamodb", "service:kind:rate"), ("s3:error:often", "a number from 0 to 1"),
                        ("s3:error:1.5", "a rate is from 0 to 1"), ("lambda:error:0.1", "injected into")):  # fmt: skip
        with pytest.raises(FaultError, match=reason):
            Rule.parse(bad)


def test_each_service_draws_its_own_sequence_whatever_the_interleaving() -> None:
    rules = [Rule("dynamodb", "error", 0.3), Rule("sqs", "throttle", 0.3)]
    alone, mixed = Faults(), Faults()
    alone.configure(5, rules, functions_only=True)
    mixed.configure(5, rules, functions_only=True)
    dynamodb_alone = [bool(alone.decide("dynamodb")) for _ in range(100)]
    dynamodb_mixed = []
    for _ in range(100):
        mixed.decide("sqs")  # another service's requests in between change nothing of DynamoDB's
        dynamodb_mixed.append(bool(mixed.decide("dynamodb")))
    assert dynamodb_alone == dynamodb_mixed and 15 <= sum(dynamodb_alone) <= 45
    assert alone.decide("s3") == [] and "s3" not in {s for s, _n, _k in alone.injected}  # no rule: no draw
