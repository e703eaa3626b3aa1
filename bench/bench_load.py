"""The platform on the emulator under concurrent mixed load, on a users table grown to 100,000 items.

Each client runs the same seeded mix of the platform's entry points: reads and writes on the users
API (JWT authorizer, API Gateway, warm workers, DynamoDB), orders through `POST /orders` (checkout,
SQS, worker), records on the order stream and uploads to the media bucket (Kinesis and S3 deliver
to their functions while the load runs). The floor is the same mix as plain calls of the services
underneath, made on the same emulator by boto3 (GetItem, TransactWriteItems, SendMessage, PutRecord,
PutObject, none of them triggering a function): what the API, the authorizer and the functions add.

A read is of a user known to exist, so anything but 200 is a wrong answer, counted apart from errors.
"""

from __future__ import annotations

import io
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from harness import percentile, result, sandbox, table
from PIL import Image

from lambdas.services.users.model import User
from lambdas.services.users.repository import _claim, _item
from tests import tokens
from toolchain.emulator.clients import emulator_client

SEEDED_USERS = 50_000  # a user and its e-mail claim each: 100,000 items
CLIENTS = (1, 8, 32)
REQUESTS_PER_ROUND = 480
ROUNDS = 2
# The mix, out of 100: API reads, API writes, orders, stream records, uploads.
MIX = (("read", 60), ("write", 15), ("order", 10), ("record", 10), ("upload", 5))


@dataclass
class Outcomes:
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    wrong: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, error: str | None = None, wrong: bool = False) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors[error] += 1
            self.wrong += wrong


def main() -> None:
    with sandbox() as box:
        endpoint = box.endpoint()
        outputs = json.loads(box.invoke("outputs", "--json").stdout)
        measure(endpoint, outputs)


def _client(service: str, endpoint: str) -> Any:
    from botocore.config import Config

    return emulator_client(service, endpoint, config=Config(max_pool_connections=64, retries={"max_attempts": 1}))


def seed(ddb: Any, table_name: str) -> list[str]:
    """50,000 users written as the users API writes them, in batches, four at a time."""
    now = "2026-12-01T00:00:00Z"
    users = [User(uuid.uuid4().hex, f"Seed {n}", f"seed{n}@example.com", now, now) for n in range(SEEDED_USERS)]
    items = [entry for user in users for entry in (_item(user), _claim(user))]

    def write(start: int) -> None:
        pending = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        while pending:
            left = ddb.batch_write_item(RequestItems={table_name: pending}).get("UnprocessedItems", {})
            pending = left.get(table_name, [])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(0, len(items), 25)))
    return [user.user_id for user in users]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def measure(endpoint: str, outputs: dict[str, Any]) -> None:
    ddb, sqs, kinesis, s3 = (_client(s, endpoint) for s in ("dynamodb", "sqs", "kinesis", "s3"))
    users_table = outputs["users_table_name"]
    started = time.perf_counter()
    seeded = seed(ddb, users_table)
    print(f"seeded {2 * SEEDED_USERS} items in {time.perf_counter() - started:.0f} s", flush=True)
    api = outputs["local_api_url"].rstrip("/")
    secret = emulator_client("secretsmanager", endpoint).get_secret_value(SecretId=outputs["jwt_secret_id"])
    auth = {"Authorization": "Bearer " + tokens.hs256(secret["SecretString"], exp=int(time.time()) + 7200)}
    floor_queue = sqs.create_queue(QueueName="bench-floor")["QueueUrl"]
    kinesis.create_stream(StreamName="bench-floor", ShardCount=1)
    picture = _png()
    local = threading.local()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session

    def new_user() -> dict[str, str]:
        return {"name": "Load", "email": f"{uuid.uuid4().hex}@example.com"}

    order = {"customerId": "c-load", "items": [{"sku": "mug", "quantity": 2, "unitPrice": "10.00"}]}
    record = json.dumps({"orderId": "o", "customerId": "c-1", "amount": "15.00", "currency": "USD"}).encode()

    def platform(kind: str, rng: random.Random) -> tuple[str | None, bool]:
        if kind == "read":
            reply = session().get(f"{api}/users/{rng.choice(seeded)}", headers=auth, timeout=60)
            return (None, False) if reply.status_code == 200 else (f"GET {reply.status_code}", True)
        if kind == "write":
            reply = session().post(f"{api}/users", json=new_user(), headers=auth, timeout=60)
            return (None, False) if reply.status_code == 201 else (f"POST /users {reply.status_code}", False)
        if kind == "order":
            reply = session().post(f"{api}/orders", json=order, headers=auth, timeout=60)
            return (None, False) if reply.status_code == 202 else (f"POST /orders {reply.status_code}", False)
        if kind == "record":
            kinesis.put_record(StreamName=outputs["orders_stream_name"], Data=record, PartitionKey=uuid.uuid4().hex)
        else:
            key = f"{outputs['upload_prefix']}load/{uuid.uuid4().hex}.png"
            s3.put_object(Bucket=outputs["media_bucket_name"], Key=key, Body=picture)
        return None, False

    def floor(kind: str, rng: random.Random) -> tuple[str | None, bool]:
        if kind == "read":
            found = ddb.get_item(TableName=users_table, Key={"pk": {"S": f"USER#{rng.choice(seeded)}"}})
            return (None, False) if "Item" in found else ("GetItem: no item", True)
        if kind == "write":
            now = "2026-12-01T00:00:00Z"
            user = User(uuid.uuid4().hex, "Load", new_user()["email"], now, now)
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": users_table, "Item": entry, "ConditionExpression": "attribute_not_exists(pk)"}}
                for entry in (_item(user), _claim(user))
            ])  # fmt: skip
        elif kind == "order":
            sqs.send_message(QueueUrl=floor_queue, MessageBody=json.dumps(order))
        elif kind == "record":
            kinesis.put_record(StreamName="bench-floor", Data=record, PartitionKey=uuid.uuid4().hex)
        else:
            s3.put_object(Bucket=outputs["media_bucket_name"], Key=f"bench-floor/{uuid.uuid4().hex}.png", Body=picture)
        return None, False

    def run(variant: Callable[[str, random.Random], tuple[str | None, bool]], clients: int, seed_: int) -> Outcomes:
        outcomes = Outcomes()
        kinds = [kind for kind, weight in MIX for _ in range(weight)]

        def client(n: int) -> None:
            rng = random.Random(seed_ * 1000 + n)
            for _ in range(REQUESTS_PER_ROUND // clients):
                kind = rng.choice(kinds)
                began = time.perf_counter()
                try:
                    error, wrong = variant(kind, rng)
                except Exception as exc:  # a refused connection or a timeout is an error, not the end of the run
                    error, wrong = type(exc).__name__, False
                outcomes.record(time.perf_counter() - began, error, wrong)

        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(client, range(clients)))
        return outcomes

    run(platform, 8, seed_=0)  # warm: workers for each function, the authorizer's cache, connections
    rows, results = [], {}
    for clients in CLIENTS:
        merged: dict[str, Outcomes] = {"platform": Outcomes(), "floor": Outcomes()}
        walls: dict[str, float] = {"platform": 0.0, "floor": 0.0}
        for round_ in range(ROUNDS):  # interleaved: platform, floor, platform, floor
            for name, variant in (("platform", platform), ("floor", floor)):
                began = time.perf_counter()
                outcome = run(variant, clients, seed_=clients * 10 + round_)
                walls[name] += time.perf_counter() - began
                merged[name].latencies += outcome.latencies
                merged[name].errors += outcome.errors
                merged[name].wrong += outcome.wrong
        for name, outcome in merged.items():
            ms = [s * 1000 for s in outcome.latencies]
            errors = sum(outcome.errors.values()) - outcome.wrong
            detail = ", ".join(f"{k} x{v}" for k, v in outcome.errors.most_common(3))
            rows.append([f"{name}, {clients} client{'s' * (clients > 1)}", f"{percentile(ms, 0.5):.1f}",
                         f"{percentile(ms, 0.99):.1f}", f"{len(ms) / walls[name]:.0f}", errors, outcome.wrong,
                         detail or "-"])  # fmt: skip
        results[clients] = {name: percentile([s * 1000 for s in o.latencies], 0.99) for name, o in merged.items()}
    count = ddb.describe_table(TableName=users_table)["Table"]["ItemCount"]
    table(f"Mixed load ({', '.join(f'{k} {w}%' for k, w in MIX)}), users table of {count:,} items, "
          f"{REQUESTS_PER_ROUND * ROUNDS} requests per row", ["p50 ms", "p99 ms", "requests/s", "errors", "wrong answers",
                                                           "what failed"], rows)  # fmt: skip
    for clients, p99 in results.items():
        result(f"load_p99_ms_{clients}_clients", p99["platform"], p99["floor"])


if __name__ == "__main__":
    main()
