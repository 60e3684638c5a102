"""Checks of ``bench/load.py`` after the run: seq contiguity, WIP replay, fan-out matching."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bench.load_traffic import Write
from bench.load_ws import WsResult


# -- database checks --------------------------------------------------------------------------
@dataclass(slots=True)
class DbCheck:
    boards: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    entries: int = 0  # card entries into a column replayed
    overrides_seen: int = 0  # entries beyond a limit covered by a wip.* event
    covered_by: Counter[str] = field(default_factory=Counter)  # "<entry> + <wip.*>" -> n
    max_fill: dict[str, int] = field(default_factory=dict)  # "board/column" -> max count


async def load_events(dsn: str, board_ids: list[int]) -> dict[int, list[tuple[int, str, Any]]]:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT board_id, seq, type, data FROM board_events "
            "WHERE board_id = ANY($1::int[]) ORDER BY board_id, seq",
            board_ids,
        )
    finally:
        await conn.close()
    out: dict[int, list[tuple[int, str, Any]]] = {b: [] for b in board_ids}
    for r in rows:
        data = r["data"]
        out[r["board_id"]].append((r["seq"], r["type"], json.loads(data) if data else {}))
    return out


async def check_database(dsn: str, events: dict[int, list[tuple[int, str, Any]]]) -> DbCheck:
    check = DbCheck()
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        boards = await conn.fetch(
            "SELECT b.id, b.last_seq, count(e.seq) AS n, count(DISTINCT e.seq) AS distinct_n, "
            "min(e.seq) AS lo, max(e.seq) AS hi FROM boards b "
            "LEFT JOIN board_events e ON e.board_id = b.id GROUP BY b.id ORDER BY b.id"
        )
        columns = await conn.fetch(
            "SELECT id, board_id, name, wip_limit, wip_policy FROM board_columns"
        )
        fill = await conn.fetch("SELECT column_id, count(*) AS n FROM cards GROUP BY column_id")
    finally:
        await conn.close()
    for b in boards:
        last = b["last_seq"]
        ok = b["n"] == b["distinct_n"] == last and (last == 0 or (b["lo"] == 1 and b["hi"] == last))
        check.boards.append({k: b[k] for k in ("id", "last_seq", "n", "distinct_n", "lo", "hi")})
        if not ok:
            check.problems.append(
                f"board {b['id']}: last_seq {last} but {b['n']} events, {b['distinct_n']} "
                f"distinct seqs, min {b['lo']} max {b['hi']}"
            )
    col_info = {c["id"]: c for c in columns}
    actual = {r["column_id"]: r["n"] for r in fill}
    for board_id, log in events.items():
        _replay(board_id, log, col_info, actual, check)
    return check


def _replay(
    board_id: int,
    log: list[tuple[int, str, Any]],
    col_info: dict[int, Any],
    actual: dict[int, int],
    check: DbCheck,
) -> None:
    counts: Counter[int] = Counter()
    where: dict[int, int] = {}
    for i, (seq, type_, data) in enumerate(log):
        card = data.get("card_id")
        if type_ == "card.created":
            entered: int | None = int(data["column_id"])
        elif type_ in ("card.moved", "card.reopened"):
            src, entered = int(data["from_column_id"]), int(data["to_column_id"])
            if where.get(card) != src:
                check.problems.append(
                    f"board {board_id} seq {seq}: {type_} of card {card} from column {src}, "
                    f"but the replay has it in {where.get(card)}"
                )
            if src == entered:
                continue
            counts[src] -= 1
        else:
            continue
        assert entered is not None
        counts[entered] += 1
        where[card] = entered
        check.entries += 1
        info = col_info.get(entered)
        name = f"{board_id}/{info['name'] if info else entered}"
        check.max_fill[name] = max(check.max_fill.get(name, 0), counts[entered])
        limit = info["wip_limit"] if info else None
        if limit is None or counts[entered] <= limit:
            continue
        covered = [
            t
            for _, t, d in log[i + 1 : i + 4]
            if t.startswith("wip.")
            and d.get("scope") == "column"
            and d.get("column_id") == entered
            and d.get("card_id") == card
        ]
        if covered:
            check.overrides_seen += 1
            check.covered_by[f"{type_} + {covered[0]}"] += 1
        else:
            check.problems.append(
                f"board {board_id} seq {seq}: {type_} of card {card} left column {name} with "
                f"{counts[entered]} cards over its limit {limit} and no wip.* event"
            )
    for column_id, n in counts.items():
        if actual.get(column_id, 0) != n:
            check.problems.append(
                f"board {board_id} column {column_id}: replay ends with {n} cards, "
                f"the cards table has {actual.get(column_id, 0)}"
            )


# -- fan-out matching -------------------------------------------------------------------------
@dataclass(slots=True)
class Fanout:
    matched: int = 0
    unmatched: int = 0
    undelivered: int = 0  # matched writes whose event no socket received
    last_resp: list[float] = field(default_factory=list)
    last_start: list[float] = field(default_factory=list)
    first_resp: list[float] = field(default_factory=list)
    events_expected: int = 0
    events_seen: int = 0


def match_fanout(
    writes: list[Write],
    events: dict[int, list[tuple[int, str, Any]]],
    ws: WsResult,
    since: dict[int, int],
    window: tuple[float, float],
) -> Fanout:
    keyed: dict[tuple[int, tuple[Any, ...]], list[int]] = defaultdict(list)
    for board_id, log in events.items():
        for seq, type_, data in log:
            if type_ == "card.created":
                key: tuple[Any, ...] = ("created", data.get("card_id"))
            elif type_ == "card.moved":
                key = ("moved", data.get("card_id"))
            elif type_ == "interaction.recorded":
                key = ("interaction", data.get("interaction_id"))
            elif type_ in ("swarm.joined", "swarm.left"):
                key = (type_.split(".")[1], data.get("swarm_id"), data.get("user_id"))
            else:
                continue
            keyed[(board_id, key)].append(seq)
    by_key: dict[tuple[int, tuple[Any, ...]], list[Write]] = defaultdict(list)
    for w in writes:
        by_key[(w.board_id, w.key)].append(w)
    out = Fanout()
    t_measure, t_end = window
    for full_key, ws_list in by_key.items():
        seqs = [s for s in keyed.get(full_key, []) if s > since[full_key[0]]]
        ws_list.sort(key=lambda w: w.order)
        if len(seqs) != len(ws_list):
            out.unmatched += abs(len(seqs) - len(ws_list))
        for w, seq in zip(ws_list, seqs, strict=False):
            out.matched += 1
            arrival = ws.arrivals.get(w.board_id, {}).get(seq)
            if arrival is None:
                out.undelivered += 1
                continue
            if t_measure <= w.start < t_end:
                out.last_resp.append((arrival[1] - w.end) * 1000)
                out.last_start.append((arrival[1] - w.start) * 1000)
                out.first_resp.append((arrival[0] - w.end) * 1000)
    for board_id, log in events.items():
        n_sockets = ws.sockets_per_board.get(board_id, 0)
        for seq, _, _ in log:
            if seq > since[board_id]:
                out.events_expected += 1
                got = ws.arrivals.get(board_id, {}).get(seq)
                out.events_seen += bool(got and got[2] >= n_sockets)
    return out
