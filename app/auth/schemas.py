"""Request and response bodies for people and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.auth.password import MAX_LENGTH, MIN_LENGTH
from app.core.schemas import InputModel

__all__ = [
    "Availability",
    "Kind",
    "Password",
    "PasswordChange",
    "PasswordReset",
    "Role",
    "SignUpLinkPublic",
    "Skill",
    "SkillCount",
    "SkillList",
    "TokenCreate",
    "TokenPublic",
    "UserCreate",
    "UserPage",
    "UserPublic",
    "UserUpdate",
    "UserWithToken",
]

_EMAIL = r"^[^@\s]+@[^@\s]+$"

Role = Literal["admin", "lead", "agent", "facilitator", "viewer"]
# Taken exactly as typed: spaces are part of a password, unlike other input.
Password = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=MIN_LENGTH, max_length=MAX_LENGTH),
]


class Skill(InputModel):
    name: str = Field(min_length=1, max_length=60)
    level: int = Field(default=1, ge=1, le=3)


Kind = Literal["person", "bot"]


class UserCreate(InputModel):
    name: str = Field(min_length=1, max_length=200)
    # 'bot': an AI agent that works through API tokens and MCP, always as an agent.
    kind: Kind = "person"
    # A bot may leave it out: it gets an address of its own under .invalid (RFC 2606).
    email: str = Field(default="", max_length=320, pattern=r"^$|" + _EMAIL, validate_default=True)
    role: Role = "agent"
    team: str | None = Field(default=None, max_length=100)
    skills: list[Skill] = Field(default_factory=list, max_length=50)
    wip_limit: int | None = Field(default=None, ge=0, le=1000)
    # Lets the person sign in to the web pages; stored only as an argon2id hash.
    password: Password | None = Field(default=None, repr=False)
    # Instead of a password: a one-time link (7 days) on which they choose their own.
    invite: bool = False

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip() and info.data.get("kind") != "bot":
            raise ValueError("a person needs an email address")
        return value.strip().lower()

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, value: list[Skill]) -> list[Skill]:
        return _unique(value)

    @model_validator(mode="after")
    def _one_way_in(self) -> UserCreate:
        if self.invite and self.password is not None:
            raise ValueError("send either a password or invite, not both")
        if self.kind == "bot":
            if self.password is not None or self.invite:
                raise ValueError("a bot signs in with API tokens only: no password or invite")
            if self.role not in ("agent", "viewer"):
                raise ValueError("a bot's role is 'agent' (or 'viewer')")
        return self


def _unique(value: list[Skill]) -> list[Skill]:
    names = [" ".join(s.name.split()).casefold() for s in value]
    if len(set(names)) != len(names):
        raise ValueError("each skill may be listed once")
    return value


# busy: at work but taking no new cards (swarm matching asks only "available" people).
Availability = Literal["available", "busy", "away"]


class UserUpdate(InputModel):
    """A profile change; only the fields sent are changed (``null`` clears team and limit).

    Name, email and role are an admin's to change; skills, team, availability and the
    personal WIP limit the person's own, their board's lead's, or an admin's.
    """

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, min_length=3, max_length=320, pattern=_EMAIL)
    role: Role | None = None
    skills: list[Skill] | None = Field(default=None, max_length=50)
    team: str | None = Field(default=None, max_length=100)
    availability: Availability | None = None
    wip_limit: int | None = Field(default=None, ge=0, le=1000)

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, value: list[Skill] | None) -> list[Skill] | None:
        return None if value is None else _unique(value)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return None if value is None else value.lower()


class UserPublic(BaseModel):
    id: int
    name: str
    email: str
    role: Role
    kind: Kind = "person"
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
    # Only with "invite": the link to send, shown once (only its hash is stored).
    invitation_url: str | None = None
    invitation_expires_at: datetime | None = None


class SignUpLinkPublic(BaseModel):
    """A new one-time sign-up link for a person who has no password yet."""

    user_id: int
    invitation_url: str
    expires_at: datetime


class SkillCount(BaseModel):
    name: str
    people: int


class SkillList(BaseModel):
    """Skill names in use among the people you can see, most common first."""

    skills: list[SkillCount]


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
