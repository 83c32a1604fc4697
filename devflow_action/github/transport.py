"""A bound on the total time of each request, whatever the server does.

httpx's timeouts are per phase: connect, then each socket read and each write. A server that trickles
a byte every few seconds resets the read timeout at every byte and holds a request forever. Here
every socket operation of the HTTP client waits at most until the request's end (set by the client
before each request: its own time limit, and never past the run's deadline); past it, the operation
fails as a timeout, which the client turns into ``DeadlineReached`` or retries like any timeout.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpcore2
import httpx2
from httpcore2 import NetworkBackend, NetworkStream


class RequestClock:
    """When the request in flight must be over (``time.monotonic`` seconds); None: no bound."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.end: float | None = None

    def start(self, seconds: float | None) -> None:
        self.end = None if seconds is None else self.clock() + seconds

    def cap(self, timeout: float | None, expired: type[Exception]) -> float | None:
        """``timeout`` shortened to the time left; ``expired`` raised when none is left."""
        if self.end is None:
            return timeout
        left = self.end - self.clock()
        if left <= 0:
            raise expired("the request's time is up")
        return left if timeout is None else min(timeout, left)


class _Stream(NetworkStream):
    def __init__(self, inner: NetworkStream, clock: RequestClock) -> None:
        self._inner = inner
        self._clock = clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._clock.cap(timeout, httpcore2.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._clock.cap(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> NetworkStream:
        timeout = self._clock.cap(timeout, httpcore2.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout), self._clock)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(NetworkBackend):
    def __init__(self, inner: NetworkBackend, clock: RequestClock) -> None:
        self._inner = inner
        self._clock = clock

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> NetworkStream:
        timeout = self._clock.cap(timeout, httpcore2.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options), self._clock)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> NetworkStream:
        timeout = self._clock.cap(timeout, httpcore2.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options), self._clock)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def bound(client: httpx2.Client, clock: RequestClock) -> httpx2.Client:
    """Route every connection of ``client`` (proxies from the environment included) through ``clock``.

    httpx does not let a transport choose its network backend; its connection pools read it from
    ``_network_backend`` when they open a connection, so it is replaced there. The tests with a
    server that trickles bytes (tests/test_security_e2e.py) fail if this ever stops working."""
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if pool is not None and hasattr(pool, "_network_backend"):
            pool._network_backend = _Backend(pool._network_backend, clock)
    return client
