"""Confirmation bodies: the API's records and survey input, and the customer's form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from app.core.models import utcnow
from app.core.schemas import InputModel, Instant

__all__ = [
    "COMMENT_MAX",
    "SCALES",
    "Answer",
    "ConfirmationDetail",
    "ConfirmationPublic",
    "FormReading",
    "SurveyCreate",
    "read_form",
]

COMMENT_MAX = 2000
# The optional scores: CSAT 1-5, CES 1-7, NPS 0-10 (as in DOMAIN.md).
SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "ces": (1, 7), "nps": (0, 10)}
# An integration's clock may run a little ahead of ours.
_CLOCK_SKEW = timedelta(minutes=5)

State = Literal["pending", "confirmed", "rejected", "superseded", "answered"]


class ConfirmationPublic(BaseModel):
    id: int
    card_id: int
    state: State
    source: Literal["link", "survey"]
    # The customer's link (requests asked through a link only). Null for roles that may
    # not contact the customer (viewers, facilitators), which then find "url" in redacted.
    url: str | None
    redacted: list[str] = Field(
        default_factory=list,
        description="Fields withheld from this caller's role (the link: only admins, "
        "leads and agents see it).",
    )
    requested_at: datetime
    expires_at: datetime
    # Pending past expires_at: the link no longer takes an answer.
    expired: bool
    answered_at: datetime | None
    solved: bool | None
    csat: int | None
    ces: int | None
    nps: int | None
    comment: str | None


class ConfirmationDetail(ConfirmationPublic):
    """The latest request and the earlier ones, newest first."""

    history: list[ConfirmationPublic]


class SurveyCreate(InputModel):
    """An external survey's answers; at least one of solved, csat, ces, nps or comment."""

    solved: bool | None = None
    csat: int | None = Field(default=None, ge=1, le=5)
    ces: int | None = Field(default=None, ge=1, le=7)
    nps: int | None = Field(default=None, ge=0, le=10)
    comment: str | None = Field(default=None, max_length=COMMENT_MAX)
    answered_at: Instant | None = None

    @field_validator("comment")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("answered_at")
    @classmethod
    def _not_in_future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if value > utcnow() + _CLOCK_SKEW:
            raise ValueError("must not be in the future")
        return value

    @model_validator(mode="after")
    def _has_an_answer(self) -> SurveyCreate:
        if all(getattr(self, f) is None for f in ("solved", "csat", "ces", "nps", "comment")):
            raise ValueError("give at least one of solved, csat, ces, nps, comment")
        return self


@dataclass(frozen=True, slots=True)
class Answer:
    """A customer's answer, from the page or a survey."""

    solved: bool | None
    csat: int | None = None
    ces: int | None = None
    nps: int | None = None
    comment: str | None = None
    answered_at: datetime | None = None


@dataclass(slots=True)
class FormReading:
    """The posted form: the answer when valid, else the errors by field; and what was
    entered, to show the form again as it was sent."""

    answer: Answer | None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def _score(name: str, raw: str, errors: dict[str, str]) -> int | None:
    if raw == "":
        return None
    low, high = SCALES[name]
    if raw.isascii() and raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    errors[name] = f"Choose a number from {low} to {high}, or leave this question unanswered."
    return None


def read_form(fields: Mapping[str, str]) -> FormReading:
    """Check the page's form fields; an empty string means "not given"."""
    errors: dict[str, str] = {}
    solved_raw = fields.get("solved", "").strip()
    solved = {"yes": True, "no": False}.get(solved_raw)
    if solved is None:
        errors["solved"] = "Choose yes or no: is your problem solved?"
    scores = {n: _score(n, fields.get(n, "").strip(), errors) for n in SCALES}
    # Browsers send a textarea's line breaks as CRLF but count them as one character.
    comment = fields.get("comment", "").replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = (
            f"Your comment has {len(comment)} characters; please shorten it to {COMMENT_MAX}."
        )
    elif "\x00" in comment:
        errors["comment"] = "Your comment contains a character we cannot store; please remove it."
    values = {
        "solved": solved_raw,
        **{n: fields.get(n, "").strip() for n in SCALES},
        "comment": comment,
    }
    if errors:
        return FormReading(None, errors, values)
    answer = Answer(
        solved=solved,
        csat=scores["csat"],
        ces=scores["ces"],
        nps=scores["nps"],
        comment=comment or None,
    )
    return FormReading(answer, {}, values)
