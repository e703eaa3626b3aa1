"""Local API latency against calling the handler in-process; authorizer verifications per second.

Needs a running emulator (`invoke up`). Both API variants hit the emulator's DynamoDB, so the
difference is what the local API Gateway adds: HTTP, route matching, the (cached) authorizer
policy check, and the hop to the warm worker process.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests import tokens  # noqa: E402
from toolchain.emulator.clients import emulator_client  # noqa: E402

REQUESTS = 400
warnings.filterwarnings("ignore", "No application metrics")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def timed_calls(call, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def row(label: str, times: list[float], wall: float | None = None) -> str:
    rate = len(times) / (wall if wall else sum(times) / 1000)
    return f"| {label} | {statistics.median(times):.2f} | {percentile(times, 0.99):.2f} | {rate:.0f} |"


def main() -> None:
    info = json.loads((ROOT / "build/emulator/server.json").read_text())
    endpoint = info["endpoint"]
    url = next(
        a["url"] for a in requests.get(f"{endpoint}/_emulator/apis", timeout=10).json() if a["name"].endswith("-api")
    )
    secret = emulator_client("secretsmanager", endpoint).get_secret_value(SecretId="platform-local/jwt-signing-key")[
        "SecretString"
    ]
    headers = {"Authorization": "Bearer " + tokens.hs256(secret, exp=int(time.time()) + 3600)}
    session = requests.Session()
    user = session.post(
        f"{url}/users",
        json={"name": "Bench", "email": f"bench{time.time_ns()}@example.com"},
        headers=headers,
        timeout=30,
    ).json()
    target = f"{url}/users/{user['userId']}"
    for _ in range(20):  # warm the worker, the authorizer cache and the connection
        session.get(target, headers=headers, timeout=10).raise_for_status()
    over_http = timed_calls(lambda: session.get(target, headers=headers, timeout=10), REQUESTS)

    def concurrent_run() -> float:
        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: requests.get(target, headers=headers, timeout=10), range(REQUESTS)))
        return time.perf_counter() - started

    concurrent_wall = concurrent_run()

    os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                      AWS_DEFAULT_REGION="us-east-1", USERS_TABLE="platform-local-users", CORS_ALLOWED_ORIGINS="")  # fmt: skip
    from lambdas.services.users import handler

    event = json.loads((ROOT / "events/apigateway-rest-proxy.json").read_text())
    event.update(path=f"/users/{user['userId']}", pathParameters={"userId": user["userId"]})

    class Context:
        function_name, memory_limit_in_mb, aws_request_id = "bench", "512", "bench"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"

    for _ in range(20):
        handler.lambda_handler(event, Context())
    sys.stdout.flush()
    devnull = open(os.devnull, "w")  # noqa: SIM115 - the handler logs every call; keep the table readable
    real_stdout, sys.stdout = sys.stdout, devnull
    in_process = timed_calls(lambda: handler.lambda_handler(event, Context()), REQUESTS)
    sys.stdout = real_stdout

    print(f"| GET /users/{{id}}, warm, authorizer cached ({REQUESTS} requests) | p50 ms | p99 ms | requests/s |")
    print("|---|---:|---:|---:|")
    print(row("local API over HTTP, 1 client", over_http))
    print(f"| local API over HTTP, 4 clients | - | - | {REQUESTS / concurrent_wall:.0f} |")
    print(row("handler called in-process (same DynamoDB)", in_process))

    from lambdas.services.authorizer.tokens import TokenVerifier

    class Static:
        def __init__(self, key) -> None:
            self.key = key

        def key_for(self, header: dict):
            return self.key

    cases = {
        "HS256": (("HS256",), tokens.SECRET.encode(), "Bearer " + tokens.hs256(tokens.SECRET)),
        "RS256 (2048-bit)": (("RS256",), tokens.rsa_key().public_key(), "Bearer " + tokens.rs256()),
        "ES256 (P-256)": (("ES256",), tokens.ec_key().public_key(), "Bearer " + tokens.es256()),
    }
    print("\n| authorizer token verification (in-process, 2000 tokens) | µs per token | verifications/s |")
    print("|---|---:|---:|")
    for name, (algorithms, key, header) in cases.items():
        verifier = TokenVerifier(
            algorithms=algorithms, issuer=tokens.ISSUER, audience=tokens.AUDIENCE, leeway=30, keys=Static(key)
        )
        started = time.perf_counter()
        for _ in range(2000):
            verifier.verify(header)
        elapsed = time.perf_counter() - started
        print(f"| {name} | {elapsed / 2000 * 1e6:.0f} | {2000 / elapsed:.0f} |")


if __name__ == "__main__":
    main()
