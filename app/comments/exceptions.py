"""Comment errors; each carries its HTTP status and problem type::

    DomainError
    ├── Forbidden           403
    │   └── NotCommentAuthor      not-comment-author
    ├── NotFound            404
    │   └── CommentNotFound       comment-not-found
    └── Conflict            409
        └── CommentDeleted        comment-deleted

A card that does not exist or is on a board the caller cannot read is board's
``card-not-found``; a role that may not write is board's ``role-forbidden``.
"""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, NotFound

__all__ = ["CommentDeleted", "CommentNotFound", "NotCommentAuthor"]


class CommentNotFound(NotFound):
    """No such comment, or it is on a board the caller may not read (never a 403)."""

    type = "comment-not-found"


class NotCommentAuthor(Forbidden):
    """Someone else's comment: only its author edits it; only its author, a lead or an
    admin deletes it."""

    type = "not-comment-author"
    title = "Not your comment"


class CommentDeleted(Conflict):
    """The comment was deleted: it stays in the thread, but cannot change any more."""

    type = "comment-deleted"
    title = "The comment was deleted"
