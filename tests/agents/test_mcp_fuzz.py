"""Bad arguments to every MCP tool: a clear tool error with a problem type, never a
crash, a 5xx, an error in the server's log, or a write.

The HTTP API is fuzzed from its OpenAPI document (tests/fuzz); /mcp is not in it, so
this walks each tool's own input schema instead and sends, one argument at a time,
values of the wrong type, out of range, oversized or carrying NUL (which PostgreSQL
cannot store).
"""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.agents.conftest import PROBLEMS, make_bot, mcp_session, support_board

BAD_VALUES: list[Any] = [
    None,
    -1,
    0,
    2**63,
    1.5,
    "",
    "x" * 20_000,
    "nul\x00byte",
    [],
    {"nested": {"deep": [1, 2]}},
    True,
]


def _good(name: str, schema: dict[str, Any], ids: dict[str, int]) -> Any:
    """A valid value for an argument, so each case breaks exactly one."""
    if name in ids:
        return ids[name]
    kind = schema.get("type") or next(
        (s.get("type") for s in schema.get("anyOf", []) if s.get("type") != "null"), "string"
    )
    return {"integer": 1, "number": 0.1, "array": ["billing"], "boolean": False}.get(
        kind, "printer jam"
    )


async def test_every_tool_refuses_bad_arguments_cleanly(client, mcp_serve):
    board_id, cols = await support_board(client)
    card = await factories.create_card(client, board_id, title="Printer jams")
    _, token = await make_bot(client, board_id)
    ids = {"board_id": board_id, "card_id": int(card["id"]), "column_id": cols["Resolved"]}
    seq = (await client.get(f"/api/boards/{board_id}")).json()["last_seq"]
    log_before = len(mcp_serve.stderr())
    answers: list[tuple[str, str, str]] = []
    async with mcp_session(mcp_serve.url, token) as mcp:
        tools = (await mcp.list_tools()).tools
        assert len(tools) >= 12
        for tool in tools:
            props: dict[str, Any] = tool.input_schema.get("properties", {})
            good = {n: _good(n, s, ids) for n, s in props.items()}
            for name in props:
                for bad in BAD_VALUES:
                    result = await mcp.call_tool(tool.name, {**good, name: bad})
                    if not result.is_error:
                        continue  # a value the tool may take (a read, or a no-op)
                    body = result.structured_content or {}
                    answers.append((tool.name, name, str(body.get("type"))))
                    assert str(body.get("type", "")).startswith(PROBLEMS), (tool.name, body)
                    assert 400 <= int(body["status"]) < 500, (tool.name, name, bad, body)
                    assert body.get("detail"), (tool.name, body)

    assert answers, "no bad value was refused"
    assert {t for t, _, _ in answers} >= {"pull_next_card", "move_card", "report_usage"}
    log = mcp_serve.stderr()[log_before:]
    assert '"level": "error"' not in log and "Traceback" not in log, log[-4000:]
    # Only the bad cases' writes were refused: whatever a valid call wrote is an event
    # of its own, and no refused call left one.
    logged = await factories.events(client, board_id, since=seq)
    # (the system's own reactions, such as asking the customer, follow a bot's move)
    assert {e["actor"]["kind"] for e in logged} <= {"bot", "system"}, logged
    assert all("\x00" not in str(e["data"]) for e in logged)
