"""Request and response bodies for people and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

from app.auth.password import MAX_LENGTH, MIN_LENGTH
from app.core.schemas import InputModel

__all__ = [
    "Password",
    "PasswordChange",
    "PasswordReset",
    "Role",
    "Skill",
    "TokenCreate",
    "TokenPublic",
    "UserCreate",
    "UserPage",
    "UserPublic",
    "UserUpdate",
    "UserWithToken",
]

Role = Literal["admin", "lead", "agent", "facilitator", "viewer"]
# Taken exactly as typed: spaces are part of a password, unlike other input.
Password = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=MIN_LENGTH, max_length=MAX_LENGTH),
]


class Skill(InputModel):
    name: str = Field(min_length=1, max_length=60)
    level: int = Field(default=1, ge=1, le=3)


class UserCreate(InputModel):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    role: Role = "agent"
    team: str | None = Field(default=None, max_length=100)
    skills: list[Skill] = Field(default_factory=list, max_length=50)
    wip_limit: int | None = Field(default=None, ge=0, le=1000)
    # Lets the person sign in to the web pages; stored only as an argon2id hash.
    password: Password | None = Field(default=None, repr=False)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


Availability = Literal["available", "away"]


class UserUpdate(InputModel):
    """A profile change; only the fields sent are changed (``null`` clears team and limit)."""

    skills: list[Skill] | None = Field(default=None, max_length=50)
    team: str | None = Field(default=None, max_length=100)
    availability: Availability | None = None
    wip_limit: int | None = Field(default=None, ge=0, le=1000)

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, value: list[Skill] | None) -> list[Skill] | None:
        if value is not None:
            names = [" ".join(s.name.split()).casefold() for s in value]
            if len(set(names)) != len(names):
                raise ValueError("each skill may be listed once")
        return value


class UserPublic(BaseModel):
    id: int
    name: str
    email: str
    role: Role
    team: str | None
    skills: list[Skill]
    wip_limit: int | None
    availability: Availability
    created_at: datetime
    # Set while the person is deactivated: nothing of theirs works until reactivated.
    deactivated_at: datetime | None = None


class PasswordChange(InputModel):
    """Your own new password, with the current one as proof."""

    # As typed (no trimming), and no minimum: the check is against the stored hash.
    current_password: Annotated[
        str, StringConstraints(strip_whitespace=False, max_length=MAX_LENGTH)
    ] = Field(repr=False)
    new_password: Password = Field(repr=False)


class PasswordReset(InputModel):
    """A new password set by an admin."""

    new_password: Password = Field(repr=False)


class UserWithToken(UserPublic):
    token: str


class UserPage(BaseModel):
    users: list[UserPublic]
    total: int
    limit: int
    offset: int


class TokenCreate(InputModel):
    name: str = Field(default="default", min_length=1, max_length=100)


class TokenPublic(BaseModel):
    id: int
    name: str
    token: str
    created_at: datetime
