"""Bad input is always a 4xx problem+json the client can act on, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.factories import create_board, create_card

PROBLEM = "application/problem+json"


@pytest.fixture
async def api(app, client) -> AsyncIterator[httpx.AsyncClient]:
    """An admin client that returns a server fault as its 500 response instead of raising it."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": client.headers["Authorization"]}
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as c:
        yield c


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= body.keys()
    return dict(body)


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"{not json", 400),
        (b"[1, 2", 400),
        (b"\xff\xfe\x00", 400),
        (b"", 422),
        (b"null", 422),
        (b'"just a string"', 422),
    ],
)
async def test_invalid_json_body_is_a_client_error(client, api, content, status):
    """Malformed JSON is a 400; well-formed JSON of the wrong shape is a 422."""
    board = await create_board(client)
    seq = (await client.get(f"/api/boards/{board['id']}")).json()["last_seq"]

    r = await api.post(
        f"/api/boards/{board['id']}/cards",
        content=content,
        headers={"Content-Type": "application/json"},
    )

    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["status"] == r.status_code
    after = (await client.get(f"/api/boards/{board['id']}")).json()
    assert after["cards"] == [] and after["last_seq"] == seq


async def test_wrong_types_list_every_bad_field(client):
    board = await create_board(client)
    r = await client.post(
        f"/api/boards/{board['id']}/cards",
        json={
            "title": 12,
            "priority": "whenever",
            "channel": "pigeon",
            "assignee_ids": "everyone",
            "column_id": "first",
        },
    )
    body = _problem(r, 422)
    assert body["type"].endswith("validation-error")
    fields = {e["field"] for e in body["errors"]}
    assert {"title", "priority", "channel", "assignee_ids", "column_id"} <= fields
    assert all(e["in"] == "body" and e["message"] for e in body["errors"])
    for name in ("title", "priority", "channel"):
        assert name in body["detail"]


async def test_missing_fields_are_named(client):
    r = await client.post("/api/boards", json={})
    body = _problem(r, 422)
    assert {e["field"] for e in body["errors"]} == {"name", "columns"}

    card = await create_card(client, (await create_board(client))["id"])
    r = await client.post(f"/api/cards/{card['id']}/move", json={})
    assert [e["field"] for e in _problem(r, 422)["errors"]] == ["column_id"]


async def test_unknown_body_fields_are_refused(client):
    board = await create_board(client)
    r = await client.post(
        f"/api/boards/{board['id']}/cards", json={"title": "x", "board_id": 1, "colour": "red"}
    )
    fields = {e["field"] for e in _problem(r, 422)["errors"]}
    assert {"board_id", "colour"} <= fields
    assert (await client.get(f"/api/boards/{board['id']}")).json()["cards"] == []


async def test_nested_errors_name_the_path(client):
    r = await client.post(
        "/api/boards",
        json={"name": "B", "columns": [{"name": "ok"}, {"name": "", "stage": "limbo"}]},
    )
    fields = {e["field"] for e in _problem(r, 422)["errors"]}
    assert {"columns.1.name", "columns.1.stage"} <= fields


@pytest.mark.parametrize("bad_id", ["99999999999999999999", "2147483648", "0", "-1", "abc", "1.5"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/boards/{id}", None),
        ("GET", "/api/boards/{id}/events", None),
        ("GET", "/api/cards/{id}", None),
        ("PATCH", "/api/cards/{id}", {"title": "x"}),
        ("POST", "/api/cards/{id}/move", {"column_id": 1}),
        ("PATCH", "/api/columns/{id}", {"wip_limit": 1}),
        ("PATCH", "/api/lanes/{id}", {"wip_limit": 1}),
        ("GET", "/api/users/{id}", None),
        ("POST", "/api/users/{id}/tokens", {}),
        ("POST", "/api/boards/{id}/members", {"user_id": 1}),
    ],
)
async def test_out_of_range_path_ids_are_422(api, bad_id, method, path, body):
    r = await api.request(method, path.format(id=bad_id), json=body)
    if path == "/api/users/{id}" and not bad_id.isdigit():
        # /users/{id} only takes digits, so that /users/me is never read as an id.
        _problem(r, 404)
        return
    errors = _problem(r, 422)["errors"]
    assert errors and all(e["in"] == "path" for e in errors)


@pytest.mark.parametrize(
    "body",
    [
        {"column_id": 99999999999999999999},
        {"column_id": 0},
        {"column_id": -5},
        {"column_id": 1, "lane_id": 2147483648},
        {"column_id": 1, "position": -1},
        {"column_id": 1, "version": 0},
    ],
)
async def test_out_of_range_ids_in_a_body_are_422(client, api, body):
    card = await create_card(client, (await create_board(client))["id"])
    r = await api.post(f"/api/cards/{card['id']}/move", json=body)
    _problem(r, 422)
    assert (await client.get(f"/api/cards/{card['id']}")).json()["version"] == 1


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/users", {"limit": 0}),
        ("/api/users", {"limit": 201}),
        ("/api/users", {"offset": -1}),
        ("/api/users", {"limit": "ten"}),
        ("/api/users", {"offset": 99999999999999999999}),
        ("/api/boards", {"limit": 0}),
        ("/api/boards", {"limit": 100000}),
        ("/api/boards", {"offset": -3}),
        ("/api/boards/{board}/events", {"limit": 0}),
        ("/api/boards/{board}/events", {"limit": 1001}),
        ("/api/boards/{board}/events", {"since": -1}),
        ("/api/boards/{board}/events", {"since": 2**70}),
    ],
)
async def test_paging_parameters_out_of_range_are_422(client, api, path, params):
    board = await create_board(client)
    r = await api.get(path.format(board=board["id"]), params=params)
    errors = _problem(r, 422)["errors"]
    assert {e["field"] for e in errors} == set(params)
    assert all(e["in"] == "query" for e in errors)


@pytest.mark.parametrize("since", [2**31 - 1, 2**31, 2**40, 2**62])
async def test_a_since_beyond_the_log_is_an_empty_page_not_a_500(client, api, since):
    """`since` is documented up to 2**62: past the last seq there is nothing new (an empty
    page); an API that narrows the range may refuse it as a 422, but never a 500."""
    board = await create_board(client)
    r = await api.get(f"/api/boards/{board['id']}/events", params={"since": since})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert r.json() == {"events": [], "last_seq": board["last_seq"], "has_more": False}
    else:
        assert [e["field"] for e in r.json()["errors"]] == ["since"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/boards/{board}/cards", {"title": "Refund\x00 twice"}, "title"),
        ("/api/boards/{board}/cards", {"title": "ok", "product": "Pay\x00"}, "product"),
        ("/api/boards", {"name": "Sup\x00port", "columns": [{"name": "A"}]}, "name"),
    ],
)
async def test_a_nul_character_is_stored_exactly_or_refused_never_a_500(
    client, api, path, body, field
):
    board = await create_board(client)
    r = await api.post(path.format(board=board["id"]), json=body)
    assert r.status_code in (201, 422), r.text
    if r.status_code == 201:
        assert r.json()[field] == body[field]
    else:
        assert [e["field"] for e in r.json()["errors"]] == [field]
        assert (await client.get(f"/api/boards/{board['id']}")).json()["cards"] == []


async def test_unknown_route_is_a_404_problem(client):
    r = await client.get("/api/no-such-thing")
    body = _problem(r, 404)
    assert body["type"].endswith("not-found")


async def test_wrong_method_is_a_405_problem(client):
    r = await client.delete("/api/users")
    _problem(r, 405)


async def test_health_endpoints_answer(as_user):
    anonymous = as_user(None)
    r = await anonymous.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = await anonymous.get("/readyz")
    assert r.status_code == 200
    assert r.json()["status"] == "ready"
    assert r.json()["database"] in {"sqlite", "postgresql"}


async def test_docs_and_openapi_are_served(as_user):
    anonymous = as_user(None)
    docs = await anonymous.get("/docs")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    spec = await anonymous.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert "post" in paths["/api/cards/{card_id}/move"]
    assert {"/api/boards", "/api/boards/{board_id}/events", "/api/users"} <= paths.keys()
