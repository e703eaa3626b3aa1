"""Fetching product pages politely and safely.

Only http(s) URLs whose host resolves to public addresses are fetched (no loopback, private,
link-local or reserved ranges, which is where cloud metadata and internal services live), and each
redirect is checked the same way. Requests carry a User-Agent, have connect and read timeouts, are
retried a bounded number of times with backoff on 429/5xx (after the wait Retry-After asks for),
and wait between two requests to the same host; every wait and timeout ends by the product's
deadline, so one slow or throttling shop cannot use up the others' time. Bodies are capped.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lambdas.common.exceptions import RejectedInput

USER_AGENT = "serverless-platform-price-scraper/1.0 (+https://github.com/; polite: 1 request/s per host)"
MAX_REDIRECTS = 3
MAX_BYTES = 2 * 1024 * 1024
RETRIED = frozenset({429, 500, 502, 503, 504})
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE | re.ASCII)


class BlockedUrl(RejectedInput):
    code = "blocked_url"


class FetchFailed(RejectedInput):
    code = "fetch_failed"


def _public(host: str, resolve: Callable[..., Any]) -> None:
    try:
        infos = resolve(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchFailed(f"cannot resolve {host}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise BlockedUrl(f"{host} resolves to {address}, which is not a public address")


@dataclass(frozen=True)
class Page:
    body: bytes
    charset: str | None  # what the Content-Type header named, if anything


def _charset(content_type: str | None) -> str | None:
    match = _CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _retry_after(value: str | None, now: Callable[[], float]) -> float | None:
    """Seconds a Retry-After header asks for (delay-seconds or an HTTP-date); None if it says nothing usable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(int(value[:9]))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now())


class PoliteFetcher:
    """GETs with the politeness and safety rules above, every wait and timeout inside the caller's deadline."""

    def __init__(
        self,
        *,
        timeout: float,
        host_delay: float,
        allow_hosts: tuple[str, ...] = (),
        retries: int = 2,
        resolve: Callable[..., Any] = socket.getaddrinfo,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        import requests

        self._session = requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"})
        self._timeout = timeout
        self._host_delay = host_delay
        self._allow_hosts = set(allow_hosts)
        self._retries = retries
        self._resolve = resolve
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._last_request: dict[str, float] = {}

    def now(self) -> float:
        """The clock deadlines are given on."""
        return self._clock()

    def _check(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BlockedUrl(f"only http(s) URLs with a host are fetched, not {url[:100]!r}")
        if parts.hostname not in self._allow_hosts:
            _public(parts.hostname, self._resolve)
        return parts.hostname

    def _pause(self, seconds: float, deadline: float, why: str) -> None:
        if self._clock() + seconds > deadline:
            raise FetchFailed(f"{why}: {seconds:.1f} s would pass this product's deadline")
        if seconds > 0:
            self._sleep(seconds)

    def _wait_for(self, host: str, deadline: float) -> None:
        last = self._last_request.get(host)
        if last is not None:
            self._pause(self._host_delay - (self._clock() - last), deadline, f"waiting between requests to {host}")
        self._last_request[host] = self._clock()

    def get(self, url: str, *, deadline: float | None = None) -> Page:
        """The page at `url`; FetchFailed when it cannot be had before `deadline` (on `now()`'s clock).

        429 and 5xx answers and connection failures are retried up to `retries` times, after the wait
        the server's Retry-After asks for (else 0.5 s, then 1 s, ...), but never past the deadline: a
        shop asking for an hour gives up this product now, and the run goes on to the next.
        """
        deadline = self._clock() + self._timeout * (self._retries + 2) if deadline is None else deadline
        for attempt in range(self._retries + 1):
            host, status, answer = self._attempt(url, deadline)
            if answer is not None:
                return answer
            if attempt == self._retries:
                raise FetchFailed(f"{host} answered {status} ({self._retries + 1} attempts)")
            wait = status.retry_after if status.retry_after is not None else 0.5 * 2**attempt
            self._pause(wait, deadline, f"{host} answered {status}, retrying after {wait:.1f} s")
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, url: str, deadline: float) -> tuple[str, _Retryable, Page | None]:
        import requests

        for _ in range(MAX_REDIRECTS + 1):
            host = self._check(url)
            self._wait_for(host, deadline)
            left = deadline - self._clock()
            if left <= 0.05:
                raise FetchFailed(f"{host}: this product's deadline has passed")
            read = min(self._timeout, left)
            try:
                response = self._session.get(url, timeout=(min(3.0, read), read), allow_redirects=False, stream=True)
            except (requests.ConnectionError, requests.Timeout) as exc:
                return host, _Retryable(type(exc).__name__, None), None
            except requests.RequestException as exc:
                raise FetchFailed(f"{host}: {type(exc).__name__}") from None
            with response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                if response.status_code in RETRIED:
                    after = _retry_after(response.headers.get("Retry-After"), self._wall_clock)
                    return host, _Retryable(f"HTTP {response.status_code}", after), None
                if response.status_code >= 400:
                    raise FetchFailed(f"{host} answered HTTP {response.status_code}")
                charset = _charset(response.headers.get("Content-Type"))
                return host, _Retryable("", None), Page(self._body(host, response), charset)
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")

    def _body(self, host: str, response: Any) -> bytes:
        import requests

        body = b""
        try:
            for chunk in response.iter_content(65536):
                body += chunk
                if len(body) > MAX_BYTES:
                    raise FetchFailed(f"{host} sent more than {MAX_BYTES} bytes")
        except requests.RequestException as exc:
            raise FetchFailed(f"{host}: {type(exc).__name__} while reading") from None
        return body


@dataclass(frozen=True)
class _Retryable:
    what: str
    retry_after: float | None

    def __str__(self) -> str:
        return self.what
