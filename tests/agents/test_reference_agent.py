"""The reference agent (examples/faq_agent.py) against a real ``swarmboard serve``: it
answers and resolves the card a knowledge note matches, hands the other over to people,
and waits while its kill switch is on."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import httpx

from app.agents.reference_match import best_match, score, terms
from tests import factories
from tests.agents.conftest import make_bot, support_board
from tests.cli import run_cli
from tests.conftest import ROOT

AGENT = [sys.executable, str(ROOT / "examples" / "faq_agent.py")]
KNOWLEDGE = "Pending card payments older than an hour: read the gateway's webhook log."


def run_agent(base_url: str, token: str, board_id: int) -> subprocess.CompletedProcess[str]:
    """``faq_agent.py --once`` to completion, its token in SWARMBOARD_TOKEN."""
    env = {**os.environ, "SWARMBOARD_TOKEN": token}
    return subprocess.run(
        [*AGENT, "--url", base_url + "/mcp", "--board", str(board_id), "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def _ticket(client: httpx.AsyncClient, board_id: int, title: str, skills: list[str]) -> dict:
    """A customer's ticket (so resolving it asks the customer) needing ``skills``."""
    body = {
        "external_ref": f"T-{uuid.uuid4().hex[:8]}",
        "title": title,
        "channel": "chat",
        "customer": {"ref": f"c-{uuid.uuid4().hex[:6]}", "name": "Ada", "email": "a@example.com"},
    }
    r = await client.post(f"/api/boards/{board_id}/tickets", json=body)
    assert r.status_code == 201, r.text
    r = await client.patch(f"/api/cards/{r.json()['id']}", json={"skills": skills})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _note(client: httpx.AsyncClient, board_id: int, done_column: int) -> None:
    """An earlier case on the board, resolved by a swarm with a knowledge note."""
    old = await factories.create_card(client, board_id, title="Card payment stuck as pending")
    r = await client.post(f"/api/cards/{old['id']}/move", json={"column_id": done_column})
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/cards/{old['id']}/swarms",
        json={"skills": ["payments"], "question": "Why is it pending?", "tried": "Waited"},
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/swarms/{r.json()['id']}/resolve",
        json={"outcome": "The gateway lost the callback.", "knowledge": KNOWLEDGE},
    )
    assert r.status_code == 200, r.text


def test_the_word_overlap_score():
    assert terms("The Payments are pending, since 9:10!") == {"payment", "pending", "since"}
    note = {"card_title": "Card payment stuck", "question": "", "knowledge": KNOWLEDGE}
    assert score("Card payment pending for an hour", note) == (1.0, 4)
    assert score("Refund in Swiss francs", note) == (0.0, 0)
    match = best_match("Card payment pending", [note, {"knowledge": "payment"}])
    assert match is not None and match.note is note and match.good
    assert best_match("x", []) is None


async def test_it_resolves_a_card_a_note_answers_and_hands_the_other_over(client, mcp_serve):
    board_id, cols = await support_board(client)
    bot, token = await make_bot(
        client, board_id, skills=[{"name": "payments"}, {"name": "billing"}], wip_limit=2
    )
    await _note(client, board_id, cols["Resolved"])
    known = await _ticket(client, board_id, "Card payment pending for an hour", skills=["payments"])
    unknown = await _ticket(client, board_id, "Refund wanted in Swiss francs", skills=["billing"])

    runs = [run_agent(mcp_serve.url, token, board_id) for _ in range(2)]

    for done in runs:
        assert done.returncode == 0, done.stdout + done.stderr
    said = runs[0].stdout + runs[1].stdout
    assert f"card {known['id']}: resolved" in said, said
    assert f"card {unknown['id']}: handed over to people" in said, said
    assert "notional" in said
    # The known card: answered from the note, resolved into the done column, the
    # customer asked to confirm, and the notional usage on record as the bot's.
    card = (await client.get(f"/api/cards/{known['id']}")).json()
    assert card["column_id"] == cols["Resolved"] and card["resolution"], card
    assert KNOWLEDGE in card["resolution"]
    talks = (await client.get(f"/api/cards/{known['id']}/interactions")).json()["items"]
    replies = [t for t in talks if t["kind"] == "bot_reply"]
    assert len(replies) == 1 and KNOWLEDGE in replies[0]["body"], talks
    confirmation = (await client.get(f"/api/cards/{known['id']}/confirmation")).json()
    assert confirmation["state"] == "pending", confirmation
    usage = (await client.get(f"/api/cards/{known['id']}/usage")).json()["items"]
    assert len(usage) == 1 and usage[0]["user_id"] == bot["id"], usage
    assert usage[0]["input_tokens"] > 0 and usage[0]["cost_usd"] > 0
    # The other card: an open swarm the bot asked for with the card's skills, and the
    # bot no longer on the card.
    other = (await client.get(f"/api/cards/{unknown['id']}")).json()
    assert other["assignee_ids"] == [] and other["column_id"] == cols["Investigating"], other
    swarms = (await client.get(f"/api/cards/{unknown['id']}/swarms")).json()["swarms"]
    assert [(s["state"], s["requested_by"], s["skills"]) for s in swarms] == [
        ("open", bot["id"], ["billing"])
    ]
    assert "Refund wanted in Swiss francs" in swarms[0]["question"] and swarms[0]["tried"]


async def test_a_stopped_bot_waits_and_changes_nothing(client, mcp_serve):
    board_id, cols = await support_board(client)
    _, token = await make_bot(client, board_id, availability="away")
    card = await factories.create_card(client, board_id, title="Anything at all")

    done = run_agent(mcp_serve.url, token, board_id)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "pull refused (bot-away)" in done.stdout, done.stdout
    after = (await client.get(f"/api/cards/{card['id']}")).json()
    assert after["column_id"] == cols["Triage"] and after["assignee_ids"] == []


def test_serve_agent_needs_the_demo(database_url):
    done = run_cli(["serve", "--agent"], database_url, SWARMBOARD_LOG_FORMAT="text")

    assert done.returncode == 2 and "--agent needs --demo" in done.stderr, done.stderr


def test_serve_refuses_a_pause_that_is_not_0_to_60_seconds(database_url):
    for bad in ("soon", "-1", "3600"):
        done = run_cli(
            ["serve", "--demo", "--agent", "--agent-pause", bad],
            database_url,
            SWARMBOARD_LOG_FORMAT="text",
        )
        assert done.returncode == 2, done.stderr
        assert "--agent-pause" in done.stderr and "Traceback" not in done.stderr
