"""``swarmboard users set-password``: giving a person (an admin above all) a password
from the command line, run as a real process against the test database."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from tests import factories
from tests.cli import CLI
from tests.conftest import ROOT
from tests.web.helpers import PASSWORD, sign_in

NEW_PASSWORD = "a long and new passphrase"  # spaces included: taken exactly as typed


@pytest.fixture
async def web_client(app: Any) -> AsyncIterator[Callable[[], httpx.AsyncClient]]:
    """Cookie-keeping clients with no Authorization header: browsers, in-process."""
    opened: list[httpx.AsyncClient] = []

    def make() -> httpx.AsyncClient:
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        opened.append(c)
        return c

    yield make
    for c in opened:
        await c.aclose()


def _env(database_url: str) -> dict[str, str]:
    env = {**os.environ, "SWARMBOARD_DATABASE_URL": database_url}
    env.pop("SWARMBOARD_ADMIN_TOKEN", None)
    return env


def set_password(database_url: str, email: str, stdin: str) -> subprocess.CompletedProcess[str]:
    """``echo "$PW" | swarmboard users set-password EMAIL``."""
    return subprocess.run(
        [*CLI, "users", "set-password", email],
        cwd=ROOT,
        env=_env(database_url),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# The child makes the pseudo-terminal its controlling terminal (getpass reads /dev/tty),
# then runs the command line as the console script would.
_ON_A_TERMINAL = (
    "import fcntl, os, runpy, sys, termios; os.setsid(); fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "sys.argv = ['swarmboard', *sys.argv[1:]]; runpy.run_module('app.cli', run_name='__main__')"
)


def _read_until(fd: int, wanted: str, seen: list[str]) -> None:
    """Read the terminal until ``wanted`` shows (or the child is gone)."""
    deadline = time.monotonic() + 60
    while wanted not in "".join(seen):
        assert time.monotonic() < deadline, "".join(seen)
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            return
        if not chunk:
            return
        seen.append(chunk.decode(errors="replace"))


def set_password_on_a_terminal(database_url: str, email: str, typed: list[str]) -> tuple[int, str]:
    """Run set-password on a pseudo-terminal, typing each of ``typed`` at its prompt."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", _ON_A_TERMINAL, "users", "set-password", email],
        cwd=ROOT,
        env=_env(database_url),
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    seen: list[str] = []
    try:
        for prompt, line in zip(("New password for", "again"), typed, strict=True):
            _read_until(master, prompt, seen)
            os.write(master, (line + "\n").encode())
        code = proc.wait(120)
        _read_until(master, "\0never", seen)  # the rest of what it said
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return code, "".join(seen)


async def test_an_admin_without_a_password_gets_one_and_can_sign_in(settings, client, web_client):
    admin, _ = await factories.create_user(client, role="admin")  # API tokens only
    web = web_client()
    refused = await sign_in(web, admin["email"], NEW_PASSWORD)
    assert refused.status_code != 303  # no password yet: the form answers again

    result = set_password(settings.database_url, admin["email"].upper(), NEW_PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert admin["email"] in result.stderr and "sign in" in result.stderr

    signed = await sign_in(web, admin["email"], NEW_PASSWORD)
    assert signed.status_code == 303 and signed.headers["location"] == "/boards"
    assert (await web.get("/boards")).status_code == 200


async def test_a_new_password_ends_the_persons_browser_sessions(settings, client, web_client):
    user, _ = await factories.create_user(client, role="lead", password=PASSWORD)
    laptop = web_client()
    assert (await sign_in(laptop, user["email"])).status_code == 303
    assert (await laptop.get("/boards")).status_code == 200

    # printf '%s' "$PW" | ...: no line break at all is fine too.
    result = set_password(settings.database_url, user["email"], NEW_PASSWORD)
    assert result.returncode == 0, result.stderr

    page = await laptop.get("/boards")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    old = await sign_in(web_client(), user["email"], PASSWORD)
    assert old.status_code != 303  # the old password no longer opens anything
    assert (await sign_in(web_client(), user["email"], NEW_PASSWORD)).status_code == 303


async def test_a_password_typed_twice_on_a_terminal_is_set(settings, client, web_client):
    user, _ = await factories.create_user(client, role="admin")
    code, said = set_password_on_a_terminal(
        settings.database_url, user["email"], [NEW_PASSWORD, NEW_PASSWORD]
    )
    assert code == 0, said
    assert NEW_PASSWORD not in said  # never echoed
    assert (await sign_in(web_client(), user["email"], NEW_PASSWORD)).status_code == 303


async def test_two_different_passwords_on_a_terminal_change_nothing(settings, client, web_client):
    user, _ = await factories.create_user(client, role="agent", password=PASSWORD)
    code, said = set_password_on_a_terminal(
        settings.database_url, user["email"], [NEW_PASSWORD, NEW_PASSWORD + "!"]
    )
    assert code == 2
    assert "differ" in said and "nothing was changed" in said and "Traceback" not in said
    assert (await sign_in(web_client(), user["email"])).status_code == 303  # still the old one


async def test_a_too_short_password_is_refused_and_changes_nothing(settings, client, web_client):
    user, _ = await factories.create_user(client, role="agent", password=PASSWORD)
    for stdin in ("short\n", "\n", ""):
        result = set_password(settings.database_url, user["email"], stdin)
        assert result.returncode == 2, result.stderr
        assert "at least 8 characters" in result.stderr
        assert "nothing was changed" in result.stderr and "Traceback" not in result.stderr
    assert (await sign_in(web_client(), user["email"])).status_code == 303


def test_an_unknown_email_is_said_plainly(settings):
    result = set_password(settings.database_url, "nobody-here@example.com", NEW_PASSWORD + "\n")
    assert result.returncode == 1
    assert "nobody-here@example.com" in result.stderr and "Traceback" not in result.stderr
    assert "nothing was changed" in result.stderr


async def test_a_deactivated_person_is_told_they_still_cannot_sign_in(settings, client, web_client):
    user, _ = await factories.create_user(client, role="agent", password=PASSWORD)
    assert (await client.post(f"/api/users/{user['id']}/deactivate")).status_code == 200
    result = set_password(settings.database_url, user["email"], NEW_PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert "deactivated" in result.stderr
    assert (await sign_in(web_client(), user["email"], NEW_PASSWORD)).status_code != 303
    assert (await client.post(f"/api/users/{user['id']}/reactivate")).status_code == 200
    assert (await sign_in(web_client(), user["email"], NEW_PASSWORD)).status_code == 303
