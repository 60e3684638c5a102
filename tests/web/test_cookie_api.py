"""The JSON API and the websocket with the browser's session cookie."""

from __future__ import annotations

import httpx
import pytest
from websockets.asyncio.client import connect

from tests import factories
from tests.realtime.helpers import http_move, receive, until_closed
from tests.web.helpers import PASSWORD, form_csrf, sign_in


async def _board_with_card(client, user):
    board = await factories.create_board(client)
    await factories.add_member(client, board["id"], user["id"])
    card = await factories.create_card(client, board["id"])
    return board, card, board["columns"][1]["id"]


async def _csrf(web: httpx.AsyncClient) -> str:
    """The session's CSRF token, as the pages carry it (here: the sign-out form)."""
    return form_csrf((await web.get("/boards")).text)


async def test_a_signed_in_browser_reads_the_api_without_a_token(client, person, signed_in):
    user = await person()
    board, _, _ = await _board_with_card(client, user)
    web = await signed_in(user)
    me = await web.get("/api/users/me")
    assert me.status_code == 200 and me.json()["id"] == user["id"]
    detail = await web.get(f"/api/boards/{board['id']}")
    assert detail.status_code == 200 and len(detail.json()["cards"]) == 1


@pytest.mark.parametrize("header", [None, "", "not-the-token"])
async def test_a_cookie_move_without_the_csrf_header_is_refused(client, person, signed_in, header):
    user = await person()
    _, card, target = await _board_with_card(client, user)
    web = await signed_in(user)
    headers = {"X-CSRF-Token": header} if header is not None else {}
    response = await web.post(
        f"/api/cards/{card['id']}/move", json={"column_id": target}, headers=headers
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/csrf-failed")
    assert (await client.get(f"/api/cards/{card['id']}")).json()["column_id"] == card["column_id"]
    patch = await web.patch(f"/api/cards/{card['id']}", json={"priority": "high"}, headers=headers)
    assert patch.status_code == 403


async def test_a_cookie_move_with_the_pages_csrf_token_works(client, person, signed_in):
    user = await person()
    _, card, target = await _board_with_card(client, user)
    web = await signed_in(user)
    token = await _csrf(web)
    response = await web.post(
        f"/api/cards/{card['id']}/move", json={"column_id": target}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 200, response.text
    assert (await client.get(f"/api/cards/{card['id']}")).json()["column_id"] == target
    events = await factories.events(client, card["board_id"])
    assert events[-1]["type"] == "card.moved" and events[-1]["actor"]["id"] == user["id"]


async def test_another_sessions_csrf_token_does_not_work(client, person, signed_in):
    user = await person()
    _, card, target = await _board_with_card(client, user)
    first, second = await signed_in(user), await signed_in(user)
    response = await second.post(
        f"/api/cards/{card['id']}/move",
        json={"column_id": target},
        headers={"X-CSRF-Token": await _csrf(first)},
    )
    assert response.status_code == 403


async def test_bearer_tokens_are_unaffected_by_cookies_and_csrf(client, person, signed_in, as_user):
    user, other = await person(), await person()
    _, card, target = await _board_with_card(client, user)
    web = await signed_in(other)  # a session cookie of someone else in the same client
    api = as_user(user["token"])
    api.cookies.set("sb_session", web.cookies["sb_session"])
    response = await api.post(f"/api/cards/{card['id']}/move", json={"column_id": target})
    assert response.status_code == 200
    events = await factories.events(client, card["board_id"])
    assert events[-1]["actor"]["id"] == user["id"]
    unknown = await as_user("sb_unknown").get("/api/users/me")
    assert unknown.status_code == 401


async def test_without_a_session_or_token_the_api_still_answers_401(web_client):
    response = await web_client().get("/api/users/me")
    assert response.status_code == 401
    assert response.json()["type"].endswith("/invalid-token")


async def test_the_live_socket_accepts_the_session_cookie(client, person, live_servers):
    user = await person()
    board, card, target = await _board_with_card(client, user)
    server = live_servers[0]
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as web:
        assert (await sign_in(web, user["email"], PASSWORD)).status_code == 303
        cookie = f"sb_session={web.cookies['sb_session']}"
    since = (await client.get(f"/api/boards/{board['id']}")).json()["last_seq"]
    url = f"{server.ws_url}/ws/boards/{board['id']}?since={since}"
    headers = {"Cookie": cookie, "Origin": server.url}
    async with connect(url, additional_headers=headers, open_timeout=10) as ws:
        # Through the same server: on SQLite its hub hears only its own process's writes.
        moved = await http_move(server.url, card["id"], target)
        assert moved.status_code == 200
        (event,) = await receive(ws, 1)
        assert (event["type"], event["seq"]) == ("card.moved", since + 1)

    # A page on another site cannot open the socket with the person's cookie.
    evil = {"Cookie": cookie, "Origin": "https://evil.example"}
    async with connect(url, additional_headers=evil, open_timeout=10) as ws:
        assert await until_closed(ws) == ([], 4403)
    # Nor can a signed-in person who is not on the board.
    outsider = await person()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as web:
        await sign_in(web, outsider["email"], PASSWORD)
        other = {"Cookie": f"sb_session={web.cookies['sb_session']}", "Origin": server.url}
    async with connect(url, additional_headers=other, open_timeout=10) as ws:
        assert await until_closed(ws) == ([], 4404)
