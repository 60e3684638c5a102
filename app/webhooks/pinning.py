"""Connections pinned to the addresses the SSRF check vetted (no second DNS lookup).

The relay resolves a URL's host once (:func:`app.webhooks.ssrf.vet`), checks every
address, and sends inside :func:`pinned`. The HTTP client's network backend then
connects to those addresses only: it never resolves the name again, so a DNS answer
that changes between the check and the connect (rebinding) is never used. The request
keeps the name everywhere else: in the URL, the ``Host`` header, TLS SNI and the
certificate check, because httpcore takes those from the URL's origin, not from the
socket. A connection with no pin for its host is refused.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

import httpcore
import httpx

from app.webhooks.ssrf import Vetted

__all__ = ["PinnedBackend", "pinned", "pinned_transport"]

# (host, port) -> the vetted addresses, for the delivery being sent in this task.
_PINS: ContextVar[dict[tuple[str, int], tuple[str, ...]] | None] = ContextVar(
    "webhook_pins", default=None
)


@contextlib.contextmanager
def pinned(vetted: Vetted) -> Iterator[None]:
    """Connections opened in this block to ``vetted.host`` go to its vetted addresses."""
    token = _PINS.set({(vetted.host, vetted.port): vetted.addresses})
    try:
        yield
    finally:
        _PINS.reset(token)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's default backend, connecting to vetted addresses instead of names."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = (_PINS.get() or {}).get((host, port))
        if not addresses:
            raise httpcore.ConnectError(f"{host}:{port} was not checked before connecting")
        failure: Exception | None = None
        for address in addresses:  # in the resolver's order, as a plain connect would
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are not sent to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def pinned_transport(limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """An httpx transport (no proxies, TLS verified) whose connections are pinned."""
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    # httpx does not take a network backend; its pool does. Replace the pool with the
    # same one built on ours (tests/webhooks/test_ssrf.py proves it is the one used).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=PinnedBackend(),
    )
    return transport
