"""The load profile users edit: the shipped one is complete, and every mistake is named with its place."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolchain.cost import profile
from toolchain.errors import ToolchainError

ROOT = Path(__file__).resolve().parents[4]
SHIPPED = ROOT / "profiles" / "platform.toml"

pytestmark = pytest.mark.documents("environments.md", "The load profile")


def test_the_shipped_profile_prices_every_entry_point_in_every_environment() -> None:
    loaded = profile.load(SHIPPED)
    workspaces = sorted(p.stem for p in (ROOT / "infra" / "workspaces").glob("*.tfvars"))
    assert sorted(loaded.traffic) == sorted({*workspaces, "emulator"})
    for env, traffic in loaded.traffic.items():
        assert set(traffic) == set(loaded.entry_points), env
    assert {e.kind for e in loaded.entry_points.values()} == set(profile.KINDS)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[entry_points.a]\nkind = "ftp"\n', "mine.toml: entry point 'a' has kind 'ftp'"),
        ('[entry_points.a]\nkind = "api"\nmethod = "GET"\n', "mine.toml: entry point 'a' (api) lacks path"),
        ('[entry_points.a]\nkind = "schedule"\nrule_output = "r"\ncolour = 1\n', "has unknown setting(s) colour"),
        ('[entry_points.a]\nkind = "schedule"\nrule_output = "r"\nrequests = 0\n', "requests must be a whole number"),
        (
            '[entry_points.a]\nkind = "schedule"\nrule_output = "r"\n[traffic.dev]\nb = 1\n',
            "[traffic.dev] names 'b', which is not an entry point",
        ),
        (
            '[entry_points.a]\nkind = "schedule"\nrule_output = "r"\n[traffic.dev]\na = -1\n',
            "[traffic.dev] a must be a whole number >= 0",
        ),
        ("[traffic.dev]\n", "lists no [entry_points.<name>]"),
        ("entry_points = [", "mine.toml is not valid TOML"),
    ],
)
def test_a_mistake_is_named_with_its_place(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(ToolchainError) as raised:
        profile.load(_write(tmp_path, text))
    assert said in str(raised.value)


def test_traffic_of_an_environment_it_does_not_list_says_what_to_add(tmp_path: Path) -> None:
    loaded = profile.load(_write(tmp_path, '[entry_points.a]\nkind = "schedule"\nrule_output = "r"\n'))
    with pytest.raises(ToolchainError) as raised:
        loaded.traffic_of("prod")
    assert "mine.toml has no traffic for prod" in str(raised.value) and "[traffic.prod]" in raised.value.hint


def test_requests_can_be_overridden_within_bounds() -> None:
    loaded = profile.with_requests(profile.load(SHIPPED), 1)
    assert {e.requests for e in loaded.entry_points.values()} == {1}
    with pytest.raises(ToolchainError, match="--requests must be from 1 to 1000"):
        profile.with_requests(loaded, 1001)
