"""Refuse webhook URLs that point into our own network (SSRF).

Checked when an endpoint is created or changed (422) and again before every attempt,
so a DNS name that later resolves to a private address (rebinding) is not followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

__all__ = ["UnsafeUrl", "check_url"]

# Cloud metadata services that are not covered by the link-local and private ranges.
_METADATA = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}


class UnsafeUrl(ValueError):
    """The URL is not an http(s) URL on the public internet."""


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global  # also 100.64.0.0/10 (carrier-grade NAT), not "private"
        or ip in _METADATA
    )


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raise :class:`UnsafeUrl` unless ``url`` is http(s) and every address its host
    resolves to is public (or private addresses are allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise UnsafeUrl("must not carry credentials; the signature authenticates us")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeUrl("has an invalid port") from exc
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port, type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError) as exc:  # UnicodeError: a host that is not valid IDNA
        raise UnsafeUrl(f"host {parts.hostname!r} does not resolve") from exc
    for info in infos:
        if _forbidden(str(info[4][0])):
            raise UnsafeUrl(
                f"host {parts.hostname!r} resolves to a loopback, private, link-local or "
                "metadata address"
            )
