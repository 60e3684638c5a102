"""Setup of ``bench/load.py``: the replicas, the websocket process, the seeded world."""

from __future__ import annotations

import multiprocessing as mp
import random
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import Server
from bench.fanout import raise_nofile
from bench.load_ws import WsPlan, ws_worker

REDIS_URL = "redis://127.0.0.1:6379/0"
SKILLS = ["billing", "networking", "database", "auth", "mobile", "payments"]
COLUMNS = [  # name, stage, WIP limit, policy, waits on customer
    ("Triage", "backlog", 40, "hard", False),
    ("Investigating", "active", 10, "hard", False),
    ("Waiting", "active", 8, "soft", True),
    ("Escalated", "active", None, "hard", False),
    ("Resolved", "done", None, "hard", False),
]
INITIAL_CARDS = {"Triage": 20, "Investigating": 8, "Waiting": 4, "Resolved": 10}
INITIAL_TICKETS = 12
CUSTOMERS = 60


def auth_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- the world the load acts on ---------------------------------------------------------------
@dataclass(slots=True)
class User:
    id: int
    token: str
    role: str  # "lead" or "agent"


@dataclass(slots=True)
class Card:
    id: int
    column: int
    version: int


@dataclass(slots=True)
class Board:
    id: int
    columns: dict[str, int]  # name -> id
    cards: dict[int, Card] = field(default_factory=dict)  # movable cards
    movable: list[int] = field(default_factory=list)
    tickets: list[int] = field(default_factory=list)  # intake tickets (interactions)
    refs: list[str] = field(default_factory=list)  # external refs taken in
    swarms: list[int] = field(default_factory=list)
    last_seq: int = 0

    def add_card(self, card: Card) -> None:
        self.cards[card.id] = card
        self.movable.append(card.id)


@dataclass(slots=True)
class World:
    users: list[User]
    boards: list[Board]
    in_swarm: set[tuple[int, int]] = field(default_factory=set)  # (swarm, user)
    busy: set[tuple[int, int]] = field(default_factory=set)  # (swarm, user) in flight
    ref_counter: int = 0


async def _post(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await http.post(path, json=body)
    if r.status_code not in (200, 201):
        raise RuntimeError(f"setup: POST {path} -> {r.status_code} {r.text[:300]}")
    return dict(r.json())


async def build_world(port: int, admin_token: str, rng: random.Random) -> World:
    """People, two boards, cards, tickets and swarms, made through the real API."""
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=auth_header(admin_token), trust_env=False
    ) as http:
        users: list[User] = []
        specs: list[tuple[str, str, list[str]]] = [("lead", "Lead", [])] + [
            ("agent", f"Agent {k}", [SKILLS[k % 6], SKILLS[(k + 1) % 6]]) for k in range(6)
        ]
        for k, (role, name, skills) in enumerate(specs):
            body: dict[str, Any] = {
                "name": f"{name} {k}",
                "email": f"bench-{k}-{secrets.token_hex(4)}@example.com",
                "role": role,
                "team": f"team-{k % 3}",
                "skills": [{"name": s, "level": 2} for s in skills],
            }
            u = await _post(http, "/api/users", body)
            users.append(User(int(u["id"]), str(u["token"]), role))
        boards = []
        for b in range(2):
            columns = [
                {
                    "name": name,
                    "stage": stage,
                    "wip_limit": limit,
                    "wip_policy": policy,
                    "waits_on_customer": waits,
                }
                for name, stage, limit, policy, waits in COLUMNS
            ]
            r = await _post(http, "/api/boards", {"name": f"load bench {b}", "columns": columns})
            board = Board(id=int(r["id"]), columns={c["name"]: c["id"] for c in r["columns"]})
            for user in users:
                body = {"user_id": user.id, "role": user.role}
                await _post(http, f"/api/boards/{board.id}/members", body)
            for column, n in INITIAL_CARDS.items():
                for i in range(n):
                    body = {"title": f"{column} card {i}", "column_id": board.columns[column]}
                    c = await _post(http, f"/api/boards/{board.id}/cards", body)
                    board.add_card(Card(int(c["id"]), int(c["column_id"]), int(c["version"])))
            for _ in range(INITIAL_TICKETS):
                c = await _post(http, f"/api/boards/{board.id}/tickets", ticket_body(board, rng, 0))
                board.add_card(Card(int(c["id"]), int(c["column_id"]), int(c["version"])))
                board.tickets.append(int(c["id"]))
            lead = {"Authorization": f"Bearer {users[0].token}"}
            for i in range(3):
                body = {"title": f"escalated {i}", "column_id": board.columns["Escalated"]}
                c = await _post(http, f"/api/boards/{board.id}/cards", body)
                swarm = {
                    "skills": rng.sample(SKILLS, 2),
                    "question": f"Why does escalated {i} fail?",
                    "tried": "restarted, checked the logs",
                }
                r2 = await http.post(f"/api/cards/{c['id']}/swarms", json=swarm, headers=lead)
                if r2.status_code != 201:
                    raise RuntimeError(f"setup: swarm -> {r2.status_code} {r2.text[:300]}")
                board.swarms.append(int(r2.json()["id"]))
            r3 = await http.get(f"/api/boards/{board.id}")
            board.last_seq = int(r3.json()["last_seq"])
            boards.append(board)
    return World(users=users, boards=boards)


def ticket_body(board: Board, rng: random.Random, counter: int) -> dict[str, Any]:
    ref = f"bench-{board.id}-{counter}-{secrets.token_hex(3)}"
    board.refs.append(ref)
    cust = rng.randrange(CUSTOMERS)
    return {
        "external_ref": ref,
        "title": f"Customer ticket {ref}",
        "description": "It does not work.",
        "channel": rng.choice(["email", "chat", "web", "call", "bot"]),
        "priority": rng.choice(["low", "normal", "normal", "high"]),
        "customer": {
            "ref": f"cust-{cust}",
            "name": f"Customer {cust}",
            "email": f"cust-{cust}@example.com",
        },
    }


# -- the replicas ----------------------------------------------------------------------------
def start_replicas(
    replicas: list[Server],
    url: str,
    token: str,
    pg_name: str,
    tmp: Path,
    nofile: int,
    extra_env: dict[str, str] | None = None,
    *,
    count: int = 2,
    prefix: str = "replica",
) -> None:
    """Start ``count`` replicas (named ``prefix`` + index) and wait until they answer.

    Each is appended to ``replicas`` as it starts, so the caller stops it on any error.
    """
    started = len(replicas)
    for k in range(count):
        env = {
            "SWARMBOARD_DATABASE_URL": url,
            "SWARMBOARD_ADMIN_TOKEN": token,
            "SWARMBOARD_ENVIRONMENT": "test",
            "SWARMBOARD_SECRET_KEY": "bench-secret-" + secrets.token_hex(8),
            "SWARMBOARD_REDIS_URL": REDIS_URL,
            "SWARMBOARD_REDIS_CHANNEL": f"swarmboard:bench:{pg_name}",
            "SWARMBOARD_WS_MAX_PER_PERSON": "10000",  # the clients share a few tokens
            "SWARMBOARD_SCHEDULER": "on",
            "SWARMBOARD_WEBHOOK_RELAY": "on",
            "SWARMBOARD_DATA_DIR": str(tmp / "data"),
            "SWARMBOARD_LOG_FORMAT": "text",
        } | (extra_env or {})
        replicas.append(
            Server(
                f"{prefix}{k}",
                "app.main:create_app",
                env,
                tmp,
                preexec_fn=lambda: raise_nofile(nofile),
            )
        )
    for r in replicas[started:]:
        r.wait_ready()


# -- the websocket process --------------------------------------------------------------------
class WsProcess:
    def __init__(self, plan: WsPlan) -> None:
        ctx = mp.get_context("spawn")
        self.pipe, child = ctx.Pipe()
        self.proc = ctx.Process(target=ws_worker, args=(plan, child), daemon=True)
        self.proc.start()
        child.close()

    def recv(self, timeout: float, replicas: list[Server]) -> Any:
        deadline = time.monotonic() + timeout
        while not self.pipe.poll(0.2):
            for r in replicas:
                r.check_alive()
            if not self.proc.is_alive():
                raise RuntimeError(f"websocket process exited with {self.proc.exitcode}")
            if time.monotonic() > deadline:
                raise TimeoutError("websocket process did not answer in time")
        return self.pipe.recv()

    def status(self) -> tuple[int, int]:
        self.pipe.send(("status", None))
        if not self.pipe.poll(10):
            return -1, -1
        _, messages, closed = self.pipe.recv()
        return int(messages), int(closed)

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
