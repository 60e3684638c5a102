"""Request and response bodies for swarms, knowledge and contribution credit."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from app.core.schemas import InputModel
from app.swarm.matching import skill_key

__all__ = [
    "Contribution",
    "ContributionReport",
    "Handover",
    "HandoverBy",
    "HandoverInteraction",
    "InvitationPublic",
    "InvitationSummary",
    "KnowledgeItem",
    "KnowledgePage",
    "SwarmCancel",
    "SwarmCreate",
    "SwarmJoin",
    "SwarmMemberPublic",
    "SwarmPage",
    "SwarmPublic",
    "SwarmResolve",
    "SwarmRole",
    "TeamCard",
    "TeamsReport",
]

SwarmRole = Literal["lead", "helper", "knowledge"]


class SwarmCreate(InputModel):
    """Ask for help: the skills needed, the question, and the steps already tried."""

    skills: list[str] = Field(min_length=1, max_length=20)
    question: str = Field(min_length=1, max_length=4000)
    tried: str = Field(min_length=1, max_length=4000)

    @field_validator("skills")
    @classmethod
    def _clean_skills(cls, value: list[str]) -> list[str]:
        cleaned: dict[str, str] = {}
        for name in value:
            name = " ".join(name.split())
            if not 1 <= len(name) <= 60:
                raise ValueError("each skill is 1 to 60 characters")
            cleaned.setdefault(skill_key(name), name)
        return list(cleaned.values())


class SwarmJoin(InputModel):
    role: SwarmRole = "helper"


class SwarmResolve(InputModel):
    outcome: str = Field(min_length=1, max_length=4000)
    knowledge: str = Field(min_length=1, max_length=20000)


class SwarmCancel(InputModel):
    reason: str = Field(min_length=1, max_length=2000)


class InvitationPublic(BaseModel):
    id: int
    user_id: int
    name: str
    state: Literal["pending", "accepted", "declined"]
    skills: list[str]
    invited_at: datetime
    answered_at: datetime | None


class SwarmMemberPublic(BaseModel):
    """A person in a swarm, with their part in it."""

    user_id: int
    name: str
    team: str | None
    role: SwarmRole
    joined_at: datetime


class KnowledgeItem(BaseModel):
    """A knowledge note: a resolved swarm's (``source`` "swarm", with its ``swarm_id``)
    or one a card's resolver left (``source`` "card": the card's title is the question,
    its resolution the outcome; ``swarm_id`` is null)."""

    source: Literal["swarm", "card"] = "swarm"
    swarm_id: int | None
    board_id: int
    card_id: int
    card_title: str
    skills: list[str]
    question: str
    outcome: str
    knowledge: str
    author_id: int | None
    resolved_at: datetime


class HandoverBy(BaseModel):
    """The bot that handed the card over."""

    id: int
    name: str
    kind: Literal["bot"]


class HandoverInteraction(BaseModel):
    """One contact on the card before the hand-over (the customer's or the bot's)."""

    id: int
    kind: str
    actor_kind: str
    recorded_by: int | None
    at: datetime
    body: str | None


class Handover(BaseModel):
    """A bot handed the card over to people: why (its question), what it tried, and the
    card's conversation up to then (at most 50 interactions, oldest first)."""

    by: HandoverBy
    question: str
    tried: str
    at: datetime
    interactions: list[HandoverInteraction]


class SwarmPublic(BaseModel):
    id: int
    board_id: int
    card_id: int
    card_title: str
    state: Literal["open", "resolved", "cancelled"]
    skills: list[str]
    question: str
    tried: str
    requested_by: int | None
    requested_at: datetime
    ended_at: datetime | None
    outcome: str | None
    knowledge: str | None
    cancel_reason: str | None
    invitations: list[InvitationPublic]
    members: list[SwarmMemberPublic]
    unmatched_skills: list[str]
    handover: Handover | None = Field(
        default=None,
        description="Set when a bot requested the swarm: it handed the card over to people "
        "(and was unassigned from it).",
    )
    suggested_knowledge: list[KnowledgeItem] = Field(
        default_factory=list,
        description="Up to 3 earlier knowledge notes with overlapping skills or words "
        "(filled in when the swarm is requested).",
    )


class SwarmPage(BaseModel):
    swarms: list[SwarmPublic]
    total: int
    limit: int
    offset: int


class KnowledgePage(BaseModel):
    items: list[KnowledgeItem]
    total: int
    limit: int
    offset: int


class InvitationSummary(BaseModel):
    invitation_id: int
    swarm_id: int
    board_id: int
    card_id: int
    card_title: str
    skills: list[str]
    question: str


class TeamCard(BaseModel):
    card_id: int
    title: str
    teams: list[str]
    # Distinct teams among the card's swarm members; a member without a team counts as one.
    team_count: int


class TeamsReport(BaseModel):
    board_id: int
    cards_swarmed: int
    # How many cards needed 1, 2, 3 or more distinct teams among their swarm members.
    distribution: dict[Literal["1", "2", "3+"], int]
    # The cards that needed the most teams (at most 50).
    cards: list[TeamCard]


class Contribution(BaseModel):
    user_id: int
    name: str
    team: str | None
    swarms_joined: int
    swarms_resolved: int
    knowledge_notes: int
    median_seconds_to_join: float | None


class ContributionReport(BaseModel):
    board_id: int
    from_: datetime | None = Field(alias="from", serialization_alias="from")
    to: datetime | None
    swarms_requested: int
    swarms_resolved: int
    people_helping: int
    people: list[Contribution]
