"""The weighted draw of an alias and the Resource dimension of an invocation."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from toolchain.emulator.awslambda.routing import name_and_qualifier, pick, resource, weights


@pytest.mark.parametrize(
    ("draw", "version"),
    [(0.0, "8"), (0.0999, "8"), (0.1, "7"), (0.5, "7"), (0.9999, "7")],
)
@pytest.mark.documents("emulator.md", "Versions, aliases, weights")
def test_a_draw_below_the_additional_weight_runs_the_additional_version(draw: float, version: str) -> None:
    assert pick("7", {"8": 0.1}, draw) == version


def test_no_weights_always_run_the_primary_version() -> None:
    assert {pick("3", {}, d / 10) for d in range(10)} == {"3"}


def test_weights_are_read_from_the_routing_config_whatever_their_json_types() -> None:
    alias = SimpleNamespace(routing_config={"AdditionalVersionWeights": {8: "0.25"}})
    assert weights(alias) == {"8": 0.25}
    assert weights(SimpleNamespace(routing_config=None)) == {}


@pytest.mark.parametrize(
    ("given", "qualifier", "expected"),
    [
        ("orders", None, ("orders", None)),
        ("orders:live", None, ("orders", "live")),
        ("orders", "live", ("orders", "live")),
        ("arn:aws:lambda:us-east-1:123456789012:function:orders", None, ("orders", None)),
        ("arn:aws:lambda:us-east-1:123456789012:function:orders:live", "7", ("orders", "live")),
    ],
)
def test_a_name_or_arn_gives_the_function_and_the_qualifier(given: str, qualifier: str | None, expected) -> None:
    assert name_and_qualifier(given, qualifier) == expected


def test_the_resource_dimension_names_the_alias_or_version_invoked_and_none_for_latest() -> None:
    assert resource(SimpleNamespace(function_name="f", version="4", invoked_alias="live")) == "f:live"
    assert resource(SimpleNamespace(function_name="f", version="4")) == "f:4"
    assert resource(SimpleNamespace(function_name="f", version="$LATEST")) is None


@pytest.mark.documents("emulator.md", "Provisioned concurrency")
def test_provisioned_environments_are_split_over_an_alias_s_versions_by_weight() -> None:
    from toolchain.emulator.awslambda.provisioned import split

    assert split("7", {}, 4) == {"7": 4}
    assert split("7", {"8": 0.5}, 4) == {"8": 2, "7": 2}
    assert split("7", {"8": 0.1}, 2) == {"7": 2}  # a tenth of two rounds to none
    assert split("7", {"8": 1.0}, 3) == {"8": 3}
