"""A bot works through API tokens and MCP: it never holds a page session."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.auth import password as pw
from app.auth.models import User
from tests.web.helpers import PASSWORD, sign_in


async def test_a_bot_with_a_password_written_behind_the_apis_back_cannot_sign_in(
    client, app: Any, web_client
):
    r = await client.post("/api/users", json={"name": "Sneaky bot", "kind": "bot"})
    bot = r.json()
    hashed = pw.hash_password(PASSWORD)

    def plant(session: Session) -> None:
        user = session.get(User, bot["id"])
        assert user is not None
        user.password_hash = hashed

    await app.state.db.write(plant)
    web = web_client()

    signed = await sign_in(web, bot["email"], PASSWORD)

    assert signed.status_code == 401
    assert (await web.get("/boards", follow_redirects=False)).status_code == 303
