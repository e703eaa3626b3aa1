"""The local API's latency against calling the handler in-process, on an emulator of its own.

Both variants read the emulator's DynamoDB, so the difference is what the local API Gateway adds:
HTTP, route matching, the (cached) authorizer policy check, and the hop to the warm worker process.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import requests
from harness import ROOT, interleaved, median, percentile, result, sandbox, table, timed

from tests import tokens
from toolchain.emulator.clients import emulator_client

REQUESTS = 400
warnings.filterwarnings("ignore", "No application metrics")


def main() -> None:
    with sandbox() as box:
        endpoint = box.endpoint()
        measure(endpoint)


def measure(endpoint: str) -> None:
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

    os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                      AWS_DEFAULT_REGION="us-east-1", USERS_TABLE="platform-local-users", CORS_ALLOWED_ORIGINS="")  # fmt: skip
    from lambdas.services.users import handler

    event = json.loads((ROOT / "events/apigateway-rest-proxy.json").read_text())
    event.update(path=f"/users/{user['userId']}", pathParameters={"userId": user["userId"]})

    class Context:
        function_name, memory_limit_in_mb, aws_request_id = "bench", "512", "bench"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"

    quiet = open(os.devnull, "w")  # noqa: SIM115 - the handler logs every call; keep the output readable

    def in_process() -> float:
        real, sys.stdout = sys.stdout, quiet
        try:
            return timed(lambda: handler.lambda_handler(event, Context())) * 1000
        finally:
            sys.stdout = real

    def over_http() -> float:
        return timed(lambda: session.get(target, headers=headers, timeout=10)) * 1000

    samples = interleaved({"http": over_http, "handler": in_process}, rounds=REQUESTS, warmup=20)

    def concurrent_run() -> float:
        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: requests.get(target, headers=headers, timeout=10), range(REQUESTS)))
        return time.perf_counter() - started

    concurrent_wall = concurrent_run()
    table(f"GET /users/{{id}}, warm, authorizer cached ({REQUESTS} requests, interleaved)",
          ["p50 ms", "p99 ms", "requests/s"],
          [["local API over HTTP, 1 client", f"{median(samples['http']):.2f}",
            f"{percentile(samples['http'], 0.99):.2f}", f"{1000 / median(samples['http']):.0f}"],
           ["local API over HTTP, 4 clients", "-", "-", f"{REQUESTS / concurrent_wall:.0f}"],
           ["floor: the handler called in-process (same DynamoDB)", f"{median(samples['handler']):.2f}",
            f"{percentile(samples['handler'], 0.99):.2f}", f"{1000 / median(samples['handler']):.0f}"]])  # fmt: skip
    result("api_get_user_ms", median(samples["http"]), median(samples["handler"]))


if __name__ == "__main__":
    main()
