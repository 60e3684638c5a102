"""The first run, as `make run` starts it: the banner (URL, both sign-ins, the token) is
the last thing on the screen, and trying the demo prints nothing more."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import httpx

from tests.cli import CLI, demo_server
from tests.conftest import ROOT, free_port
from tests.web.helpers import form_csrf

BANNER = ("Demo board ready:", "Swarmboard is starting on", "Admin login:", "Lead login:")


def test_the_demo_banner_comes_last_and_the_demo_stays_quiet(tmp_path: Path):
    port = free_port()
    env = {
        **os.environ,
        "SWARMBOARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'first.db'}",
        "SWARMBOARD_DATA_DIR": str(tmp_path / "data"),
        "SWARMBOARD_LOG_FORMAT": "text",  # what `make run` sets
    }
    env.pop("SWARMBOARD_ADMIN_TOKEN", None)
    env.pop("SWARMBOARD_SECRET_KEY", None)
    # No --log-level: the demo's own default is what a person sees.
    proc = subprocess.Popen(
        [*CLI, "serve", "--demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while not any(x.startswith("Admin token:") for x in lines):
            assert proc.poll() is None, lines
            assert time.monotonic() < deadline, lines
            time.sleep(0.1)
        banner_end = len(lines)
        # Someone tries the demo: signs in as the lead and opens the board.
        with httpx.Client(base_url=base, timeout=10) as browser:
            form = browser.get("/login")
            signed = browser.post(
                "/login",
                data={
                    "email": "maya@example.com",
                    "password": "swarmboard-demo",
                    "csrf_token": form_csrf(form.text),
                },
            )
            assert signed.status_code == 303, signed.text
            boards = browser.get("/api/boards").json()["boards"]
            page = browser.get(f"/boards/{boards[0]['id']}")
            assert page.status_code == 200
            assert browser.get("/no-such-page").status_code == 404
    finally:
        proc.terminate()
        proc.wait(30)
        reader.join(10)
        proc.stdout.close()

    printed = [x.rstrip("\n") for x in lines[:banner_end]]
    # The banner is the last block, in this order, the token last of all...
    tail = printed[-(len(BANNER) + 1) :]
    assert [next((p for p in BANNER if x.startswith(p)), x) for x in tail[:-1]] == list(BANNER)
    assert tail[-1].startswith("Admin token: sb_")
    assert tail[2] == "Admin login: admin@swarmboard.local / swarmboard-demo"
    assert tail[3] == "Lead login: maya@example.com / swarmboard-demo"
    # ...after the migrations and the start-up lines.
    assert printed.index("Migrating the database to the newest schema...") < len(printed) - 5
    # Signing in, the board page, a 404 and a clean stop print nothing more: no request
    # log, no start-up or shutdown chatter at this level.
    assert lines[banner_end:] == []
    assert proc.returncode == 0


def test_the_demo_admin_signs_in_with_the_printed_password(tmp_path: Path):
    """The admin line of the banner works: the admin reaches the board list."""
    with demo_server(tmp_path) as demo:
        login = demo.printed("Admin login")
        email, password = (x.strip() for x in login.split("/"))
        with httpx.Client(base_url=demo.base_url, timeout=10) as browser:
            form = browser.get("/login")
            signed = browser.post(
                "/login",
                data={"email": email, "password": password, "csrf_token": form_csrf(form.text)},
            )
            assert signed.status_code == 303 and signed.headers["location"] == "/boards"
            me = browser.get("/api/users/me").json()
        assert (me["email"], me["role"]) == ("admin@swarmboard.local", "admin")
