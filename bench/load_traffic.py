"""The load of ``bench/load.py``: the request mix, its Poisson schedule and the workers."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import secrets
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from bench.httpclient import RawClient
from bench.load_setup import Board, Card, User, World, auth_header, ticket_body

# uvicorn closes an idle keep-alive connection after 5 s (--timeout-keep-alive); a
# request sent on it just then meets a closed socket. Like an HTTP client's pool, the
# load reconnects a connection idle longer than this instead of racing the close.
KEEPALIVE_EXPIRY = 4.0
SLOW_MS = 1000.0  # requests at least this slow are listed on a timeline
# Operation kinds and their weights in the mix (relative; reads first).
MIX: dict[str, float] = {
    "board_get": 8,
    "card_get": 18,
    "events_list": 10,
    "swarm_get": 3,
    "flow_metrics": 1,
    "move": 30,
    "card_create": 2,
    "ticket_intake": 2.5,
    "interaction": 10,
    "swarm_join_leave": 6,
}
READS = {"board_get", "card_get", "events_list", "swarm_get", "flow_metrics"}
# Expected answers other than success, per kind (problem types of a 409).
EXPECTED_REFUSALS: dict[str, set[str]] = {
    "move": {"wip-limit-exceeded", "version-conflict"},
    "card_create": {"wip-limit-exceeded"},
    "swarm_join_leave": {"person-wip-limit-exceeded"},
}
MOVE_TARGETS = {"Triage": 15, "Investigating": 30, "Waiting": 20, "Resolved": 35}
_LAST_SEQ = re.compile(rb'"last_seq":(\d+)')
_PROBLEM = re.compile(rb'"type":"[^"]*/([a-z-]+)"')


@dataclass(slots=True)
class Write:
    """A successful write, to be matched to its event: key and order within the key."""

    board_id: int
    key: tuple[Any, ...]
    order: float
    start: float
    end: float


@dataclass(slots=True)
class Stats:
    t_measure: float
    t_end: float
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter[str] = field(default_factory=Counter)
    error_examples: list[str] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    late: int = 0
    requests: int = 0  # every request, warm-up included
    slow: list[tuple[float, str, float]] = field(default_factory=list)  # (t, kind, ms)

    def record(self, kind: str, start: float, end: float, outcome: str) -> None:
        self.requests += 1
        self.outcomes[kind][outcome] += 1
        if self.t_measure <= start < self.t_end:
            ms = (end - start) * 1000
            self.latency[kind].append(ms)
            if ms >= SLOW_MS:
                self.slow.append((start - self.t_measure, kind, ms))

    def error(self, kind: str, status: int, payload: bytes) -> None:
        self.errors[f"{kind} {status}"] += 1
        if len(self.error_examples) < 10:
            text = payload[:300].decode(errors="replace")
            self.error_examples.append(f"{kind} -> {status}: {text}")


def _problem(payload: bytes) -> str:
    m = _PROBLEM.search(payload)
    return m.group(1).decode() if m else "?"


class Load:
    """``workers`` connections, each one request at a time, together ``rate`` requests/s."""

    def __init__(
        self, world: World, ports: list[int], args: argparse.Namespace, stats: Stats
    ) -> None:
        self.world, self.ports, self.args, self.stats = world, ports, args, stats
        self.kinds = list(MIX)
        self.weights = list(MIX.values())
        self.rng = random.Random(args.seed)

    async def run(self, t0: float) -> None:
        await asyncio.gather(*(self.worker(w, t0) for w in range(self.args.workers)))

    async def worker(self, w: int, t0: float) -> None:
        user = self.world.users[w % len(self.world.users)]
        client = RawClient(self.ports[w % len(self.ports)], auth_header(user.token))
        rng = random.Random(f"{self.args.seed}-{w}")
        per_worker = self.args.rate / self.args.workers
        due = t0 + rng.expovariate(per_worker)
        last_used = time.monotonic()
        try:
            while due < self.stats.t_end:
                now = time.monotonic()
                if due > now:
                    await asyncio.sleep(due - now)
                elif now - due > 1.0:  # more than a second behind: restart the schedule
                    self.stats.late += 1
                    due = now
                kind = rng.choices(self.kinds, self.weights)[0]
                board = rng.choice(self.world.boards)
                if time.monotonic() - last_used > KEEPALIVE_EXPIRY:
                    await client.close()  # as an HTTP client pool would: reconnect
                await getattr(self, f"op_{kind}")(client, user, board, rng)
                last_used = time.monotonic()
                due += rng.expovariate(per_worker)
        finally:
            await client.close()

    async def call(
        self, client: RawClient, kind: str, method: str, path: str, body: Any = None
    ) -> tuple[int, bytes, float, float, str | None]:
        """One request; returns status, body, start, end and the 409 problem type."""
        data = json.dumps(body).encode() if body is not None else b""
        start = time.monotonic()
        try:
            status, payload = await client.request(method, path, data)
        except (OSError, asyncio.IncompleteReadError, ValueError, ConnectionError) as exc:
            status, payload = 0, repr(exc).encode()
        end = time.monotonic()
        problem = _problem(payload) if status == 409 else None
        return status, payload, start, end, problem

    def settle(
        self,
        kind: str,
        result: tuple[int, bytes, float, float, str | None],
        ok: tuple[int, ...],
        expected: set[str] | None = None,
        label: str = "ok",
    ) -> bool:
        """Count the answer; True when it was a success."""
        status, payload, start, end, problem = result
        if status in ok:
            self.stats.record(kind, start, end, label)
            return True
        if status == 409 and problem in (expected or EXPECTED_REFUSALS.get(kind, set())):
            self.stats.record(kind, start, end, f"409 {problem}")
            return False
        self.stats.record(kind, start, end, f"ERROR {status}")
        self.stats.error(kind, status, payload)
        return False

    # -- reads ---------------------------------------------------------------------------------
    async def op_board_get(self, c: RawClient, u: User, b: Board, rng: random.Random) -> None:
        res = await self.call(c, "board_get", "GET", f"/api/boards/{b.id}")
        if self.settle("board_get", res, (200,)) and (m := _LAST_SEQ.search(res[1])):
            b.last_seq = max(b.last_seq, int(m.group(1)))

    async def op_card_get(self, c: RawClient, u: User, b: Board, rng: random.Random) -> None:
        await self.refresh(c, b, rng.choice(b.movable))

    async def refresh(self, c: RawClient, b: Board, card_id: int) -> None:
        res = await self.call(c, "card_get", "GET", f"/api/cards/{card_id}")
        if self.settle("card_get", res, (200,)):
            body = json.loads(res[1])
            card = b.cards[card_id]
            if body["version"] >= card.version:
                card.column, card.version = int(body["column_id"]), int(body["version"])

    async def op_events_list(self, c: RawClient, u: User, b: Board, rng: random.Random) -> None:
        since = max(0, b.last_seq - rng.randrange(20, 200))
        path = f"/api/boards/{b.id}/events?since={since}&limit=100"
        self.settle("events_list", await self.call(c, "events_list", "GET", path), (200,))

    async def op_swarm_get(self, c: RawClient, u: User, b: Board, rng: random.Random) -> None:
        path = f"/api/swarms/{rng.choice(b.swarms)}"
        self.settle("swarm_get", await self.call(c, "swarm_get", "GET", path), (200,))

    async def op_flow_metrics(self, c: RawClient, u: User, b: Board, rng: random.Random) -> None:
        path = f"/api/boards/{b.id}/metrics/flow"
        self.settle("flow_metrics", await self.call(c, "flow_metrics", "GET", path), (200,))

    # -- writes --------------------------------------------------------------------------------
    async def op_move(self, c: RawClient, u: User, b: Board, rng: random.Random) -> None:
        card = b.cards[rng.choice(b.movable)]
        names = [n for n in MOVE_TARGETS if b.columns[n] != card.column]
        target = rng.choices(names, [MOVE_TARGETS[n] for n in names])[0]
        body: dict[str, Any] = {"column_id": b.columns[target], "version": card.version}
        if u.role == "lead" and rng.random() < 0.25:
            body["override_reason"] = "bench: lead pulls it in anyway"
        res = await self.call(c, "move", "POST", f"/api/cards/{card.id}/move", body)
        if self.settle("move", res, (200,)):
            moved = json.loads(res[1])
            version = int(moved["version"])
            if version > card.version:
                card.column, card.version = int(moved["column_id"]), version
            self.stats.writes.append(Write(b.id, ("moved", card.id), version, res[2], res[3]))
        elif res[4] == "version-conflict":
            await self.refresh(c, b, card.id)

    async def op_card_create(self, c: RawClient, u: User, b: Board, rng: random.Random) -> None:
        column = rng.choices(["Triage", "Investigating", "Waiting"], [50, 30, 20])[0]
        body = {
            "title": f"New card {secrets.token_hex(3)}",
            "column_id": b.columns[column],
            "priority": rng.choice(["low", "normal", "high"]),
        }
        res = await self.call(c, "card_create", "POST", f"/api/boards/{b.id}/cards", body)
        if self.settle("card_create", res, (201,)):
            card = json.loads(res[1])
            b.add_card(Card(int(card["id"]), int(card["column_id"]), int(card["version"])))
            self.stats.writes.append(Write(b.id, ("created", card["id"]), 0, res[2], res[3]))

    async def op_ticket_intake(self, c: RawClient, u: User, b: Board, rng: random.Random) -> None:
        path = f"/api/boards/{b.id}/tickets"
        if b.refs and rng.random() < 0.1:  # a channel retrying a known ticket
            body = ticket_body(b, rng, 0)
            b.refs.pop()
            body["external_ref"] = rng.choice(b.refs)
            res = await self.call(c, "ticket_intake", "POST", path, body)
            self.settle("ticket_intake", res, (200,), label="200 repeat")
            return
        self.world.ref_counter += 1
        body = ticket_body(b, rng, self.world.ref_counter)
        res = await self.call(c, "ticket_intake", "POST", path, body)
        if self.settle("ticket_intake", res, (201,)):
            card = json.loads(res[1])
            b.add_card(Card(int(card["id"]), int(card["column_id"]), int(card["version"])))
            b.tickets.append(int(card["id"]))
            self.stats.writes.append(Write(b.id, ("created", card["id"]), 0, res[2], res[3]))

    async def op_interaction(self, c: RawClient, u: User, b: Board, rng: random.Random) -> None:
        kind, actor = rng.choice(
            [
                ("agent_reply", "user"),
                ("agent_reply", "user"),
                ("customer_message", "user"),
                ("internal_note", "user"),
                ("bot_reply", "bot"),
            ]
        )
        body: dict[str, Any] = {"kind": kind, "actor_kind": actor, "body": "Thanks, looking."}
        if kind == "agent_reply":
            body["handle_seconds"] = rng.randrange(30, 900)
        path = f"/api/cards/{rng.choice(b.tickets)}/interactions"
        res = await self.call(c, "interaction", "POST", path, body)
        if self.settle("interaction", res, (201,)):
            iid = json.loads(res[1])["id"]
            self.stats.writes.append(Write(b.id, ("interaction", iid), 0, res[2], res[3]))

    async def op_swarm_join_leave(
        self, c: RawClient, u: User, b: Board, rng: random.Random
    ) -> None:
        free = [s for s in b.swarms if (s, u.id) not in self.world.busy]
        if not free:
            return
        swarm = rng.choice(free)
        key = (swarm, u.id)
        self.world.busy.add(key)
        try:
            if key in self.world.in_swarm:
                path, what, body = f"/api/swarms/{swarm}/leave", "left", None
            else:
                path, what, body = f"/api/swarms/{swarm}/join", "joined", {"role": "helper"}
            res = await self.call(c, "swarm_join_leave", "POST", path, body)
            if self.settle("swarm_join_leave", res, (200,), label=what):
                self.world.in_swarm.symmetric_difference_update({key})
                write = Write(b.id, (what, swarm, u.id), res[2], res[2], res[3])
                self.stats.writes.append(write)
        finally:
            self.world.busy.discard(key)
