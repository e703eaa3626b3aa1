"""What keeping the emulator's state on disk costs on the hot paths: the same requests against two
emulators started alike, one persisting (checkpoints on its clock, as `invoke up` runs it) and one
with EMULATOR_PERSIST=0, interleaved round by round, on a table that has grown to TABLE_ITEMS;
then the same with EMULATOR_DURABILITY=answer (each changing request answered once on disk) on a
table of the platform's own size.

Each round is a burst of the platform's hot requests from CLIENTS threads: DynamoDB PutItem,
UpdateItem and GetItem, SQS SendMessage/ReceiveMessage/DeleteMessage, S3 PutObject (8 KB). The
figure is the mean latency per request over every round; p99 is shown beside it, as a checkpoint
pauses the requests that arrive while it copies.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness import interleaved, percentile, result, table

from toolchain.emulator.clients import emulator_client
from toolchain.emulator.control import EmulatorControl

TABLE_ITEMS = int(os.environ.get("BENCH_PERSIST_ITEMS", "100000"))
CLIENTS = 4
PER_ROUND = 240  # requests per round, over all clients
ROUNDS = 12
ANSWER_ITEMS = 2_000
ANSWER_ROUNDS = 6


@contextmanager
def emulator(directory: Path, **settings: str) -> Iterator[str]:
    """An emulator of its own, started with these EMULATOR_* settings (restored after its start)."""
    previous = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    control = EmulatorControl(directory)
    try:
        info, _ = control.start()
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    try:
        yield info.endpoint
    finally:
        control.stop()


def _seed(endpoint: str, items: int) -> dict[str, Any]:
    ddb, sqs, s3 = (emulator_client(n, endpoint) for n in ("dynamodb", "sqs", "s3"))
    ddb.create_table(TableName="users", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")  # fmt: skip
    batch: list[dict[str, Any]] = []
    for n in range(items):
        batch.append({"PutRequest": {"Item": {"pk": {"S": f"user-{n}"}, "name": {"S": f"User {n}"},
                                              "email": {"S": f"user{n}@example.com"}, "visits": {"N": "0"}}}})  # fmt: skip
        if len(batch) == 25:
            ddb.batch_write_item(RequestItems={"users": batch})
            batch = []
    if batch:
        ddb.batch_write_item(RequestItems={"users": batch})
    queue = sqs.create_queue(QueueName="work")["QueueUrl"]
    s3.create_bucket(Bucket="media-bench")
    return {"queue": queue}


def _burst(endpoint: str, seeded: dict[str, Any], latencies: list[float], items: int) -> Callable[[], float]:
    local: dict[int, dict[str, Any]] = {}

    def clients() -> dict[str, Any]:
        import threading

        key = threading.get_ident()
        if key not in local:
            local[key] = {n: emulator_client(n, endpoint) for n in ("dynamodb", "sqs", "s3")}
        return local[key]

    def one(n: int) -> None:
        c = clients()
        started = time.perf_counter()
        kind = n % 6
        if kind == 0:
            c["dynamodb"].put_item(TableName="users", Item={"pk": {"S": f"new-{time.time_ns()}"}, "name": {"S": "N"}})
        elif kind == 1:
            c["dynamodb"].update_item(TableName="users", Key={"pk": {"S": f"user-{n % items}"}},
                                      UpdateExpression="ADD visits :one",
                                      ExpressionAttributeValues={":one": {"N": "1"}})  # fmt: skip
        elif kind in (2, 3):
            c["dynamodb"].get_item(TableName="users", Key={"pk": {"S": f"user-{(n * 7919) % items}"}})
        elif kind == 4:
            c["sqs"].send_message(QueueUrl=seeded["queue"], MessageBody=f"job {n}")
            for message in c["sqs"].receive_message(QueueUrl=seeded["queue"]).get("Messages", []):
                c["sqs"].delete_message(QueueUrl=seeded["queue"], ReceiptHandle=message["ReceiptHandle"])
        else:
            c["s3"].put_object(Bucket="media-bench", Key=f"uploads/{n % 50}.jpg", Body=b"\xff" * 8192)
        latencies.append(time.perf_counter() - started)

    pool = ThreadPoolExecutor(CLIENTS)

    def run() -> float:
        started = time.perf_counter()
        list(pool.map(one, range(PER_ROUND)))
        return (time.perf_counter() - started) / PER_ROUND

    return run


def compare(label: str, settings: dict[str, str], items: int, rounds: int) -> dict[str, float]:
    """Mean ms per request on an emulator with `settings` against one with EMULATOR_PERSIST=0."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-persist-") as work,
        emulator(Path(work) / "on", EMULATOR_PERSIST="1", **settings) as on,
        emulator(Path(work) / "off", EMULATOR_PERSIST="0") as off,
    ):
        started = time.perf_counter()
        seeded = {"on": _seed(on, items), "off": _seed(off, items)}
        print(f"\nseeded {items:,} items in each emulator in {time.perf_counter() - started:.0f} s")
        latencies: dict[str, list[float]] = {"on": [], "off": []}
        interleaved({"on": _burst(on, seeded["on"], latencies["on"], items),
                     "off": _burst(off, seeded["off"], latencies["off"], items)}, rounds=rounds)  # fmt: skip
        state = EmulatorControl(Path(work) / "on").state()
    rows = []
    for name, row in (("on", label), ("off", "floor: EMULATOR_PERSIST=0")):
        values = latencies[name]
        rows.append([row, f"{1000 * sum(values) / len(values):.2f}", f"{1000 * percentile(values, 0.5):.2f}",
                     f"{1000 * percentile(values, 0.99):.2f}", f"{1000 * max(values):.0f}", len(values)])  # fmt: skip
    table(f"hot-path requests, {CLIENTS} clients, a table of {items:,} items",
          ["mean ms", "p50 ms", "p99 ms", "max ms", "requests"], rows)  # fmt: skip
    print(f"\nthe last checkpoint paused requests for {1000 * state['last_pause_s']:.0f} ms")
    return {name: 1000 * sum(v) / len(v) for name, v in latencies.items()}


def main() -> None:
    # The default: checkpoints on their clock, on a table as large as the load benchmark's
    clock = compare("persisting (checkpoints on their clock)", {}, TABLE_ITEMS, ROUNDS)
    # EMULATOR_DURABILITY=answer: every changing request waits for a checkpoint that holds it, on a
    # table of the platform's own size (each checkpoint copies every table: at 100,000 items, seconds)
    answer = compare("durable on answer (EMULATOR_DURABILITY=answer)", {"EMULATOR_DURABILITY": "answer"},
                     ANSWER_ITEMS, ANSWER_ROUNDS)  # fmt: skip
    print()
    result("persistence_hot_path_ms", clock["on"], clock["off"])
    result("persistence_on_answer_hot_path_ms", answer["on"], answer["off"])


if __name__ == "__main__":
    main()
