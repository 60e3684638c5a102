"""Who may export, refusals before streaming starts, and the OpenAPI description."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests import factories
from tests.exports import helpers as h
from tests.exports.conftest import MARCH, History

ALL = ["actionable-agile.csv", "cards.ndjson", "events.csv"]


@pytest.mark.parametrize("name", ALL)
async def test_non_members_get_a_404_problem(
    client: httpx.AsyncClient,
    as_user: Callable[[str | None], httpx.AsyncClient],
    history: History,
    name: str,
) -> None:
    _, token = await factories.create_user(client, role="lead")
    r = await as_user(token).get(f"/api/boards/{history.board_id}/export/{name}", params=MARCH)
    assert r.status_code == 404
    assert r.headers["content-type"] == h.PROBLEM
    assert r.json()["type"].endswith("/board-not-found")
    missing = await client.get(f"/api/boards/2147483647/export/{name}", params=MARCH)
    assert missing.status_code == 404 and missing.json()["detail"] == r.json()["detail"].replace(
        str(history.board_id), "2147483647"
    )
    anonymous = await as_user(None).get(f"/api/boards/{history.board_id}/export/{name}")
    assert anonymous.status_code == 401


async def test_any_member_may_export(
    client: httpx.AsyncClient,
    as_user: Callable[[str | None], httpx.AsyncClient],
    history: History,
) -> None:
    viewer, token = await factories.create_user(client, role="viewer")
    await factories.add_member(client, history.board_id, viewer["id"])
    mine = await h.get_export(as_user(token), history.board_id, ALL[0], **MARCH)
    admins = await h.get_export(client, history.board_id, ALL[0], **MARCH)
    assert mine.content == admins.content


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(
    "params",
    [
        {"from": "2025-03-31", "to": "2025-03-01"},
        {"from": "2025-02-30"},
        {"from": "2020-01-01", "to": "2025-01-01"},
        {"to": "yesterday"},
        {"lane": "0"},
        {"channel": "fax"},
    ],
)
async def test_a_bad_range_or_filter_is_a_422_problem(
    client: httpx.AsyncClient, history: History, name: str, params: dict[str, str]
) -> None:
    r = await client.get(f"/api/boards/{history.board_id}/export/{name}", params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == h.PROBLEM


async def test_openapi_documents_the_streamed_media_types(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    expected = {
        "actionable-agile.csv": "text/csv",
        "cards.ndjson": "application/x-ndjson",
        "events.csv": "text/csv",
    }
    for name, media in expected.items():
        op = paths[f"/api/boards/{{board_id}}/export/{name}"]["get"]
        assert list(op["responses"]["200"]["content"]) == [media]
        assert "Content-Disposition" in op["responses"]["200"]["headers"]
        assert list(op["responses"]["404"]["content"]) == [h.PROBLEM]
        assert {p["name"] for p in op["parameters"]} >= {"from", "to", "lane", "channel"}
        assert op["summary"] and op["description"]
