"""Token verification in the authorizer against bare PyJWT, per algorithm, in one process.

The project's path is `TokenVerifier.verify` on the Authorization header: the Bearer scheme, the one
canonical spelling, the algorithm allowlist read from the header, the key, `jwt.decode` with the
issuer, audience and required claims, the NumericDate and subject checks, the scopes. The floor is
`jwt.decode` alone with the same options and the key prepared once.
"""

from __future__ import annotations

from typing import Any

import jwt
from harness import interleaved, median, result, table, timed

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
    cases = {
        "HS256": (tokens.SECRET.encode(), tokens.hs256(tokens.SECRET)),
        "RS256 (2048-bit)": (tokens.rsa_key().public_key(), tokens.rs256()),
        "ES256 (P-256)": (tokens.ec_key().public_key(), tokens.es256()),
    }
    rows, ratios = [], {}
    for name, (key, token) in cases.items():
        algorithm = name.split()[0]
        verifier = TokenVerifier(algorithms=(algorithm,), issuer=tokens.ISSUER, audience=tokens.AUDIENCE, leeway=30,
                                 keys=Prepared(key))  # fmt: skip
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
    table(f"token verification, in-process ({CALLS} tokens x 7 rounds, interleaved)",
          ["authorizer µs", "jwt.decode µs", "ratio"], rows)  # fmt: skip
    result("jwt_hs256_us", *ratios["HS256"])


if __name__ == "__main__":
    main()
