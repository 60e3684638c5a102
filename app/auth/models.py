"""User and API-token tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.auth.schemas import Role
from app.core.models import JSONType, UTCDateTime, utcnow

__all__ = ["ROLES", "ApiToken", "User", "UserInvitation", "WebSession"]

ROLES: tuple[Role, ...] = get_args(Role)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: str = Field(max_length=320, unique=True)
    role: str = Field(max_length=20)
    # 'person' or 'bot': an AI agent, which works through API tokens and MCP only.
    kind: str = Field(default="person", max_length=10)
    team: str | None = Field(default=None, max_length=100)
    skills: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    wip_limit: int | None = Field(default=None)
    availability: str = Field(default="available", max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # argon2id hash for signing in to the web pages; None: API tokens only.
    password_hash: str | None = Field(default=None, max_length=255)
    # Set while an admin has deactivated the person: no token, session or socket works.
    deactivated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # SHA-256 of the token: tokens are 256-bit random strings, so a fast hash suffices
    # and the clear token never touches the database.
    token_hash: str = Field(max_length=64, unique=True)
    name: str = Field(default="default", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    """A signed-in browser session; deleting the row ends it on every replica.

    A row per session rather than a per-user epoch: signing out ends only that browser,
    while a password change can end every session but the one that made it. The cookie
    carries the random id; only its SHA-256 is stored, so a database leak opens nothing.
    """

    __tablename__ = "web_sessions"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserInvitation(SQLModel, table=True):
    """A one-time link on which a new person chooses their password (app/auth/invitations.py).

    Only the SHA-256 of the link's random token is stored; it works once (``used_at``)
    and until ``expires_at``. A new link for the same person replaces the old ones.
    """

    __tablename__ = "user_invitations"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
