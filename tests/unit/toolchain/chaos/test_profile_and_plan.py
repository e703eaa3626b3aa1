"""The chaos profile as users edit it, and the plan a seed makes of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolchain.chaos import profile as profiles
from toolchain.chaos.plan import DISRUPTED_SPAN, make_plan
from toolchain.cli.chaos import seconds_of
from toolchain.errors import ToolchainError

ROOT = Path(__file__).resolve().parents[4]
SHIPPED = ROOT / "profiles" / "chaos.toml"
FUNCTIONS = ["authorizer", "checkout", "sessions", "thumbnails", "users", "worker"]


def test_the_shipped_profile_drives_every_entry_point_with_a_weight_and_says_where_it_ends() -> None:
    loaded = profiles.load(SHIPPED)
    assert "price-scrape" not in loaded.accounts  # weight 0: left out
    assert {"create-user", "place-order", "photo-upload", "csv-import", "order-record", "session-cleanup"} <= set(
        loaded.accounts
    )
    assert all(account.checks for account in loaded.accounts.values())
    assert {rule.service for rule in loaded.faults} == {"dynamodb", "s3", "sqs", "sns", "kinesis", "secretsmanager"}
    assert (loaded.worker_crashes, loaded.emulator_restarts) == (3, 1)


def _profile(tmp_path: Path, text: str) -> Path:
    (tmp_path / "platform.toml").write_text((ROOT / "profiles" / "platform.toml").read_text())
    path = tmp_path / "chaos.toml"
    path.write_text(text)
    return path


CHECK = '[[entry_points.get-user.checks]]\nkind = "answer"\nok = [200]\n'


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[entry_points.nope]\nweight = 1\n", "entry point 'nope' is not in the load profile"),
        ("[entry_points.get-user]\nweight = -1\n" + CHECK, "weight must be a number >= 0"),
        ("[entry_points.get-user]\nweight = 1\n", "has no [[entry_points.get-user.checks]]"),
        (
            '[entry_points.get-user]\n[[entry_points.get-user.checks]]\nkind = "psychic"\n',
            "a check's kind is 'psychic'",
        ),
        ('[entry_points.get-user]\n[[entry_points.get-user.checks]]\nkind = "item"\n', "lacks match, table_output"),
        ("[entry_points.get-user]\n" + CHECK + "colour = 1\n", "unknown setting(s) colour"),
        (
            '[entry_points.get-user]\n[[entry_points.get-user.checks]]\nkind = "item"\ntable_output = "t"\nmatch = 3\n',
            "match is a table of attribute = value",
        ),
        ('[run]\nfaults = ["dynamodb:melt:0.1"]\n[entry_points.get-user]\n' + CHECK, "a fault is one of throttle"),
        ("[run]\nclients = 0\n[entry_points.get-user]\n" + CHECK, "clients must be a whole number from 1 to 64"),
        ("[run]\nrate = true\n[entry_points.get-user]\n" + CHECK, "rate must be a number from 0.1 to 200.0"),
        ("[run]\nspeed = 3\n[entry_points.get-user]\n" + CHECK, "[run] has unknown setting(s) speed"),
        ("[entry_points.get-user]\nweight = 0\n" + CHECK, "drives nothing"),
        ("[entry_points.get-user\n", "is not valid TOML"),
    ],
)
def test_each_mistake_in_a_profile_is_named_with_its_place(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(ToolchainError) as refused:
        profiles.load(_profile(tmp_path, text))
    assert said in str(refused.value) + str(refused.value.hint)


def test_a_missing_profile_says_which_option_names_one(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError, match="no chaos profile at"):
        profiles.load(tmp_path / "none.toml")


def test_faults_on_the_command_line_replace_the_profiles() -> None:
    loaded = profiles.load(SHIPPED).with_faults(["s3:error:0.5"])
    assert [(r.service, r.kind, r.rate) for r in loaded.faults] == [("s3", "error", 0.5)]
    assert loaded.with_faults([]).faults == ()


def test_the_same_seed_makes_the_same_plan_and_another_seed_another() -> None:
    loaded = profiles.load(SHIPPED)
    first, again = make_plan(7, 60, loaded, FUNCTIONS), make_plan(7, 60, loaded, list(reversed(FUNCTIONS)))
    assert first == again and first.fingerprint() == again.fingerprint()
    other = make_plan(8, 60, loaded, FUNCTIONS)
    assert other.fingerprint() != first.fingerprint()
    assert [i.entry for i in other.inputs] != [i.entry for i in first.inputs]


def test_a_plan_sends_at_the_profiles_rate_by_weight_and_disrupts_inside_the_run() -> None:
    loaded = profiles.load(SHIPPED)
    plan = make_plan(3, 120, loaded, FUNCTIONS)
    assert len(plan.inputs) == round(120 * loaded.rate)
    assert [i.number for i in plan.inputs] == list(range(len(plan.inputs)))
    assert plan.inputs[-1].at < 120 and all(b.at > a.at for a, b in zip(plan.inputs, plan.inputs[1:], strict=False))
    counts = {name: sum(1 for i in plan.inputs if i.entry == name) for name in loaded.accounts}
    total_weight = sum(a.weight for a in loaded.accounts.values())
    for name, account in loaded.accounts.items():  # each near its share (720 draws)
        assert abs(counts[name] / len(plan.inputs) - account.weight / total_weight) < 0.05, (name, counts)
    kinds = [d.kind for d in plan.disruptions]
    assert sorted(kinds) == ["crash-workers"] * 3 + ["restart-emulator"]
    low, high = (120 * edge for edge in DISRUPTED_SPAN)
    assert all(low <= d.at <= high for d in plan.disruptions)
    assert {d.target for d in plan.disruptions if d.kind == "crash-workers"} <= set(FUNCTIONS)
    assert not [d for d in make_plan(3, 120, loaded, []).disruptions if d.kind == "crash-workers"]


@pytest.mark.parametrize(("text", "seconds"), [("2m", 120), ("90s", 90), ("1m30s", 90), ("45", 45), ("60m", 3600)])
def test_a_run_lasts_as_long_as_said(text: str, seconds: float) -> None:
    assert seconds_of(text) == seconds


@pytest.mark.parametrize("text", ["", "2h", "m", "0s", "61m", "1.5m", "-3"])
def test_a_length_that_is_no_duration_or_out_of_range_is_refused(text: str) -> None:
    with pytest.raises(ToolchainError, match="--for"):
        seconds_of(text)
