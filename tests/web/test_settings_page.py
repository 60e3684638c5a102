"""The board settings page (GET /boards/{id}/settings) and its fragments, in-process.

Who may open it (a board's leads and admins; its other members get a 403 page, anyone
else the board's 404 page, nobody signed in the sign-in form), and what it shows: the
board's fields, its columns with the labelled WIP limit, lanes, members with e-mail and
board role, and SLA policies; the fragments answer the same access rules.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests import factories
from tests.web.helpers import parse


async def _board_with(client: httpx.AsyncClient, person: Any, role: str) -> tuple[Any, Any]:
    """A board and someone who is on it with this board role."""
    board = await factories.create_board(
        client, name="Payments <desk>", lanes=[{"name": "Enterprise", "wip_limit": 4}]
    )
    someone = await person(role="agent", name=f"Board {role}")
    await factories.add_member(client, board["id"], someone["id"], role=role)
    return board, someone


async def test_a_board_lead_sees_every_section_of_the_settings(client, person, signed_in):
    board, lead = await _board_with(client, person, "lead")
    bid = board["id"]
    triage = board["columns"][0]
    await factories.create_card(client, bid, column_id=triage["id"])
    r = await client.post(
        f"/api/boards/{bid}/sla-policies",
        json={"name": "Urgent chats", "priority": "urgent", "channel": "chat", "frt_seconds": 900},
    )
    assert r.status_code == 201, r.text
    web = await signed_in(lead)

    response = await web.get(f"/boards/{bid}/settings")

    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page = parse(response.text)
    assert page.find("h1").text() == "Settings of Payments <desk>"
    assert page.find("input", id="board-name").attrs["value"] == "Payments <desk>"
    columns = page.find("section", id="settings-columns").find("ol", "set-list")
    rows = columns.find_all("li", "set-row")
    assert [r.attrs["data-name"] for r in rows] == ["Triage", "Investigating", "Resolved"]
    assert rows[0].attrs["data-card-count"] == "1"
    # The WIP limit's accessible name carries the column's name.
    label = page.find("label", for_=f"col-{board['columns'][1]['id']}-wip")
    assert " ".join(label.text().split()) == "WIP limit for Investigating"
    wip = page.find("input", id=f"col-{board['columns'][1]['id']}-wip")
    assert wip.attrs["value"] == "3"
    lanes = page.find("section", id="settings-lanes").find_all("li", "set-row")
    assert [lane.attrs["data-name"] for lane in lanes] == ["Enterprise"]
    members = page.find("section", id="settings-members").find("tbody").find_all("tr")
    mine = next(m for m in members if m.attrs["data-id"] == str(lead["id"]))
    assert mine.find("td", "member-email").text() == lead["email"]
    role = mine.find("select", name="role")
    assert [o.attrs["value"] for o in role.find_all("option", selected=True)] == ["lead"]
    policies = page.find("section", id="settings-policies").find_all("li", "set-row")
    assert [p.attrs["data-name"] for p in policies] == ["Urgent chats"]
    frt = policies[0].find("input", name="frt_seconds")
    assert frt.attrs["value"] == "15"  # 900 s in minutes


async def test_other_members_get_a_403_page_and_outsiders_a_404(client, person, signed_in):
    for role in ("agent", "viewer", "facilitator"):
        board, member = await _board_with(client, person, role)
        web = await signed_in(member)
        response = await web.get(f"/boards/{board['id']}/settings")
        assert response.status_code == 403, role
        main = parse(response.text).find("main")
        assert main.find("p", "status-code").text() == "403"
        assert "only the board's leads and admins" in " ".join(main.text().split())
        fragment = await web.get(f"/boards/{board['id']}/settings/fragment?section=columns")
        assert fragment.status_code == 403
        # The board page offers them no Settings link.
        assert (
            f"/boards/{board['id']}/settings" not in (await web.get(f"/boards/{board['id']}")).text
        )

    board, _ = await _board_with(client, person, "lead")
    outsider_board, outsider = await _board_with(client, person, "lead")
    web = await signed_in(outsider)
    for path in (
        f"/boards/{board['id']}/settings",
        "/boards/99999999/settings",
        "/boards/x/settings",
    ):
        response = await web.get(path)
        assert response.status_code == 404, path
        assert "not a member" in response.text
    fragment = await web.get(f"/boards/{board['id']}/settings/fragment?section=columns")
    assert fragment.status_code == 404
    # Their own board's page links to its settings.
    own = await web.get(f"/boards/{outsider_board['id']}")
    assert f'href="/boards/{outsider_board["id"]}/settings"' in own.text


async def test_a_global_agent_who_leads_the_board_gets_in_and_an_admin_too(
    client, person, signed_in
):
    board, lead = await _board_with(client, person, "lead")
    web = await signed_in(lead)
    assert (await web.get(f"/boards/{board['id']}/settings")).status_code == 200
    admin = await person(role="admin")
    web = await signed_in(admin)
    assert (await web.get(f"/boards/{board['id']}/settings")).status_code == 200


async def test_signed_out_goes_to_the_sign_in_form_and_comes_back(web_client):
    web = web_client()
    response = await web.get("/boards/7/settings")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fboards%2F7%2Fsettings"
    fragment = await web.get("/boards/7/settings/fragment?section=board")
    assert fragment.status_code == 401


async def test_each_section_has_a_fragment_with_the_last_seq(client, person, signed_in):
    board, lead = await _board_with(client, person, "lead")
    web = await signed_in(lead)
    for section in ("board", "columns", "lanes", "members", "policies"):
        r = await web.get(f"/boards/{board['id']}/settings/fragment?section={section}")
        assert r.status_code == 200, section
        assert int(r.headers["x-last-seq"]) >= 1
        assert parse(r.text).find("section", id=f"settings-{section}")
    for bad in ("", "cards", "../board"):
        r = await web.get(f"/boards/{board['id']}/settings/fragment?section={bad}")
        assert r.status_code == 404, bad
