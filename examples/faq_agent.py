"""A FAQ bot for Swarmboard: it works a board through the MCP server, without an LLM.

It pulls the next card, looks the case up in the knowledge notes people wrote when they
resolved swarms, and either answers the customer and resolves the card (the board then
asks the customer to confirm) or hands the card over to people with a swarm request.
How a note "matches" is a word-overlap score: app/agents/reference_match.py. The loop
itself is app/agents/reference.py, which ``swarmboard serve --demo --agent`` runs too.

    export SWARMBOARD_TOKEN=sb_...   # a bot's API token (docs/agents.md)
    python examples/faq_agent.py --url http://127.0.0.1:8000/mcp --board 1
    python examples/faq_agent.py --once   # one card (or none waiting), then exit

Ctrl-C (or SIGTERM) stops it once the card in hand is worked. Every step is one line
on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from datetime import datetime

from app.agents.reference import AgentSettings, run_agent


def _log(message: str) -> None:
    print(f"{datetime.now().strftime('%H:%M:%S')} faq-agent: {message}", flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("SWARMBOARD_MCP_URL", "http://127.0.0.1:8000/mcp"),
        help="the MCP endpoint (default: $SWARMBOARD_MCP_URL or http://127.0.0.1:8000/mcp)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("SWARMBOARD_TOKEN"),
        help="the bot's API token (default: $SWARMBOARD_TOKEN; prefer the variable)",
    )
    parser.add_argument(
        "--board", type=int, help="board id (default: the first board the bot is on)"
    )
    parser.add_argument("--once", action="store_true", help="work one card, then exit")
    parser.add_argument(
        "--idle", type=float, default=5.0, help="seconds between pulls when nothing waits"
    )
    parser.add_argument(
        "--wait", type=float, default=10.0, help="seconds to wait at a WIP limit or when away"
    )
    parser.add_argument(
        "--pause", type=float, default=0.0, help="seconds between the steps of a card"
    )
    parser.add_argument(
        "--price-per-1k",
        type=float,
        default=0.002,
        help="notional US dollars per 1,000 tokens for the usage it reports",
    )
    return parser


async def _main(args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    settings = AgentSettings(
        board_id=args.board,
        once=args.once,
        idle_seconds=args.idle,
        wait_seconds=args.wait,
        pause_seconds=args.pause,
        price_per_1k_tokens=args.price_per_1k,
    )
    status = await run_agent(args.url, args.token, settings, _log, stop)
    if stop.is_set():
        _log("stopped")
    return status


def main() -> int:
    args = _parser().parse_args()
    if not args.token:
        print("error: set SWARMBOARD_TOKEN (or --token) to a bot's API token", file=sys.stderr)
        return 2
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
