"""The reference agent: a bot that works a Swarmboard board through ``/mcp``, no LLM needed.

It is an MCP *client* (the official SDK over Streamable HTTP, a bearer token in the
Authorization header) and imports nothing of the server: ``examples/faq_agent.py`` is
its command line, and ``swarmboard serve --demo --agent`` runs the same loop against the
server's own ``/mcp``. One card at a time:

1. ``pull_next_card``: the board hands it the best card it may work (or nothing; then
   it sleeps and pulls again);
2. ``get_card``, then ``search_knowledge`` for the title's longest words; the notes are
   scored by word overlap (app/agents/reference_match.py);
3. a good match: ``reply_to_customer`` with the note, ``resolve_card`` (the board asks
   the customer to confirm), ``report_usage`` with a notional usage;
4. otherwise: ``report_usage``, then ``request_swarm`` with the skills the card needs,
   a question and what it tried: a hand-over to people.

A refusal is a tool error carrying a problem ``type``: ``bot-away`` (the kill switch)
and the WIP limits make it wait and pull again later; anything else is logged.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from app.agents.reference_match import Match, best_match, keywords

__all__ = ["AgentSettings", "BoardClient", "FaqAgent", "ToolProblem", "connect", "run_agent"]

Log = Callable[[str], None]
WAIT_TYPES = {"bot-away", "wip-limit-exceeded", "person-wip-limit-exceeded"}


def note_key(note: Mapping[str, Any]) -> tuple[str, int]:
    """A knowledge note's identity: a swarm's, or a resolved card's (no swarm)."""
    if note.get("swarm_id") is not None:
        return ("swarm", int(note["swarm_id"]))
    return ("card", int(note["card_id"]))


def note_name(note: Mapping[str, Any]) -> str:
    """How the log and the resolution name a note: "swarm 47" or "card 512"."""
    kind, ident = note_key(note)
    return f"{kind} {ident}"


class ToolProblem(Exception):
    """A tool error: the problem+json the HTTP API would have answered."""

    def __init__(self, tool: str, body: dict[str, Any]) -> None:
        self.tool = tool
        self.type = str(body.get("type", "")).rsplit("/", 1)[-1] or "tool-error"
        self.detail = str(body.get("detail") or body.get("message") or body)
        self.status = body.get("status")
        super().__init__(f"{tool}: {self.type}: {self.detail}")


class BoardClient:
    """Tool calls on one MCP session, answered as plain dicts (the structured content)."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session
        self.chars_read = 0  # what the tools answered, for the notional usage

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        result = await self.session.call_tool(tool, arguments)
        body: dict[str, Any]
        if result.structured_content is not None:
            body = dict(result.structured_content)
        else:  # a server without structured output: the JSON text
            text = "".join(getattr(c, "text", "") for c in result.content)
            try:
                parsed = json.loads(text) if text else {}
            except ValueError:
                parsed = None
            body = parsed if isinstance(parsed, dict) else {"detail": text}
        if result.is_error:
            raise ToolProblem(tool, body)
        self.chars_read += len(json.dumps(body, default=str))
        return body


@asynccontextmanager
async def connect(url: str, token: str) -> AsyncIterator[BoardClient]:
    """An initialised MCP session on ``url`` that sends ``token`` as its bearer token."""
    http = httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx2.Timeout(30, read=120),
    )
    async with (
        http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield BoardClient(session)


@dataclass(frozen=True, slots=True)
class AgentSettings:
    board_id: int | None = None  # None: the first board the bot is a member of
    once: bool = False  # work one card (or find none) and stop
    idle_seconds: float = 5.0  # between pulls while nothing waits
    wait_seconds: float = 10.0  # after a WIP refusal or while stopped ('away')
    pause_seconds: float = 0.0  # between the steps of a card, so a person can watch
    model: str = "faq-agent (no LLM; notional usage)"
    price_per_1k_tokens: float = 0.002  # notional US dollars per 1,000 tokens


def tokens(chars: int) -> int:
    """Notional tokens for ``chars`` characters: about four characters a token."""
    return math.ceil(chars / 4)


class FaqAgent:
    """The loop: pull, look the card up in the knowledge notes, resolve or hand over."""

    def __init__(self, client: BoardClient, settings: AgentSettings, log: Log) -> None:
        self.client = client
        self.settings = settings
        self.log = log
        self.stop = asyncio.Event()
        self._waiting: str | None = None  # the refusal last logged, said once until it ends

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            with suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=seconds)

    async def _call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        """A change to a card in hand: while the bot is stopped ('away') it waits and
        asks again, so the card is finished once a person sets it available."""
        while True:
            try:
                body = await self.client.call(tool, **arguments)
            except ToolProblem as exc:
                if exc.type != "bot-away" or self.stop.is_set():
                    raise
                if self._waiting != exc.type:
                    self.log(f"{tool} refused (bot-away): {exc.detail} Waiting.")
                self._waiting = exc.type
                await self._sleep(self.settings.wait_seconds)
                continue
            if self._waiting is not None:
                self.log("available again: carrying on")
                self._waiting = None
            return body

    async def board_id(self) -> int:
        if self.settings.board_id is not None:
            return self.settings.board_id
        boards = (await self.client.call("list_boards"))["boards"]
        if not boards:
            raise RuntimeError("the token's user is a member of no board")
        return int(boards[0]["id"])

    async def work_one(self, board_id: int) -> str:
        """Pull and work one card: 'resolved', 'handed-over', 'idle', 'waiting' or 'failed'."""
        try:
            pulled = await self.client.call("pull_next_card", board_id=board_id)
        except ToolProblem as exc:
            if exc.type in WAIT_TYPES:
                if self._waiting != exc.type:
                    self.log(f"pull refused ({exc.type}): {exc.detail} Waiting.")
                self._waiting = exc.type
                return "waiting"
            raise
        if self._waiting is not None:
            self.log("pulling again")
            self._waiting = None
        card = pulled.get("card")
        if card is None:
            return "idle"
        card_id = int(card["id"])
        self.log(f"card {card_id} pulled: {card['title']!r}")
        await self._sleep(self.settings.pause_seconds)
        try:
            return await self._work(card_id)
        except ToolProblem as exc:
            self.log(f"card {card_id}: {exc.tool} refused ({exc.type}): {exc.detail}")
            return "failed"

    async def _work(self, card_id: int) -> str:
        self.client.chars_read = 0
        detail = await self.client.call("get_card", card_id=card_id)
        card = detail["card"]
        notes = {note_key(n): n for n in detail.get("related_knowledge", [])}
        words = keywords(card["title"])
        for word in words:
            found = await self.client.call("search_knowledge", query=word, limit=10)
            notes.update({note_key(n): n for n in found["items"]})
        match = best_match(card["title"], notes.values())
        summary = (
            f"best note: {note_name(match.note)}, score {match.score:.2f} "
            f"({match.shared}/{match.card_terms} words)"
            if match is not None
            else "no note found"
        )
        self.log(f"card {card_id}: searched {len(notes)} knowledge notes for {words}; {summary}")
        if match is not None and match.good:
            return await self._resolve(card, match)
        return await self._hand_over(card, match, words)

    async def _resolve(self, card: dict[str, Any], match: Match) -> str:
        card_id, note = int(card["id"]), match.note
        body = (
            "Hello, thank you for writing to us. "
            f"{note['knowledge']}\n\n"
            "If this does not solve it, answer the confirmation we send and a person "
            "will pick it up."
        )
        await self._call("reply_to_customer", card_id=card_id, body=body)
        self.log(f"card {card_id}: replied to the customer from {note_name(note)}'s note")
        await self._sleep(self.settings.pause_seconds)
        resolution = (
            f"Answered from the knowledge note of {note_name(note)} "
            f"({note['card_title']!r}, word-overlap score {match.score:.2f}): "
            f"{note['knowledge']}"
        )
        resolved = await self._call("resolve_card", card_id=card_id, resolution=resolution)
        self.log(f"card {card_id}: resolved (column {resolved['column_id']}); customer asked")
        await self._report(card_id, written=len(body) + len(resolution))
        return "resolved"

    async def _hand_over(self, card: dict[str, Any], match: Match | None, words: list[str]) -> str:
        card_id = int(card["id"])
        skills = list(card.get("skills") or [])
        if not skills and match is not None:
            skills = list(match.note.get("skills") or [])
        skills = skills or ["triage"]
        question = f"Can someone take {card['title']!r}? No knowledge note answers it."
        if match is None:
            tried = f"Searched the knowledge notes for {', '.join(words) or 'its title'}: none."
        else:
            tried = (
                f"Searched the knowledge notes for {', '.join(words)}. The closest, "
                f"{note_name(match.note)} ({match.note['card_title']!r}), shares "
                f"{match.shared} of the title's {match.card_terms} words (score "
                f"{match.score:.2f}): too far to answer the customer with."
            )
        # Reported first: once the swarm is open the card is no longer the bot's.
        await self._report(card_id, written=len(question) + len(tried))
        swarm = await self._call(
            "request_swarm", card_id=card_id, skills=skills, question=question, tried=tried
        )
        self.log(f"card {card_id}: handed over to people (swarm {swarm['id']}, skills {skills})")
        return "handed-over"

    async def _report(self, card_id: int, *, written: int) -> None:
        used_in, used_out = tokens(self.client.chars_read), tokens(written)
        cost = round((used_in + used_out) / 1000 * self.settings.price_per_1k_tokens, 6)
        await self._call(
            "report_usage",
            card_id=card_id,
            model=self.settings.model,
            input_tokens=used_in,
            output_tokens=used_out,
            cost_usd=cost,
        )
        self.log(
            f"card {card_id}: usage reported: {used_in} in + {used_out} out tokens, "
            f"${cost:.6f} (notional: ~4 characters a token, "
            f"${self.settings.price_per_1k_tokens}/1k tokens)"
        )

    async def run(self) -> int:
        """Work until stopped (or one card with ``once``); the exit status."""
        board_id = await self.board_id()
        self.log(f"working board {board_id}")
        while not self.stop.is_set():
            outcome = await self.work_one(board_id)
            if self.settings.once:
                return 1 if outcome == "failed" else 0
            if outcome == "idle":
                await self._sleep(self.settings.idle_seconds)
            elif outcome == "waiting":
                await self._sleep(self.settings.wait_seconds)
            else:
                await self._sleep(self.settings.pause_seconds)
        return 0


def _first_cause(exc: BaseException) -> BaseException:
    """The error inside the task groups the SDK's transport wraps it in."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


async def run_agent(
    url: str, token: str, settings: AgentSettings, log: Log, stop: asyncio.Event | None = None
) -> int:
    """Connect to ``url`` and run the agent until ``stop`` is set; reconnects after a
    lost connection (``once``: gives up with status 1)."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            async with connect(url, token) as client:
                agent = FaqAgent(client, settings, log)
                agent.stop = stop
                return await agent.run()
        except ToolProblem as exc:
            log(f"stopped: {exc}")
            return 1
        except Exception as exc:  # connection errors, the SDK's own (MCPError, ...)
            cause = _first_cause(exc)
            log(f"MCP session on {url} failed: {cause.__class__.__name__}: {cause}")
        if settings.once:
            return 1
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.wait_seconds)
    return 0
