"""Request and response bodies for boards, columns, lanes, members and cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from app.core.params import MAX_ID
from app.core.schemas import InputModel

__all__ = [
    "CHANNELS",
    "PRIORITIES",
    "SEGMENTS",
    "ActivityActor",
    "ActivityItem",
    "ActivityPage",
    "BoardCreate",
    "BoardDetail",
    "BoardPage",
    "BoardSummary",
    "BoardUpdate",
    "CardCreate",
    "CardMove",
    "CardPublic",
    "CardQuery",
    "CardRestore",
    "CardSearchPage",
    "CardUpdate",
    "ColumnCreate",
    "ColumnPublic",
    "ColumnUpdate",
    "DbId",
    "LaneCreate",
    "LanePublic",
    "LaneUpdate",
    "MemberCreate",
    "MemberPublic",
    "MemberUpdate",
    "PullRequest",
    "PullResult",
    "SkillName",
    "unique_skills",
]

Stage = Literal["backlog", "active", "done"]
Policy = Literal["hard", "soft"]
Priority = Literal["low", "normal", "high", "urgent"]
SkillName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


def unique_skills(value: list[str]) -> list[str]:
    """Each skill once, whatever its case or spacing."""
    keys = [" ".join(s.split()).casefold() for s in value]
    if len(set(keys)) != len(keys):
        raise ValueError("each skill may be listed once")
    return [" ".join(s.split()) for s in value]


Channel = Literal["call", "chat", "email", "web", "bot"]
Segment = Literal["customer", "partner"]
# The lists, derived from the types: forms, filters and the CLI offer these, never a copy.
PRIORITIES: tuple[Priority, ...] = get_args(Priority)
CHANNELS: tuple[Channel, ...] = get_args(Channel)
SEGMENTS: tuple[Segment, ...] = get_args(Segment)
BoardRole = Literal["lead", "agent", "facilitator", "viewer"]
# Ids are 32-bit integers in the database; bigger numbers are refused as input, not crashed on.
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = Field(min_length=1, max_length=100)
Limit = Field(default=None, ge=0, le=10_000)
# A 0-based place among the board's current columns (or lanes); the others shift.
Position = Field(default=None, ge=0, le=10_000, description="0-based index on the board")


Seconds = Field(default=None, ge=1, le=10 * 365 * 86400)
# An ISO 4217 code: three capital letters.
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class ColumnCreate(InputModel):
    name: str = Name
    stage: Stage = "active"
    wip_limit: int | None = Limit
    wip_policy: Policy = "hard"
    stall_after_seconds: int | None = Seconds
    waits_on_customer: bool = False
    requires_insight: bool = False
    reopen_target: bool = False


class ColumnUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    stage: Stage | None = None
    wip_limit: int | None = Limit
    wip_policy: Policy | None = None
    stall_after_seconds: int | None = Seconds
    waits_on_customer: bool | None = None
    requires_insight: bool | None = None
    reopen_target: bool | None = None
    position: int | None = Position


class LaneCreate(InputModel):
    name: str = Name
    wip_limit: int | None = Limit


class LaneUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    wip_limit: int | None = Limit
    position: int | None = Position


PresetName = Literal["support-swarming", "blank"]


class BoardCreate(InputModel):
    name: str = Field(min_length=1, max_length=200)
    # Either a preset (app/board/presets.py) or the columns (and lanes): not both.
    # Declared before them, so their checks below see whether one was given.
    preset: PresetName | None = Field(default=None, validate_default=True)
    columns: list[ColumnCreate] | None = Field(
        default=None, min_length=1, max_length=50, validate_default=True
    )
    lanes: list[LaneCreate] = Field(default_factory=list, max_length=20)
    # Alert when a card stays blocked, or a swarm unanswered, this long (null: never).
    blocked_alert_seconds: int | None = Field(default=4 * 3600, ge=1, le=10 * 365 * 86400)
    swarm_answer_seconds: int | None = Field(default=30 * 60, ge=1, le=10 * 365 * 86400)
    currency: Currency = "USD"

    @field_validator("columns")
    @classmethod
    def _columns_or_preset(cls, value: Any, info: ValidationInfo) -> Any:
        # An invalid preset is absent from info.data: its own error says enough.
        preset = info.data.get("preset", _INVALID)
        if value is None and preset is None:
            raise PydanticCustomError("missing", "Field required (or give a preset)")
        if value is not None and preset not in (None, _INVALID):
            raise PydanticCustomError("preset_conflict", "give columns or a preset, not both")
        return value

    @field_validator("lanes")
    @classmethod
    def _no_lanes_with_a_preset(cls, value: Any, info: ValidationInfo) -> Any:
        if value and info.data.get("preset") is not None:
            raise PydanticCustomError("preset_conflict", "a preset brings its own lanes")
        return value


_INVALID = object()


class BoardUpdate(InputModel):
    """A board change; only the fields sent are changed (null turns an alert off)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    blocked_alert_seconds: int | None = Seconds
    swarm_answer_seconds: int | None = Seconds
    currency: Currency | None = None


class MemberCreate(InputModel):
    user_id: DbId
    role: BoardRole | None = None


class MemberUpdate(InputModel):
    """A member's board role; null: their global role applies."""

    role: BoardRole | None


class CardCreate(InputModel):
    title: str = Field(min_length=1, max_length=300)
    column_id: DbId | None = None
    lane_id: DbId | None = None
    description: str = Field(default="", max_length=20_000)
    priority: Priority = "normal"
    channel: Channel | None = None
    product: str | None = Field(default=None, max_length=100)
    segment: Segment | None = None
    owner_id: DbId | None = None
    assignee_ids: list[DbId] = Field(default_factory=list, max_length=20)
    skills: list[SkillName] = Field(default_factory=list, max_length=20)
    override_reason: str | None = Field(default=None, min_length=1, max_length=500)

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, value: list[str]) -> list[str]:
        return unique_skills(value)


class CardUpdate(InputModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    priority: Priority | None = None
    channel: Channel | None = None
    product: str | None = Field(default=None, max_length=100)
    segment: Segment | None = None
    owner_id: DbId | None = None
    assignee_ids: list[DbId] | None = Field(default=None, max_length=20)
    # The skills the work needs (null or [] clears them): a pull matches them.
    skills: list[SkillName] | None = Field(default=None, max_length=20)
    blocked: bool | None = None
    blocked_reason: str | None = Field(default=None, max_length=500)
    # The actionable-insight fields; null clears one.
    problem_statement: str | None = Field(default=None, max_length=5_000)
    suggested_fix: str | None = Field(default=None, max_length=5_000)
    impact_per_month: float | None = Field(default=None, ge=0, le=1e12, allow_inf_nan=False)
    effort_hours: float | None = Field(default=None, gt=0, le=1e6, allow_inf_nan=False)
    owner_team: str | None = Field(default=None, min_length=1, max_length=100)
    version: int | None = Field(default=None, ge=1, le=MAX_ID)
    override_reason: str | None = Field(default=None, min_length=1, max_length=500)

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else unique_skills(value)


class CardMove(InputModel):
    column_id: DbId
    lane_id: DbId | None = None
    position: int | None = Field(
        default=None, ge=0, le=1_000_000, description="0-based index in the column"
    )
    override_reason: str | None = Field(default=None, min_length=1, max_length=500)
    version: int | None = Field(default=None, ge=1, le=MAX_ID)


class CardRestore(InputModel):
    """Restoring is admitted like a move: a lead or admin may override a hard limit."""

    override_reason: str | None = Field(default=None, min_length=1, max_length=500)


class ColumnPublic(BaseModel):
    id: int
    board_id: int
    name: str
    position: int
    stage: Stage
    wip_limit: int | None
    wip_policy: Policy
    stall_after_seconds: int | None
    waits_on_customer: bool
    requires_insight: bool = False
    reopen_target: bool = False
    card_count: int = 0


class LanePublic(BaseModel):
    id: int
    board_id: int
    name: str
    position: int
    wip_limit: int | None


class MemberPublic(BaseModel):
    board_id: int
    user_id: int
    name: str
    # The role that applies on this board; ``board_role`` is the member's own board role
    # (null: their global role applies).
    role: str
    board_role: BoardRole | None = None
    email: str | None = None
    # 'bot' for an AI agent (shown with a bot badge), 'person' otherwise.
    kind: str = "person"


class CardPublic(BaseModel):
    id: int
    board_id: int
    column_id: int
    lane_id: int | None
    position: float
    title: str
    description: str
    priority: Priority
    channel: Channel | None
    product: str | None
    segment: Segment | None
    owner_id: int | None
    assignee_ids: list[int]
    # The skills the work needs; a pull hands the card only to someone who has them.
    skills: list[str] = []
    # What resolved it, in the resolver's words (set by resolve_card).
    resolution: str | None = None
    blocked: bool
    blocked_reason: str | None
    blocked_since: datetime | None
    blocked_seconds: float = 0.0
    external_ref: str | None = None
    customer_id: int | None = None
    first_response_at: datetime | None = None
    agent_replies: int = 0
    handle_seconds: float = 0.0
    bot_handled: bool = False
    bot_resolved_at: datetime | None = None
    handed_off_at: datetime | None = None
    reopen_count: int = 0
    problem_statement: str | None = None
    suggested_fix: str | None = None
    impact_per_month: float | None = None
    effort_hours: float | None = None
    owner_team: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime
    column_entered_at: datetime
    # Set while the card is archived: off the board and out of every WIP count.
    archived_at: datetime | None = None


class CardSearchPage(BaseModel):
    """One page of a board's cards in board order; ``next_cursor`` fetches the next."""

    items: list[CardPublic]
    next_cursor: str | None


class ActivityActor(BaseModel):
    """Who did it: a person (``user``), Swarmboard itself (``system``) or the customer."""

    id: int | None
    kind: str
    name: str


class ActivityItem(BaseModel):
    """One event of a card's history, with a one-line summary in human terms."""

    seq: int
    type: str
    at: str
    actor: ActivityActor
    summary: str
    data: dict[str, Any]


class ActivityPage(BaseModel):
    """A page of a card's activity, newest first; ``next_cursor`` fetches older items."""

    items: list[ActivityItem]
    next_cursor: str | None


# A person filter: a user id, "none" (nobody), or None (no filter).
PersonFilter = int | Literal["none"] | None


@dataclass(frozen=True, slots=True)
class CardQuery:
    """The filters of a card search, checked and resolved ("me" is already an id)."""

    q: str | None = None
    assignee: PersonFilter = None
    owner: PersonFilter = None
    priority: Priority | None = None
    channel: Channel | None = None
    product: str | None = None
    column_id: int | None = None
    lane_id: int | None = None
    blocked: bool | None = None
    alerted: bool | None = None
    swarmed: bool | None = None
    # False: the cards on the board; True: only the archived ones.
    archived: bool = False


class BoardSummary(BaseModel):
    id: int
    name: str
    created_at: datetime
    last_seq: int
    blocked_alert_seconds: int | None
    swarm_answer_seconds: int | None
    currency: str = "USD"


class BoardDetail(BoardSummary):
    columns: list[ColumnPublic]
    lanes: list[LanePublic]
    members: list[MemberPublic]
    cards: list[CardPublic]


class BoardPage(BaseModel):
    boards: list[BoardSummary]
    total: int
    limit: int
    offset: int


class PullRequest(InputModel):
    """Optional: pull using only these of your skills (default: all of them)."""

    skills: list[SkillName] | None = Field(default=None, max_length=50)


class PullResult(BaseModel):
    """The card you now work on (assigned to you, in the first active column), or null
    when nothing on the board is waiting for your skills."""

    card: CardPublic | None
