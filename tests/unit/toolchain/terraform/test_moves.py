"""infra/moved.json read, and carried out only where a state still needs it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from toolchain.errors import ToolchainError
from toolchain.terraform.moves import Move, addresses_in, carry_out, load_moves

ROOT = Path(__file__).resolve().parents[4]


class FakeProject:
    """`terraform state list` answers from a set; `state mv` changes it as Terraform would."""

    def __init__(self, addresses: set[str] | None) -> None:
        self.addresses = addresses
        self.calls: list[list[str]] = []

    def run(self, args: list[str], *, capture: bool = False, check: bool = True) -> subprocess.CompletedProcess:
        self.calls.append(args)
        if self.addresses is None:
            return subprocess.CompletedProcess(args, 1, "", "No state file was found!")
        if args[:2] == ["state", "mv"]:
            source, target = args[-2:]
            self.addresses = {target + a[len(source) :] if a == source or a.startswith(source + ".") else a
                              for a in self.addresses}  # fmt: skip
        return subprocess.CompletedProcess(args, 0, "\n".join(sorted(self.addresses)), "")


MOVES = [
    Move("aws_dynamodb_table.users", "module.users_table.aws_dynamodb_table.this"),
    Move("module.order_alerts_queue", "module.order_alerts.module.queue"),
]


def test_old_addresses_are_moved_module_and_all() -> None:
    project = FakeProject({"aws_dynamodb_table.users", "module.order_alerts_queue.aws_sqs_queue.this",
                           "module.order_alerts_queue.aws_sqs_queue.dead_letter[0]", "aws_s3_bucket.uploads"})  # fmt: skip
    assert carry_out(project, MOVES) == MOVES
    assert project.addresses == {"module.users_table.aws_dynamodb_table.this", "aws_s3_bucket.uploads",
                                 "module.order_alerts.module.queue.aws_sqs_queue.this",
                                 "module.order_alerts.module.queue.aws_sqs_queue.dead_letter[0]"}  # fmt: skip


def test_a_move_already_made_or_never_needed_is_not_made_again() -> None:
    project = FakeProject({"module.users_table.aws_dynamodb_table.this", "aws_s3_bucket.uploads"})
    assert carry_out(project, MOVES) == []
    assert [c for c in project.calls if c[:2] == ["state", "mv"]] == []


def test_a_state_read_by_the_caller_is_used_instead_of_asking_terraform() -> None:
    project = FakeProject({"module.users_table.aws_dynamodb_table.this"})  # what Terraform would say
    state = {"resources": [{"mode": "managed", "type": "aws_dynamodb_table", "name": "users",
                            "instances": [{"attributes": {}}]}]}  # fmt: skip
    assert carry_out(project, MOVES, state) == MOVES[:1]
    assert project.calls == [["state", "mv", "-lock-timeout=120s", MOVES[0].source, MOVES[0].target]]


def test_addresses_are_read_from_a_state_as_terraform_lists_them() -> None:
    state = {"version": 4, "resources": [
        {"mode": "data", "type": "aws_caller_identity", "name": "current", "instances": [{}]},
        {"module": "module.workflow_steps[\"workflow-notify\"]", "mode": "managed", "type": "aws_lambda_function",
         "name": "this", "instances": [{}]},
        {"module": "module.api", "mode": "managed", "type": "aws_api_gateway_integration", "name": "this",
         "each": "map", "instances": [{"index_key": "ANY /users/{userId}"}, {"index_key": "GET /orders"}]},
        {"module": "module.queue", "mode": "managed", "type": "aws_sqs_queue", "name": "dead_letter", "each": "list",
         "instances": [{"index_key": 0}]},
        {"mode": "managed", "type": "aws_sns_topic", "name": "gone", "instances": []},
    ]}  # fmt: skip
    assert addresses_in(state) == {
        "data.aws_caller_identity.current",
        'module.workflow_steps["workflow-notify"].aws_lambda_function.this',
        'module.api.aws_api_gateway_integration.this["ANY /users/{userId}"]',
        'module.api.aws_api_gateway_integration.this["GET /orders"]',
        "module.queue.aws_sqs_queue.dead_letter[0]",
    }


def test_a_workspace_without_state_has_nothing_to_move() -> None:
    assert carry_out(FakeProject(None), MOVES) == []


def test_a_malformed_moves_file_is_refused_with_its_shape(tmp_path: Path) -> None:
    (tmp_path / "moved.json").write_text(json.dumps({"moves": [{"from": "a"}]}))
    with pytest.raises(ToolchainError, match="not a list of moves") as raised:
        load_moves(tmp_path)
    assert '"from": "<old address>"' in str(raised.value.hint)


def test_no_moves_file_is_no_moves(tmp_path: Path) -> None:
    assert load_moves(tmp_path) == []


@pytest.mark.documents("terraform.md", "Addresses are kept across renames, or moved in the state")
def test_every_listed_move_leaves_an_address_infra_no_longer_declares_for_one_it_does() -> None:
    """A move onto an undeclared address would take a resource out of Terraform's sight; a move from
    a declared one would fight the HCL over it."""
    declared = "".join(p.read_text() for p in (ROOT / "infra").glob("*.tf"))

    def declares(address: str) -> bool:
        kind, name = address.split(".")[:2]
        return (f'module "{name}"' if kind == "module" else f'resource "{kind}" "{name}"') in declared

    for move in load_moves(ROOT / "infra"):
        assert declares(move.target) and not declares(move.source), move
