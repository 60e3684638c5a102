"""Schemathesis against our own OpenAPI document, on a real server with the demo board.

Every operation is generated from the document (examples, boundary and negative
cases, then random ones, then stateful sequences that follow responses), sent to a real
``swarmboard serve --demo`` process on a fresh database, and its answer checked:

* no 5xx, ever;
* the status code, content type, headers and body are the documented ones, and every
  error is ``application/problem+json`` (the document says so for every operation);
* data that breaks the schema is refused, and undeclared methods get 405 with ``Allow``.
* text holding NUL (U+0000), which the hooks put in one case in five, is a 422
  problem, on every operation it reached.

One check is off, ``positive_data_acceptance``: it expects every schema-valid request
to succeed, but some rules cannot be written in OpenAPI (a date range of at most three
years, a column that belongs to the board, a WIP limit), and refusing those with a 422
problem is the API working.

The run is bounded (``SB_FUZZ_EXAMPLES`` examples per operation, 20 by default) and
repeatable (``SB_FUZZ_SEED``); set another seed to explore.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, ROOT, empty_database
from tests.insights.helpers import png
from tests.ops.helpers import serve_process

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = os.environ.get("SB_FUZZ_EXAMPLES", "20")
SEED = os.environ.get("SB_FUZZ_SEED", "20261125")


@pytest.fixture(scope="module")
def fuzz_database(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the run's own kind, for the fuzzer alone: it changes everything."""
    with empty_database(database_url, tmp_path_factory.mktemp("fuzz"), "sb_fuzz") as url:
        yield url


@pytest.fixture(scope="module")
def demo_server(fuzz_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """``swarmboard serve --demo``: migrates, seeds the demo board, serves. Its relay and
    scheduler are off (nothing is sent anywhere) and webhook URLs are not resolved (no
    DNS in CI). Warnings and errors only: thousands of access-log lines are noise."""
    tmp = tmp_path_factory.mktemp("fuzz-server")
    with serve_process(fuzz_database, tmp, args=("--demo",), log_level="warning") as server:
        yield server


def _collect_ids(url: str) -> dict[str, Any]:
    """Ids of real objects of every kind a path names, some made here for the purpose."""
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30
    ) as api:

        def get(path: str) -> Any:
            r = api.get(path)
            assert r.status_code == 200, (path, r.text)
            return r.json()

        def post(path: str, **kw: Any) -> Any:
            r = api.post(path, **kw)
            assert r.status_code in (200, 201, 202), (path, r.text)
            return r.json()

        me = get("/api/users/me")
        boards = [b["id"] for b in get("/api/boards")["boards"]]
        detail = get(f"/api/boards/{boards[0]}")
        cards = [c["id"] for c in detail["cards"]]
        users = [u["id"] for u in get("/api/users?limit=200")["users"] if u["id"] != me["id"]]
        swarms = get(f"/api/boards/{boards[0]}/swarms")["swarms"]
        invitations = [i["id"] for s in swarms for i in s["invitations"]]
        spare_tokens = [post(f"/api/users/{u}/tokens", json={"name": "fuzz"})["id"] for u in users]
        endpoint = post(
            "/api/webhooks",
            json={"url": "http://127.0.0.1:9/fuzz", "event_types": ["*"], "board_id": boards[0]},
        )
        post(f"/api/webhooks/{endpoint['id']}/ping")
        deliveries = get(f"/api/webhooks/{endpoint['id']}/deliveries")["deliveries"]
        evidence = post(
            f"/api/cards/{cards[0]}/evidence",
            files={"file": ("screenshot.png", png(), "image/png")},
        )
        policies = get(f"/api/boards/{boards[0]}/sla-policies")
        ids = {
            "board_id": boards,
            "card_id": cards,
            "target_id": cards,
            "column_id": [c["id"] for c in detail["columns"]],
            "lane_id": [lane["id"] for lane in detail["lanes"]],
            "user_id": users,
            "token_id": spare_tokens,
            "swarm_id": [s["id"] for s in swarms],
            "invitation_id": invitations,
            "alert_id": [a["id"] for a in get(f"/api/boards/{boards[0]}/alerts")["alerts"]],
            "policy_id": [p["id"] for p in policies],
            "endpoint_id": [endpoint["id"]],
            "delivery_id": [d["id"] for d in deliveries],
            "evidence_id": [evidence["id"]],
        }
    return {
        "ids": {k: v for k, v in ids.items() if v},
        "admin_user_id": me["id"],
        # Tokens made before the spare ones include the admin's own.
        "protected_token_ids": list(range(1, min(spare_tokens))),
    }


def test_no_operation_errors_or_breaks_its_documented_contract(
    demo_server: Any, tmp_path: Path
) -> None:
    url = demo_server.url
    ids = _collect_ids(url)
    # Every path parameter kind has real objects to aim at.
    assert set(ids["ids"]) >= {"board_id", "card_id", "user_id", "token_id", "endpoint_id"}
    ids_file = tmp_path / "ids.json"
    ids_file.write_text(json.dumps(ids), encoding="utf-8")
    report = tmp_path / "report.xml"
    nul_log = tmp_path / "nul.jsonl"
    run = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{url}/openapi.json",
            "--header",
            f"Authorization: Bearer {ADMIN_TOKEN}",
            "--max-examples",
            EXAMPLES,
            "--seed",
            SEED,
            "--exclude-checks",
            "positive_data_acceptance",
            "--request-timeout",
            "30",
            "--report",
            "junit",
            "--report-junit-path",
            str(report),
            "--no-color",
        ],
        # Its cache directory lands in the temporary directory, not in the checkout.
        cwd=tmp_path,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
            "SB_FUZZ_IDS": str(ids_file),
            "SB_FUZZ_NUL_LOG": str(nul_log),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    server_log = demo_server.stderr()
    assert run.returncode == 0, f"{run.stdout[-20000:]}\n{run.stderr[-5000:]}\n{server_log[-8000:]}"
    # The run really covered the API: every documented operation was tested.
    paths = httpx.get(f"{url}/openapi.json").json()["paths"]
    operations = sum(len(item) for item in paths.values())
    assert f"Tested: {operations}" in run.stdout, run.stdout[-3000:]
    assert '"level": "error"' not in server_log, server_log[-8000:]
    # NUL reached the query and the JSON body of many operations, and every time it
    # was refused as a 422 problem before anything ran.
    sent = [json.loads(line) for line in nul_log.read_text(encoding="utf-8").splitlines()]
    reached = {
        where: {s["operation"] for s in sent if where in s["where"]} for where in ("query", "body")
    }
    assert len(reached["query"]) >= 5 and len(reached["body"]) >= 20, reached
    wrong = [
        s for s in sent if (s["status"], s["content_type"]) != (422, "application/problem+json")
    ]
    assert wrong == [], wrong[:20]
