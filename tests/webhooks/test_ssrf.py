"""SSRF: with private addresses not allowed (the production default), URLs into our own
network are refused when an endpoint is created or changed, and again before every
attempt (so a name that starts resolving to a private address is not followed). The
attempt connects to the address that check vetted, never to a second DNS answer.

No request ever goes to any of these addresses: they are refused before one is made,
and every endpoint here subscribes to an event type that never happens.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.main import create_app
from app.webhooks import pinning, ssrf
from app.webhooks.relay import Relay
from tests.conftest import ADMIN_TOKEN
from tests.factories import create_board, create_card
from tests.webhooks.helpers import PROBLEM, Quiet, deliveries, eventually, settled, subscribe
from tests.webhooks.receiver import Receiver

UNSAFE = [
    "http://127.0.0.1/hook",
    "http://127.0.0.2:8080/hook",
    "http://localhost/hook",
    "http://localhost:9000/hook",
    "http://10.1.2.3/hook",
    "http://172.16.5.4/hook",
    "http://192.168.1.10/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[fd00:ec2::254]/hook",
    "http://100.100.100.200/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "https://[fe80::1]/hook",
    # IPv6 addresses that carry a forbidden IPv4 address inside them:
    "http://[2002:7f00:1::]/hook",  # 6to4 (2002::/16, bits 16-48) of 127.0.0.1
    "http://[2002:a00:1::1]/hook",  # 6to4 of 10.0.0.1
    "http://[2002:a9fe:a9fe::]/latest/meta-data/",  # 6to4 of 169.254.169.254
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo, client 127.0.0.1
    "http://[2001:0:7f00:1:8000:63bf:f7f7:f7f7]/hook",  # Teredo, server 127.0.0.1
    "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
    "http://[::7f00:1]/hook",  # IPv4-compatible 127.0.0.1
    "http://[::ffff:a9fe:a9fe]/hook",  # IPv4-mapped 169.254.169.254
]
PUBLIC = "93.184.216.34"  # only ever returned by a fake resolver; nothing connects to it


def _strict(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update={"webhook_allow_private": False, **changes})


@pytest.fixture
async def strict_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An admin client of a second app on the same database, with private URLs refused
    (and no relay of its own)."""
    strict = create_app(_strict(settings, webhook_relay="off"))
    async with (
        strict.router.lifespan_context(strict),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=strict),
            base_url="http://test",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        ) as c,
    ):
        yield c


@pytest.fixture
async def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names put in the returned dict resolve to the addresses listed (none: the name
    does not resolve); every other name resolves as usual."""
    answers: dict[str, list[str]] = {}
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in answers:
            return await real(host, port, *args, **kwargs)
        if not answers[host]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in answers[host]
        ]

    monkeypatch.setattr(loop, "getaddrinfo", fake)
    return answers


@pytest.mark.parametrize("url", UNSAFE)
async def test_check_url_refuses_loopback_private_link_local_and_metadata(url):
    with pytest.raises(ssrf.UnsafeUrl, match="resolves to"):
        await ssrf.check_url(url, allow_private=False)
    await ssrf.check_url(url, allow_private=True)  # on-premises installs may


@pytest.mark.parametrize(
    "url", ["ftp://example.com/hook", "file:///etc/passwd", "http:///hook", "gopher://x/"]
)
async def test_check_url_refuses_anything_but_http_with_a_host(url):
    for allow in (False, True):
        with pytest.raises(ssrf.UnsafeUrl, match="http"):
            await ssrf.check_url(url, allow_private=allow)


async def test_check_url_refuses_credentials_in_the_url():
    with pytest.raises(ssrf.UnsafeUrl, match="credentials"):
        await ssrf.check_url("https://user:pw@hooks.example.com/x", allow_private=True)


async def test_a_name_is_checked_on_every_lookup_so_rebinding_is_caught(resolver):
    resolver["hooks.rebind.test"] = [PUBLIC]
    await ssrf.check_url("https://hooks.rebind.test/x", allow_private=False)

    resolver["hooks.rebind.test"] = ["10.0.0.7"]  # the same name, now pointing inside
    with pytest.raises(ssrf.UnsafeUrl, match=r"hooks\.rebind\.test"):
        await ssrf.check_url("https://hooks.rebind.test/x", allow_private=False)

    resolver["hooks.rebind.test"] = [PUBLIC, "::1"]  # any private answer is enough
    with pytest.raises(ssrf.UnsafeUrl):
        await ssrf.check_url("https://hooks.rebind.test/x", allow_private=False)

    resolver["nowhere.rebind.test"] = []
    with pytest.raises(ssrf.UnsafeUrl, match="does not resolve"):
        await ssrf.check_url("https://nowhere.rebind.test/x", allow_private=False)


@pytest.mark.parametrize("url", UNSAFE)
async def test_subscribing_an_unsafe_url_is_a_422_problem(strict_client, url):
    board = await create_board(strict_client)
    r = await strict_client.post(
        "/api/webhooks",
        json={"url": url, "event_types": ["board.created"], "board_id": board["id"]},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["type"].endswith("/unsafe-webhook-url")
    assert [e["field"] for e in problem["errors"]] == ["url"]


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "example.com/hook", "file:///x"])
async def test_subscribing_a_non_http_url_is_a_validation_error(strict_client, url):
    r = await strict_client.post(
        "/api/webhooks", json={"url": url, "event_types": ["board.created"]}
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["type"].endswith("/validation-error")


async def test_changing_the_url_to_an_unsafe_one_is_refused(client, strict_client):
    board = await create_board(client)
    hook = await subscribe(client, "http://127.0.0.1:9/hook", ["board.created"], board["id"])

    for url in ("http://192.168.1.1/hook", "http://127.0.0.1:9/other"):
        r = await strict_client.patch(f"/api/webhooks/{hook['id']}", json={"url": url})
        assert r.status_code == 422, r.text
        assert r.json()["type"].endswith("/unsafe-webhook-url")
    assert (await client.get(f"/api/webhooks/{hook['id']}")).json()["url"] == hook["url"]


async def test_the_relay_checks_the_url_again_before_sending(quiet: Quiet, receiver):
    # Subscribed while private addresses were allowed; the only relay now refuses them.
    client = quiet.client
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.created"], board["id"])
    await create_card(client, board["id"])
    relay = Relay(quiet.app.state.db, _strict(quiet.settings))
    await relay.start()
    try:
        relay.wake()
        [refused] = await eventually(
            lambda: deliveries(client, hook["id"]),
            lambda ds: len(ds) == 1 and ds[0]["attempts"] >= 1,
            what="an attempt by the strict relay",
        )
    finally:
        await relay.stop()

    assert refused["state"] == "failed" and refused["last_status"] is None
    assert refused["last_error"].startswith("URL host '127.0.0.1' resolves to a loopback")
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("2002:7f00:1::", True),  # 6to4 of 127.0.0.1: bits 16-48
        ("2002:c0a8:101::1", True),  # 6to4 of 192.168.1.1
        ("2002:808:808::1", False),  # 6to4 of 8.8.8.8: a public address stays usable
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", True),  # Teredo client 127.0.0.1
        ("2001:0:a00:1:8000:63bf:f7f7:f7f7", True),  # Teredo server 10.0.0.1
        ("64:ff9b::c0a8:101", True),  # NAT64 of 192.168.1.1
        ("::ffff:10.0.0.1", True),  # IPv4-mapped
        ("2606:4700:4700::1111", False),  # a plain public IPv6 address
        ("8.8.8.8", False),
    ],
)
def test_ipv6_addresses_are_judged_by_the_ipv4_address_they_carry(address, refused):
    assert ssrf.forbidden(address) is refused


@pytest.fixture
async def lookups(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[dict[str, list[list[str]]], Counter[str]]:
    """Names put in the returned dict answer each lookup with the next list of addresses
    (the last list for every lookup after it); the Counter counts lookups per name."""
    answers: dict[str, list[list[str]]] = {}
    counted: Counter[str] = Counter()
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in answers:
            return await real(host, port, *args, **kwargs)
        counted[host] += 1
        queue = answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr(loop, "getaddrinfo", fake)
    return answers, counted


async def test_the_connection_goes_to_the_checked_address_not_to_a_second_dns_answer(
    quiet: Quiet, receivers, lookups, monkeypatch
):
    # DNS rebinding: the name answers a public address to the check, then an inside one.
    # Here 127.0.0.1 stands for the public address and 127.0.0.2 for the inside one.
    outside = await receivers()
    inside = await Receiver(host="127.0.0.2", port=outside.port).start()
    monkeypatch.setattr(ssrf, "forbidden", lambda address: address != "127.0.0.1")
    answers, counted = lookups
    name = "hooks.rebind.test"
    client = quiet.client
    board = await create_board(client)
    hook = await subscribe(
        client, f"http://{name}:{outside.port}/hook", ["card.created"], board["id"]
    )
    answers[name] = [["127.0.0.1"], ["127.0.0.2"]]  # the first lookup, then every later one
    await create_card(client, board["id"])
    relay = Relay(quiet.app.state.db, _strict(quiet.settings))
    await relay.start()
    try:
        relay.wake()
        await settled(client, hook["id"], 1)
    finally:
        await relay.stop()
        await inside.stop()

    assert inside.requests == []  # the second answer was never used
    [request] = outside.requests
    assert request.headers["host"] == f"{name}:{outside.port}"  # the name, not the address
    assert counted[name] == 1  # resolved once, for the check; connected to that answer


async def test_a_connection_to_a_host_that_was_not_checked_is_refused(receiver):
    transport = pinning.pinned_transport(httpx.Limits())
    async with httpx.AsyncClient(transport=transport) as c:
        with pytest.raises(httpx.ConnectError, match="not checked"):
            await c.post(receiver.url, content=b"{}")
    assert receiver.requests == []
