"""The people page: profiles, skills, availability and personal WIP limits.

Admins see everyone (50 a page, with a search) and add, edit, deactivate and invite
people, and add bots (AI agents: no email, password or invitation; their first API token
is shown once); a lead sees the people on the boards they lead and edits their working profile;
everyone sees and edits their own (app/auth/people.py says who sees whom). A bot wears a
bot badge, and its availability is its kill switch (Stop / Resume), for admins and the
leads of its boards. Reading is
server-rendered; changes go to the JSON API from ``static/people.js`` with the session
cookie and the CSRF header, and the script then re-reads the person's fragment, so one
template draws a person either way.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from app.auth import people
from app.auth.models import ROLES
from app.auth.roles import BOT_ROLES
from app.auth.service import Principal
from app.core.deps import Db
from app.core.params import MAX_ID
from app.web import invite
from app.web.templating import render
from app.web.viewer import signed_in, to_login

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
router.include_router(invite.router)

_NUMBER = re.compile(r"[0-9]{1,9}")
AVAILABILITY = (
    ("available", "Available"),
    ("busy", "Busy: no new cards"),
    ("away", "Away"),
)


def _number(raw: str | None) -> int | None:
    return int(raw) if raw is not None and _NUMBER.fullmatch(raw) else None


def _shared(user: Principal) -> dict[str, Any]:
    """What the person template needs besides the person."""
    return {
        "me": user,
        "roles": ROLES,
        "bot_roles": [r for r in ROLES if r in BOT_ROLES],
        "availability": AVAILABILITY,
    }


@router.get("/people")
async def people_page(request: Request, db: Db) -> Response:
    """The people the signed-in person sees, oldest first, with what they may change."""
    viewer = await signed_in(request)
    if viewer is None:
        return to_login(request)
    user, session = viewer
    q = (request.query_params.get("q") or "").strip()[:200] or None
    number = _number(request.query_params.get("page")) or 1
    found = await db.read(people.people_page, actor=user, q=q, number=number)
    skills = await db.read(people.skill_suggestions, actor=user)
    context = {
        "title": "People",
        "user": user,
        "csrf": session.csrf,
        **_shared(user),
        **found,
        "q": q or "",
        "per_page": people.PAGE,
        "skills": skills,
        "is_admin": user.is_admin,
    }
    return await render("people.html", context)


@router.get("/people/{user_id}/fragment")
async def person_fragment(user_id: str, request: Request, db: Db) -> Response:
    """One person's panel (after a change)."""
    viewer = await signed_in(request)
    if viewer is None:
        return PlainTextResponse("Sign in again.", status_code=401)
    user, _ = viewer
    uid = _number(user_id)
    if uid is None or not 1 <= uid <= MAX_ID:
        return PlainTextResponse("Person not found.", status_code=404)
    row = await db.read(people.person_row, actor=user, user_id=uid)
    if row is None:
        return PlainTextResponse("Person not found.", status_code=404)
    return await render("_person.html", {**_shared(user), "p": row})
