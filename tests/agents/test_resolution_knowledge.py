"""A resolver's knowledge note joins the knowledge base, for the board's members only."""

from __future__ import annotations

import uuid

from tests.factories import add_member, create_board, create_card, create_user


async def test_a_resolutions_knowledge_note_is_found_by_members_and_suggested(client, as_user):
    word = f"zq{uuid.uuid4().hex[:8]}"
    board = await create_board(client)
    other_board = await create_board(client)
    r = await client.post("/api/users", json={"name": "Resolver bot", "kind": "bot"})
    bot, token = r.json(), r.json()["token"]
    await add_member(client, board["id"], bot["id"])
    member, member_token = await create_user(client, role="agent")
    await add_member(client, board["id"], member["id"])
    outsider, outsider_token = await create_user(client, role="agent")
    await add_member(client, other_board["id"], outsider["id"])
    card = await create_card(client, board["id"], title=f"Printer {word} jams on duplex")
    plain = await create_card(client, board["id"], title="Nothing to teach")

    resolved = await as_user(token).post(
        f"/api/cards/{card['id']}/resolve",
        json={"resolution": "Cleared the tray", "knowledge": f"Duplex {word}: reseat tray 2"},
    )
    without = await as_user(token).post(
        f"/api/cards/{plain['id']}/resolve", json={"resolution": "Closed"}
    )
    found = (await as_user(member_token).get("/api/knowledge", params={"q": word})).json()
    hidden = (await as_user(outsider_token).get("/api/knowledge", params={"q": word})).json()
    everything = (await as_user(member_token).get("/api/knowledge", params={"limit": 200})).json()

    assert resolved.status_code == 200 and without.status_code == 200
    assert found["total"] == 1
    (note,) = found["items"]
    assert note["source"] == "card" and note["swarm_id"] is None
    assert (note["card_id"], note["author_id"]) == (card["id"], bot["id"])
    assert note["outcome"] == "Cleared the tray"
    assert note["knowledge"] == f"Duplex {word}: reseat tray 2"
    assert hidden["total"] == 0
    assert plain["id"] not in {k["card_id"] for k in everything["items"]}

    # A swarm asked later on a similar card is pointed at the note.
    similar = await create_card(client, board["id"], title=f"Duplex {word} again")
    r = await as_user(member_token).post(
        f"/api/cards/{similar['id']}/swarms",
        json={"skills": ["printing"], "question": f"Duplex {word} jams", "tried": "Reboot"},
    )
    assert r.status_code == 201, r.text
    assert card["id"] in {k["card_id"] for k in r.json()["suggested_knowledge"]}
