"""The emulator's state on disk, without moto: the pickle and its blobs, the store's atomic files and
refusals, the gate that gives a checkpoint one instant, and named snapshots."""

from __future__ import annotations

import collections
import json
import threading
import time
import weakref
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from toolchain.emulator.persistence import pickling
from toolchain.emulator.persistence.gate import Gate, changes_state, gated_app, passes_freely
from toolchain.emulator.persistence.snapshots import Snapshots
from toolchain.emulator.persistence.store import FORMAT, Header, StateRefused, StateStore, runtime_versions
from toolchain.errors import ToolchainError

from .tables import hash_keyed_table


class Holder:
    """Stands for a moto model: plain attributes around what pickle cannot take by itself."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rlock = threading.RLock()
        self.by_name: collections.defaultdict[str, dict[str, int]] = collections.defaultdict(lambda: {})
        self.nested: collections.defaultdict[str, Any] = collections.defaultdict(lambda: collections.defaultdict(dict))
        self.code = b"\x00" * (pickling.BLOB_MIN + 1)
        self.small = b"tiny"


def _round_trip(value: Any, blobs: dict[str, bytes] | None = None) -> Any:
    blobs = {} if blobs is None else blobs
    body, used = pickling.dump(value, pickling.BlobCache(), blobs.__setitem__, {Holder})
    assert used == set(blobs)
    return pickling.load(body, blobs.__getitem__)


def test_locks_and_lambda_factories_come_back_working() -> None:
    holder = Holder()
    holder.by_name["a"]["x"] = 1
    holder.nested["t"]["k"]["v"] = 2
    with holder.lock:  # held while copied: the copy's own lock is a new, free one
        back = _round_trip(holder)
    assert back.lock.acquire(blocking=False) and back.rlock.acquire(blocking=False)
    assert back.by_name == {"a": {"x": 1}} and back.nested["t"]["k"] == {"v": 2}
    back.by_name["new"]["y"] = 3  # the factory still makes what the lambda made, separately each time
    back.nested["other"]["k"]["w"] = 4
    assert back.by_name["new"] == {"y": 3} and back.by_name["fresh"] == {} and back.nested["other"]["k"] == {"w": 4}
    assert _round_trip(back).by_name["new"] == {"y": 3}  # and what was loaded can be saved again


def test_large_values_are_blobs_written_once_and_shared() -> None:
    holder = Holder()
    holder.text = "é" * pickling.BLOB_MIN
    holder.code_dict = {"ZipFile": holder.code}  # the same value again, inside a dict: one blob
    state = {"one": holder, "beside": holder.code}  # held elsewhere than a holder: in the pickle itself
    blobs: dict[str, bytes] = {}
    writes: list[str] = []
    cache = pickling.BlobCache()

    def write(digest: str, data: bytes) -> None:
        writes.append(digest)
        blobs[digest] = data

    body, used = pickling.dump(state, cache, write, {Holder})
    # the code (once, though held twice) and the text are blobs; only the copy beside the holder is inline
    assert len(used) == 2 and len(writes) == 2 and pickling.BLOB_MIN < len(body) < pickling.BLOB_MIN + 4096
    body, used_again = pickling.dump(state, cache, write, {Holder})  # the next: known, not written or hashed
    assert used_again == used and len(writes) == 2
    back = pickling.load(body, blobs.__getitem__)
    assert back["one"].code == holder.code and back["one"].code_dict["ZipFile"] == holder.code
    assert back["one"].text == holder.text and back["beside"] == holder.code and back["one"].small == b"tiny"


def test_a_missing_blob_or_damaged_pickle_is_unreadable_not_a_traceback() -> None:
    body, _ = pickling.dump(Holder(), pickling.BlobCache(), lambda digest, data: None, {Holder})

    def missing(digest: str) -> bytes:
        raise pickling.StateUnreadable(f"blob {digest[:12]} is missing")

    with pytest.raises(pickling.StateUnreadable, match="is missing"):
        pickling.load(body, missing)
    with pytest.raises(pickling.StateUnreadable):
        pickling.load(body[: len(body) // 2], missing)


class Function:
    """Stands for a moto function, which moto also indexes by ARN in a WeakValueDictionary."""


def test_weak_indexes_and_private_keys_survive() -> None:
    functions = [Function(), Function()]
    index: weakref.WeakValueDictionary[str, Function] = weakref.WeakValueDictionary(
        {"arn:1": functions[0], "arn:2": functions[1]}
    )
    rsa_key = rsa.generate_private_key(65537, 2048)
    ec_key = ec.generate_private_key(ec.SECP384R1())
    back = _round_trip({"functions": functions, "index": index, "rsa": rsa_key, "ec": ec_key})
    assert back["index"]["arn:1"] is back["functions"][0] and back["index"]["arn:2"] is back["functions"][1]
    assert back["rsa"].private_numbers() == rsa_key.private_numbers()
    assert back["ec"].private_numbers() == ec_key.private_numbers()


# -- the store ---------------------------------------------------------------------------------------
def _header(**changes: Any) -> Header:
    moto, python = runtime_versions()
    return Header(**{"state_id": "s1", "saved_at": 1.0, "moto": moto, "python": python, **changes})


def test_a_checkpoint_is_replaced_whole_and_blobs_no_longer_named_are_removed(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state")
    store.write_blob("a" * 64, b"old code")
    store.save(_header(blobs=["a" * 64]), b"first", {"a" * 64})
    store.write_blob("b" * 64, b"new code")
    store.save(_header(state_id="s2", blobs=["b" * 64]), b"second", {"b" * 64})
    assert store.header().state_id == "s2" and store.body() == b"second"
    assert sorted(p.name for p in store.blobs.iterdir()) == ["b" * 64]
    assert not list(store.directory.rglob("*.tmp"))


@pytest.mark.documents("emulator.md", "A state it cannot load is refused")
@pytest.mark.parametrize(
    ("first_line", "reason"),
    [
        (b"not json", "damaged"),
        (json.dumps({"state_id": "x"}).encode(), "damaged"),
        (None, f"of format {FORMAT + 1}; this emulator reads {FORMAT}"),
        ("moto", "written by moto 0.0.1 on Python"),
    ],
)
def test_a_state_from_other_code_is_refused_with_what_to_do(tmp_path: Path, first_line: Any, reason: str) -> None:
    store = StateStore(tmp_path)
    if first_line is None:
        first_line = _header(format=FORMAT + 1).to_line()
    elif first_line == "moto":
        first_line = _header(moto="0.0.1").to_line()
    tmp_path.joinpath("checkpoint").write_bytes(first_line.rstrip(b"\n") + b"\nbody")
    with pytest.raises(StateRefused) as refused:
        store.header()
    assert reason in str(refused.value) and "`invoke up --fresh` starts an empty emulator" in str(refused.value)


# -- the gate ----------------------------------------------------------------------------------------
def test_a_closing_gate_waits_for_requests_in_flight_and_holds_new_ones() -> None:
    gate = Gate()
    order: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def request(name: str, started: threading.Event | None = None) -> None:
        with gate.passing():
            if started:
                started.set()
                release.wait(5)
            order.append(name)

    first = threading.Thread(target=request, args=("in flight", inside))
    first.start()
    inside.wait(5)
    closed = threading.Event()

    def checkpoint() -> None:
        with gate.closed(timeout=5) as quiet:
            order.append(f"checkpoint quiet={quiet}")
            closed.set()
            time.sleep(0.05)  # a request arriving now must wait for the copy to end
            order.append("checkpoint done")

    closer = threading.Thread(target=checkpoint)
    closer.start()
    release.set()
    closed.wait(5)
    late = threading.Thread(target=request, args=("arrived while closed",))
    late.start()
    for thread in (first, closer, late):
        thread.join(5)
    assert order == ["in flight", "checkpoint quiet=True", "checkpoint done", "arrived while closed"]
    assert gate.writes == 2


def test_a_gate_that_cannot_close_in_time_gives_up_and_opens_again() -> None:
    gate = Gate()
    stuck = gate.passing()
    stuck.__enter__()
    with gate.closed(timeout=0.05) as quiet:
        assert not quiet
    passed = threading.Event()
    threading.Thread(target=lambda: (gate.passing().__enter__(), passed.set())).start()
    assert passed.wait(5)  # open again: nothing waits behind a checkpoint that gave up
    stuck.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("environ", "changes"),
    [
        ({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.GetItem"}, False),
        ({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.Query"}, False),
        ({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem"}, True),
        ({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"}, True),  # (visibility)
        ({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "secretsmanager.GetSecretValue"}, False),
        ({"REQUEST_METHOD": "GET", "PATH_INFO": "/bucket/key"}, False),
        ({"REQUEST_METHOD": "PUT", "PATH_INFO": "/bucket/key"}, True),
        ({"REQUEST_METHOD": "POST", "QUERY_STRING": "Action=ListTopics&Version=2010-03-31"}, False),
        (
            {"REQUEST_METHOD": "POST", "PATH_INFO": "/service/GraniteServiceVersion20100801/operation/PutMetricData"},
            True,
        ),
    ],
)
def test_which_requests_change_state(environ: dict[str, str], changes: bool) -> None:
    assert changes_state(environ) is changes


def test_a_synchronous_invoke_is_not_held_by_the_gate() -> None:
    # its function's own AWS calls pass the gate while it waits: holding it would deadlock a checkpoint
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/2015-03-31/functions/platform-local-users/invocations"}
    assert passes_freely(environ)
    gate = Gate()
    app = gated_app(lambda env, start: [b"ran"], gate)
    with gate.closed(timeout=1) as quiet:
        assert quiet and app(environ, lambda *a: None) == [b"ran"]


# -- snapshots ---------------------------------------------------------------------------------------
def _platform(tmp_path: Path, state_id: str, content: bytes) -> Snapshots:
    store = StateStore(tmp_path / "emulator" / "state")
    store.write_blob("c" * 64, b"code " + content)
    store.save(_header(state_id=state_id, blobs=["c" * 64], summary={"tables": 1}), content, {"c" * 64})
    terraform = tmp_path / "tf" / "emulator"
    for relative, text in {"root/terraform.tfstate.d/dev/terraform.tfstate": content.decode(),
                           "root/.emulator-instance": state_id, "applied/dev.inputs": "inputs"}.items():  # fmt: skip
        (terraform / relative).parent.mkdir(parents=True, exist_ok=True)
        (terraform / relative).write_text(text)
    return Snapshots(tmp_path / "snapshots", store, terraform)


@pytest.mark.documents("emulator.md", "Snapshots")
def test_a_snapshot_brings_back_the_state_and_what_terraform_believed(tmp_path: Path) -> None:
    snapshots = _platform(tmp_path, "before", b"as it was")
    checkpoints: list[int] = []
    saved = snapshots.save("base", lambda: checkpoints.append(1))
    assert checkpoints == [1] and saved.environments == ["dev"] and saved.summary == {"tables": 1}
    with pytest.raises(ToolchainError, match="exists"):
        snapshots.save("base", None)
    # WHEN the platform changes (a new environment too) and the snapshot is loaded
    _platform(tmp_path, "after", b"changed")
    staging = tmp_path / "tf/emulator/root/terraform.tfstate.d/staging/terraform.tfstate"
    staging.parent.mkdir(parents=True)
    staging.write_text("made after the snapshot")
    snapshots.load("base")
    # THEN state, blobs, Terraform's states and their markers are the snapshot's, and nothing newer remains
    assert snapshots.state.header().state_id == "before" and snapshots.state.body() == b"as it was"
    assert snapshots.state.read_blob("c" * 64) == b"code as it was"
    assert (tmp_path / "tf/emulator/root/terraform.tfstate.d/dev/terraform.tfstate").read_text() == "as it was"
    assert (tmp_path / "tf/emulator/root/.emulator-instance").read_text() == "before"
    assert not staging.exists() and snapshots.environments() == ["dev"]
    assert [s.name for s in snapshots.list()] == ["base"]
    snapshots.delete("base")
    assert snapshots.list() == []


def test_a_snapshot_is_a_file_to_hand_over_and_is_checked_before_anything_changes(tmp_path: Path) -> None:
    snapshots = _platform(tmp_path, "mine", b"mine")
    handed = Path(snapshots.save("handed", None).path).rename(tmp_path / "from-a-colleague.snapshot")
    assert snapshots.check(str(handed)).state_id == "mine"
    # a snapshot from another moto is refused, and the present state is untouched
    other = tmp_path / "other.snapshot"
    with zipfile.ZipFile(handed) as source, zipfile.ZipFile(other, "w") as target:
        for entry in source.namelist():
            data = source.read(entry)
            if entry == "state/checkpoint":
                data = _header(moto="0.0.1", blobs=["c" * 64]).to_line() + b"body"
            target.writestr(entry, data)
    with pytest.raises(StateRefused, match="moto 0.0.1"):
        snapshots.load(str(other))
    assert snapshots.state.body() == b"mine"
    for bad, reason in (("../escape", "not a snapshot name"), ("absent", "no snapshot absent")):
        with pytest.raises(ToolchainError, match=reason):
            snapshots.check(bad)


def test_an_answer_that_waits_for_disk_asks_for_a_checkpoint_and_is_released_by_it() -> None:
    gate = Gate()
    with gate.passing():
        pass
    ticket = gate.ticket()
    assert ticket == 1 and not gate.await_demand(timeout=0.01)  # nobody waits: the clock decides
    released = threading.Event()
    waiter = threading.Thread(target=lambda: gate.await_durable(ticket, timeout=5) and released.set())
    waiter.start()
    assert gate.await_demand(timeout=5)  # the checkpoint's thread is woken at once
    assert not released.wait(0.05)  # not before it is on disk
    gate.saved(ticket)
    assert released.wait(5)
    waiter.join(5)
    assert not gate.await_durable(ticket + 1, timeout=0.01)  # a later one is not on disk yet: it times out


def _counting_writes() -> tuple[dict[str, bytes], list[str], Any]:
    blobs: dict[str, bytes] = {}
    writes: list[str] = []

    def write(digest: str, data: bytes) -> None:
        writes.append(digest)
        blobs[digest] = data

    return blobs, writes, write


def test_a_tables_items_are_copied_again_only_in_the_buckets_a_write_counted() -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType

    from toolchain.emulator.persistence.buckets import MIN_BUCKETS, PER_BUCKET, WHOLE, bucket_of, buckets

    backend = DynamoDBBackend("us-east-1", "123456789012")
    for name in ("hot", "cold"):
        hash_keyed_table(backend, name)
        for n in range(200):
            backend.put_item(name, {"pk": {"S": f"{name}-{n}"}})
    blobs, writes, write = _counting_writes()
    cache = pickling.BlobCache()
    pickling.dump(backend, cache, write)
    hot, cold = backend.tables["hot"], backend.tables["cold"]
    assert len(writes) == buckets(hot) + buckets(cold) and buckets(hot) > MIN_BUCKETS  # all, the first time
    # GIVEN a write the request path counts in its key's bucket (dynamodb/changes.py)
    backend.put_item("hot", {"pk": {"S": "new"}})
    setattr(hot, PER_BUCKET, {bucket_of(DynamoType({"S": "new"}), buckets(hot)): 1})
    del writes[:]
    body, used = pickling.dump(backend, cache, write)
    # THEN that bucket alone is copied again, and both tables come back whole
    assert len(writes) == 1 and used <= set(blobs)
    back = pickling.load(body, blobs.__getitem__)

    def keys(table: Any) -> set[str]:
        return {str(key.value) for key in table.items}

    assert keys(back.tables["hot"]) == {f"hot-{n}" for n in range(200)} | {"new"}
    assert keys(back.tables["cold"]) == {f"cold-{n}" for n in range(200)}
    assert type(back.tables["hot"]) is type(hot) and type(back.tables["hot"].items) is type(hot.items)
    # a change the request path could not place counts the whole table: all its buckets again
    setattr(hot, WHOLE, getattr(hot, WHOLE, 0) + 1)
    del writes[:]
    pickling.dump(backend, cache, write)
    assert len(writes) == buckets(hot)


def test_a_growing_table_is_split_into_more_buckets_and_comes_back_whole() -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType

    from toolchain.emulator.persistence.buckets import ITEMS_PER_BUCKET, PER_BUCKET, bucket_of, buckets

    backend = DynamoDBBackend("us-east-1", "123456789012")
    hash_keyed_table(backend, "big")
    many = 64 * ITEMS_PER_BUCKET * 2 + 1
    for n in range(many):
        backend.put_item("big", {"pk": {"S": f"k{n}"}})
    blobs, writes, write = _counting_writes()
    cache = pickling.BlobCache()
    pickling.dump(backend, cache, write)
    table = backend.tables["big"]
    assert buckets(table) == 256 and len(writes) == 256
    setattr(table, PER_BUCKET, {bucket_of(DynamoType({"S": "k7"}), buckets(table)): 1})
    del writes[:]
    body, _used = pickling.dump(backend, cache, write)
    assert len(writes) == 1
    assert len(pickling.load(body, blobs.__getitem__).tables["big"].items) == many


def test_long_lists_of_records_are_written_in_chunks_once() -> None:
    from moto.cloudwatch.models import CloudWatchBackend

    backend = CloudWatchBackend("us-east-1", "123456789012")
    datum = [{"MetricName": "Lag", "Value": float(n), "Unit": "Count"} for n in range(pickling.CHUNK * 2 + 7)]
    backend.put_metric_data("Platform", datum)
    blobs, writes, write = _counting_writes()
    cache = pickling.BlobCache()
    pickling.dump(backend, cache, write)
    assert len(writes) == 2  # two full chunks; the last seven are in the pickle itself
    backend.put_metric_data("Platform", [{"MetricName": "Lag", "Value": -1.0, "Unit": "Count"}])
    body, _used = pickling.dump(backend, cache, write)
    assert len(writes) == 2  # nothing of the chunks changed: nothing written again
    back = pickling.load(body, blobs.__getitem__)
    assert [m.value for m in back.metric_data] == [m.value for m in backend.metric_data]
    del backend.metric_data[:3]  # cut from the front, as retention does: other chunks, written once
    back = pickling.load(pickling.dump(backend, cache, write)[0], blobs.__getitem__)
    assert [m.value for m in back.metric_data] == [m.value for m in backend.metric_data] and len(writes) == 4


def test_an_objects_large_value_is_read_and_hashed_once() -> None:
    from moto.s3.models import S3Backend

    backend = S3Backend("us-east-1", "123456789012")
    try:
        backend.create_bucket("media", "us-east-1")
        value = bytes(range(256)) * (pickling.BLOB_MIN // 256 + 1)
        backend.put_object("media", "photo.jpg", value)
        blobs, writes, write = _counting_writes()
        cache = pickling.BlobCache()
        pickling.dump(backend, cache, write)
        key = backend.buckets["media"].keys["photo.jpg"]
        read = []
        original = type(key).value
        try:
            type(key).value = property(lambda k: read.append(1) or original.fget(k), original.fset)  # type: ignore[method-assign]
            body, used = pickling.dump(backend, cache, write)
        finally:
            type(key).value = original  # type: ignore[method-assign]
        assert read == [] and len(writes) == 1 and len(used) == 1
        assert pickling.load(body, blobs.__getitem__).buckets["media"].keys["photo.jpg"].value == value
        backend.put_object("media", "photo.jpg", value[::-1])  # a new put is a new key: read again
        back = pickling.load(pickling.dump(backend, cache, write)[0], blobs.__getitem__)
        assert back.buckets["media"].keys["photo.jpg"].value == value[::-1] and len(writes) == 2
    finally:
        # moto registers each bucket's name for the whole process: a later mock_aws test creating one
        # named alike would look for it in this backend's account and recurse forever
        backend.reset()
