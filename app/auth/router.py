"""People and token endpoints."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status

from app.auth import invitations, lifecycle, password, people, service
from app.auth import session as web_session
from app.auth.deps import CurrentUser
from app.auth.exceptions import PasswordChangedMeanwhile, WrongPassword
from app.auth.schemas import (
    PasswordChange,
    PasswordReset,
    SignUpLinkPublic,
    SkillList,
    TokenCreate,
    TokenPublic,
    UserCreate,
    UserPage,
    UserPublic,
    UserUpdate,
    UserWithToken,
)
from app.core.deps import Db
from app.core.params import PageLimit, PageOffset, PathId

router = APIRouter(prefix="/api", tags=["users"])


def _invitation_url(request: Request, token: str) -> str:
    # On the configured public address, like the customers' confirmation links.
    return f"{request.app.state.settings.public_url}/invite/{token}"


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserWithToken)
async def create_user(
    body: UserCreate, user: CurrentUser, db: Db, request: Request
) -> dict[str, Any]:
    """Create a person (admins only); the response carries their first API token and,
    with ``"invite": true``, the one-time link on which they choose a password."""
    if body.invite:
        created, token, link = await db.write(invitations.create_invited, actor=user, data=body)
        public = created.model_dump(exclude={"password_hash"})
        return {
            **public,
            "token": token,
            "invitation_url": _invitation_url(request, link.token),
            "invitation_expires_at": link.expires_at,
        }
    # Hash off the event loop and outside the write transaction (argon2 is ~50 ms CPU).
    hashed = await password.hash_password_async(body.password) if body.password else None
    created, token = await db.write(
        service.create_user, actor=user, data=body, password_hash=hashed
    )
    public = created.model_dump(exclude={"password_hash"})
    return {**public, "token": token}


@router.post("/users/{user_id:int}/invitation", status_code=201, response_model=SignUpLinkPublic)
async def invite_user(user_id: PathId, user: CurrentUser, db: Db, request: Request) -> Any:
    """A new one-time sign-up link for someone without a password (admins only); their
    earlier links stop working. It is shown once and expires in 7 days."""
    link = await db.write(invitations.issue, actor=user, user_id=user_id)
    return {
        "user_id": link.user_id,
        "invitation_url": _invitation_url(request, link.token),
        "expires_at": link.expires_at,
    }


SearchText = Annotated[
    str | None,
    Query(max_length=200, description="Part of the name or email, in any case"),
]


@router.get("/users", response_model=UserPage)
async def list_users(
    user: CurrentUser,
    db: Db,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
    q: SearchText = None,
) -> dict[str, Any]:
    """People, oldest first; with ``q``, those whose name or email contains it."""
    text = q.strip() if q else None
    return await db.read(service.list_users, actor=user, limit=limit, offset=offset, q=text)


@router.get("/skills", response_model=SkillList)
async def list_skills(user: CurrentUser, db: Db) -> dict[str, Any]:
    """Skill names in use among the people you see on the people page, with how many
    people have each (suggestions for a skill's name)."""
    return {"skills": await db.read(people.skill_suggestions, actor=user)}


@router.get("/users/me", response_model=UserPublic)
async def me(user: CurrentUser, db: Db) -> Any:
    """The person behind the token."""
    return await db.read(service.get_user, actor=user, user_id=user.id)


@router.get("/users/{user_id:int}", response_model=UserPublic)
async def get_user(user_id: PathId, user: CurrentUser, db: Db) -> Any:
    """A person's profile."""
    return await db.read(service.get_user, actor=user, user_id=user_id)


@router.patch("/users/{user_id:int}", response_model=UserPublic)
async def update_user(user_id: PathId, body: UserUpdate, user: CurrentUser, db: Db) -> Any:
    """Change a profile: skills, team, availability and personal WIP limit."""
    return await db.write(service.update_profile, actor=user, user_id=user_id, data=body)


@router.post("/users/{user_id}/tokens", status_code=201, response_model=TokenPublic)
async def create_token(
    user_id: PathId, body: TokenCreate, user: CurrentUser, db: Db, request: Request
) -> dict[str, Any]:
    """Issue another API token (admins for anyone, everyone for themselves)."""
    row, token = await db.write(
        service.create_token_for, actor=user, user_id=user_id, name=body.name
    )
    return {"id": row.id, "name": row.name, "token": token, "created_at": row.created_at}


@router.delete("/users/{user_id}/tokens/{token_id}", status_code=204)
async def revoke_token(user_id: PathId, token_id: PathId, user: CurrentUser, db: Db) -> None:
    """Revoke an API token; it stops working at once on every replica, and sockets opened
    with it close (4408) and must reconnect."""
    await db.write(lifecycle.revoke_token, actor=user, user_id=user_id, token_id=token_id)


def _cookie_session_id(request: Request, user_id: int) -> str | None:
    """The id of the browser session making this request, if it is the caller's."""
    if request.headers.get("authorization"):
        return None
    session = web_session.read_session(request)
    if session is None or session.user_id != user_id:
        return None
    return session.session_id or None


@router.post("/users/me/password", status_code=204)
async def change_my_password(
    body: PasswordChange, user: CurrentUser, db: Db, request: Request
) -> None:
    """Change your own password (send the current one); your other sessions end."""
    # Wrong guesses count against the same per-person throttle as sign-ins, so a stolen
    # session cannot be used to try passwords without limit.
    throttle = request.app.state.login_throttle_email
    key = f"user:{user.id}"
    wait = throttle.retry_after(key)
    if wait:  # rendered as problem+json (too-many-requests) with Retry-After
        raise HTTPException(
            429,
            "Too many wrong passwords; try again later.",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    stored = await db.read(service.password_hash_of, user_id=user.id)
    matches = await password.verify_password_async(stored, body.current_password)
    if stored is None:
        raise WrongPassword("You have no password yet; an admin can set one.")
    if not matches:
        throttle.fail(key)
        raise WrongPassword("The current password is wrong; nothing was changed.")
    throttle.reset(key)
    hashed = await password.hash_password_async(body.new_password)
    changed = await db.write(
        lifecycle.change_password,
        actor=user,
        password_hash=hashed,
        expected_hash=stored,
        current_session_id=_cookie_session_id(request, user.id),
    )
    if not changed:
        raise PasswordChangedMeanwhile("The password was changed meanwhile; try again.")


@router.post("/users/{user_id:int}/password", status_code=204)
async def reset_password(
    user_id: PathId, body: PasswordReset, user: CurrentUser, db: Db, request: Request
) -> None:
    """Set someone's password (admins only); all their sessions end."""
    lifecycle.require_admin(user, "reset a password")  # before ~50 ms of hashing
    hashed = await password.hash_password_async(body.new_password)
    await db.write(
        lifecycle.reset_password,
        actor=user,
        user_id=user_id,
        password_hash=hashed,
        current_session_id=_cookie_session_id(request, user.id),
    )


@router.post("/users/{user_id:int}/deactivate", response_model=UserPublic)
async def deactivate_user(user_id: PathId, user: CurrentUser, db: Db) -> Any:
    """Deactivate someone (admins only): their tokens are revoked, their sessions end and
    their sockets close, on every replica at once."""
    return await db.write(lifecycle.deactivate, actor=user, user_id=user_id)


@router.post("/users/{user_id:int}/reactivate", response_model=UserPublic)
async def reactivate_user(user_id: PathId, user: CurrentUser, db: Db) -> Any:
    """Let a deactivated person sign in again (admins only); issue them a new token."""
    return await db.write(lifecycle.reactivate, actor=user, user_id=user_id)
