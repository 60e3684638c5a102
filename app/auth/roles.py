"""The role vocabulary: which roles manage and which work.

A person has a global role, and a board member may have a board role that overrides it
there (the rule is :func:`app.board.access.effective_role`). These sets say what a role
may do wherever it applies; they live here, at the bottom, so that both the board rules
(:mod:`app.board.access`) and the event log's redaction (:mod:`app.events.redaction`)
read the same definition.
"""

from __future__ import annotations

__all__ = ["ADMIN", "BOT", "BOT_ROLES", "MANAGE", "WORK"]

ADMIN = "admin"
# A user of kind 'bot' (an AI agent). Its global role is always 'agent' and a board
# role, where it has one, is 'agent' or 'viewer': a bot works cards, never manages.
BOT = "bot"
BOT_ROLES = frozenset({"agent", "viewer"})
# Manage: change a board, its members and webhooks; see the people directory.
MANAGE = frozenset({ADMIN, "lead"})
# Work tickets: create, edit and move cards, and contact the customer.
WORK = frozenset({ADMIN, "lead", "agent"})
