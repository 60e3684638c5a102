"""Swarm errors; each carries its HTTP status and problem type."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, NotFound

__all__ = [
    "AlreadyInSwarm",
    "InvitationAnswered",
    "InvitationNotFound",
    "NotInSwarm",
    "SwarmAlreadyOpen",
    "SwarmForbidden",
    "SwarmNotFound",
    "SwarmNotOpen",
]


class SwarmNotFound(NotFound):
    type = "swarm-not-found"


class InvitationNotFound(NotFound):
    type = "invitation-not-found"


class SwarmForbidden(Forbidden):
    type = "swarm-forbidden"


class SwarmAlreadyOpen(Conflict):
    type = "swarm-already-open"
    title = "This card already has an open swarm"


class SwarmNotOpen(Conflict):
    type = "swarm-not-open"
    title = "The swarm is not open"


class InvitationAnswered(Conflict):
    type = "invitation-already-answered"
    title = "The invitation was already answered"


class AlreadyInSwarm(Conflict):
    type = "already-in-swarm"
    title = "You are already in this swarm"


class NotInSwarm(Conflict):
    type = "not-in-swarm"
    title = "You are not in this swarm"
