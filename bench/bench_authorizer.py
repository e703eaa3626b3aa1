"""Token verification in the authorizer against bare PyJWT, per algorithm, in one process.

The project's path is `TokenVerifier.verify` on the Authorization header: the Bearer scheme, the one
canonical spelling, the algorithm allowlist read from the header, the key, `jwt.decode` with the
issuer, audience and required claims, the NumericDate and subject checks, the scopes. For HS256 the
key comes from where the deployed authorizer reads it, `SecretsManagerKey` (Secrets Manager through
Powertools' per-container cache, here moto in-process; the first read is a warm-up). RS256 and
ES256 read a JWKS over HTTP, cached likewise; their key is given ready, which leaves out only that
cache's lookup. The floor is `jwt.decode` alone with the same options and the key prepared once.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
import jwt
from harness import interleaved, median, result, table, timed
from moto import mock_aws

from lambdas.services.authorizer.keys import SecretsManagerKey
from lambdas.services.authorizer.tokens import TokenVerifier
from tests import tokens

CALLS = 2000
OPTIONS = {"require": ["exp", "iat", "sub", "iss", "aud"]}


class Prepared:
    def __init__(self, key: Any) -> None:
        self.key = key

    def key_for(self, header: dict[str, Any]) -> Any:
        return self.key


def main() -> None:
    os.environ.update(AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    with mock_aws():
        boto3.client("secretsmanager").create_secret(Name="bench/jwt", SecretString=tokens.SECRET)
        measure()


def measure() -> None:
    cases = {
        "HS256": (tokens.SECRET.encode(), tokens.hs256(tokens.SECRET)),
        "RS256 (2048-bit)": (tokens.rsa_key().public_key(), tokens.rs256()),
        "ES256 (P-256)": (tokens.ec_key().public_key(), tokens.es256()),
    }
    rows, ratios = [], {}
    for name, (key, token) in cases.items():
        algorithm = name.split()[0]
        source = SecretsManagerKey("bench/jwt", max_age=300) if algorithm == "HS256" else Prepared(key)
        verifier = TokenVerifier(algorithms=(algorithm,), issuer=tokens.ISSUER, audience=tokens.AUDIENCE, leeway=30,
                                 keys=source)  # fmt: skip
        header = "Bearer " + token

        def project(verifier: TokenVerifier = verifier, header: str = header) -> float:
            return timed(lambda: [verifier.verify(header) for _ in range(CALLS)]) / CALLS * 1e6

        def floor(key: Any = key, token: str = token, algorithm: str = algorithm) -> float:
            return timed(lambda: [jwt.decode(token, key, algorithms=[algorithm], audience=tokens.AUDIENCE,
                                             issuer=tokens.ISSUER, leeway=30, options=OPTIONS)
                                  for _ in range(CALLS)]) / CALLS * 1e6  # fmt: skip

        samples = interleaved({"project": project, "floor": floor}, rounds=7)
        ratios[algorithm] = (median(samples["project"]), median(samples["floor"]))
        rows.append([name, f"{median(samples['project']):.0f}", f"{median(samples['floor']):.0f}",
                     f"{median(samples['project']) / median(samples['floor']):.2f}"])  # fmt: skip
    table(f"token verification, in-process ({CALLS} tokens x 7 rounds, interleaved; HS256's key from Secrets Manager)",
          ["authorizer µs", "jwt.decode µs", "ratio"], rows)  # fmt: skip
    result("jwt_hs256_us", *ratios["HS256"])


if __name__ == "__main__":
    main()
