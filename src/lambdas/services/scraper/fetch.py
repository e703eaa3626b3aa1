"""Fetching product pages politely and safely.

Only http(s) URLs whose host resolves to public addresses are fetched (no loopback, private,
link-local or reserved ranges, which is where cloud metadata and internal services live), and each
redirect is checked the same way. Requests carry a User-Agent, have connect and read timeouts, are
retried a bounded number of times with backoff on 429/5xx, and wait between two requests to the
same host. Bodies are capped.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

from lambdas.common.exceptions import RejectedInput

USER_AGENT = "serverless-platform-price-scraper/1.0 (+https://github.com/; polite: 1 request/s per host)"
MAX_REDIRECTS = 3
MAX_BYTES = 2 * 1024 * 1024


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


class PoliteFetcher:
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
    ) -> None:
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=0.5,
                      status_forcelist=(429, 500, 502, 503, 504), allowed_methods=frozenset({"GET"}),
                      respect_retry_after_header=True, raise_on_status=False, redirect=False)  # fmt: skip
        self._session = requests.Session()
        self._session.mount("http://", HTTPAdapter(max_retries=retry))
        self._session.mount("https://", HTTPAdapter(max_retries=retry))
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"})
        self._timeout = timeout
        self._host_delay = host_delay
        self._allow_hosts = set(allow_hosts)
        self._resolve = resolve
        self._clock = clock
        self._sleep = sleep
        self._last_request: dict[str, float] = {}

    def _check(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BlockedUrl(f"only http(s) URLs with a host are fetched, not {url[:100]!r}")
        if parts.hostname not in self._allow_hosts:
            _public(parts.hostname, self._resolve)
        return parts.hostname

    def _wait_for(self, host: str) -> None:
        last = self._last_request.get(host)
        if last is not None:
            wait = self._host_delay - (self._clock() - last)
            if wait > 0:
                self._sleep(wait)
        self._last_request[host] = self._clock()

    def get(self, url: str) -> bytes:
        import requests

        for _ in range(MAX_REDIRECTS + 1):
            host = self._check(url)
            self._wait_for(host)
            try:
                response = self._session.get(url, timeout=(min(3.0, self._timeout), self._timeout),
                                             allow_redirects=False, stream=True)  # fmt: skip
            except requests.RequestException as exc:
                raise FetchFailed(f"{host}: {type(exc).__name__}") from None
            with response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                if response.status_code >= 400:
                    raise FetchFailed(f"{host} answered HTTP {response.status_code}")
                body = b""
                try:
                    for chunk in response.iter_content(65536):
                        body += chunk
                        if len(body) > MAX_BYTES:
                            raise FetchFailed(f"{host} sent more than {MAX_BYTES} bytes")
                except requests.RequestException as exc:
                    raise FetchFailed(f"{host}: {type(exc).__name__} while reading") from None
                return body
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")
