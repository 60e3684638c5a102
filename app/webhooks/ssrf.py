"""Refuse webhook URLs that point into our own network (SSRF).

Checked when an endpoint is created or changed (422) and again before every attempt.
Before an attempt the host is resolved once, every address is checked, and the
connection is made to one of exactly those addresses (:mod:`app.webhooks.pinning`), so
a DNS answer that changes between the check and the connect (rebinding) is never used.

An address is forbidden when it is not global (``ipaddress``'s ``is_global``: the IANA
special-purpose registries, which cover loopback, private, link-local, carrier-grade
NAT, documentation, benchmarking and reserved ranges), multicast, unspecified, a cloud
metadata address, or an IPv6 address that embeds a forbidden IPv4 address: IPv4-mapped
(``::ffff:0:0/96``), IPv4-compatible (``::/96``), 6to4 (``2002::/16``), Teredo
(``2001::/32``, server or client) and NAT64 (``64:ff9b::/96``, ``64:ff9b:1::/48``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

__all__ = ["UnsafeUrl", "Vetted", "check_url", "forbidden", "resolve", "vet"]

# Cloud metadata services that are not covered by the link-local and private ranges.
_METADATA = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """The URL is not an http(s) URL on the public internet."""


@dataclass(frozen=True, slots=True)
class Vetted:
    """A URL's host and port as the HTTP client will connect to them, and the addresses
    it resolved to when it was checked: the only ones a connection may use."""

    host: str
    port: int
    addresses: tuple[str, ...]


def _embedded(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, 6to4, Teredo,
    NAT64); a packet to it may end up at them."""
    out: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        out.append(ip.ipv4_mapped)
    if ip in _COMPATIBLE:
        out.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:  # 2002:AABB:CCDD::/48 -> AA.BB.CC.DD (bits 16-48)
        out.append(ip.sixtofour)
    if ip.teredo is not None:  # (server: bits 32-64, client: last 32 bits XOR 0xffffffff)
        out.extend(ip.teredo)
    if any(ip in net for net in _NAT64):
        out.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return out


def _bad(ip: IP) -> bool:
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


def forbidden(address: str) -> bool:
    """May no webhook connect to this address?"""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded(ip)
        if any(_bad(v4) for v4 in embedded):
            return True
        if ip.ipv4_mapped is not None:  # the mapped address is the whole story
            return False
    return _bad(ip)


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order (duplicates dropped)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _target(url: str) -> tuple[str, int]:
    """The host and port, parsed the way the relay's HTTP client parses them."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise UnsafeUrl("must not carry credentials; the signature authenticates us")
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        raise UnsafeUrl("has an invalid host or port") from exc
    if not host:
        raise UnsafeUrl("must be an http:// or https:// URL with a host")
    return host, port


async def vet(url: str, *, allow_private: bool) -> Vetted:
    """Resolve ``url``'s host once and check every address (unless private addresses are
    allowed); raise :class:`UnsafeUrl`, or return the addresses a connection may use."""
    host, port = _target(url)
    try:
        addresses = await resolve(host, port)
    except (OSError, UnicodeError) as exc:  # UnicodeError: a host that is not valid IDNA
        raise UnsafeUrl(f"host {host!r} does not resolve") from exc
    if not addresses:
        raise UnsafeUrl(f"host {host!r} does not resolve")
    if not allow_private and any(forbidden(a) for a in addresses):
        raise UnsafeUrl(
            f"host {host!r} resolves to a loopback, private, link-local or metadata address"
        )
    return Vetted(host=host, port=port, addresses=tuple(addresses))


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raise :class:`UnsafeUrl` unless ``url`` is http(s) and every address its host
    resolves to is public (or private addresses are allowed: then it is not resolved)."""
    _target(url)
    if not allow_private:
        await vet(url, allow_private=False)
