"""Board and card errors; each carries its HTTP status and problem type."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, NotFound, PreconditionFailed, ValidationFailed

__all__ = [
    "BoardNotFound",
    "CardArchived",
    "CardNotFound",
    "ColumnNotEmpty",
    "ColumnNotFound",
    "ColumnRequired",
    "InvalidReference",
    "LaneNotFound",
    "LastManager",
    "NoActiveColumn",
    "OverrideForbidden",
    "PersonWipLimitExceeded",
    "RoleForbidden",
    "StaleIfMatch",
    "VersionConflict",
    "WipLimitExceeded",
]


class BoardNotFound(NotFound):
    type = "board-not-found"


class CardNotFound(NotFound):
    type = "card-not-found"


class ColumnNotFound(NotFound):
    type = "column-not-found"


class LaneNotFound(NotFound):
    type = "lane-not-found"


class ColumnNotEmpty(Conflict):
    type = "column-not-empty"
    title = "The column still holds cards"


class ColumnRequired(Conflict):
    type = "column-required"
    title = "A board keeps at least one column and one done column"


class LastManager(Conflict):
    type = "last-manager"
    title = "The board would have nobody to manage it"


class RoleForbidden(Forbidden):
    type = "role-forbidden"


class OverrideForbidden(Forbidden):
    type = "override-forbidden"
    title = "Only a lead or admin may override a WIP limit"


class WipLimitExceeded(Conflict):
    type = "wip-limit-exceeded"
    title = "WIP limit exceeded"


class PersonWipLimitExceeded(Conflict):
    type = "person-wip-limit-exceeded"
    title = "Personal WIP limit exceeded"


class CardArchived(Conflict):
    type = "card-archived"
    title = "The card is archived"


class VersionConflict(Conflict):
    type = "version-conflict"
    title = "The card was changed by someone else"


class StaleIfMatch(PreconditionFailed):
    type = "precondition-failed"
    title = "The card was changed by someone else"


class InvalidReference(ValidationFailed):
    """A body field names a column, lane or person that is not on this board."""

    type = "validation-error"


class NoActiveColumn(Conflict):
    type = "no-active-column"
    title = "The board has no active column"
