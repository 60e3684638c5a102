"""People and token endpoints."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status

from app.auth import password, service
from app.auth.schemas import (
    TokenCreate,
    TokenPublic,
    UserCreate,
    UserPage,
    UserPublic,
    UserUpdate,
    UserWithToken,
)
from app.core.deps import CurrentUser, Db
from app.core.params import PageLimit, PageOffset, PathId

router = APIRouter(prefix="/api", tags=["users"])


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserWithToken)
async def create_user(body: UserCreate, user: CurrentUser, db: Db) -> dict[str, Any]:
    """Create a person (admins only); the response carries their first API token."""
    # Hash off the event loop and outside the write transaction (argon2 is ~50 ms CPU).
    hashed = await password.hash_password_async(body.password) if body.password else None
    created, token = await db.write(
        service.create_user, actor=user, data=body, password_hash=hashed
    )
    public = created.model_dump(exclude={"password_hash"})
    return {**public, "token": token}


@router.get("/users", response_model=UserPage)
async def list_users(
    user: CurrentUser, db: Db, limit: PageLimit = 50, offset: PageOffset = 0
) -> dict[str, Any]:
    """People, oldest first."""
    return await db.read(service.list_users, actor=user, limit=limit, offset=offset)


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
async def revoke_token(
    user_id: PathId, token_id: PathId, user: CurrentUser, db: Db, request: Request
) -> None:
    """Revoke an API token; it stops working on every replica within the token cache TTL."""
    await db.write(service.revoke_token, actor=user, user_id=user_id, token_id=token_id)
    request.app.state.token_cache.clear()  # at once on this replica
