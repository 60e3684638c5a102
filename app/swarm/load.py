"""Swarming counts toward personal WIP: the load source board consults.

Registered at wiring (:func:`app.wiring.install`) through
:func:`app.board.reactions.add_load_source`, so a person helping in an open swarm
carries that card against their WIP limit, as if assigned, without board reading swarm
tables itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from app.board.reactions import UserFilter
from app.core.models import table_of
from app.swarm.models import Swarm, SwarmMember

__all__ = ["open_swarm_pairs"]

swarms = table_of(Swarm)
swarm_members = table_of(SwarmMember)


def open_swarm_pairs(user_filter: UserFilter, exclude: Any) -> Select[Any]:
    """(user_id, card_id) for each open swarm a person is in and has not left, other
    than on card ``exclude``."""
    return (
        select(swarm_members.c.user_id, swarms.c.card_id)
        .join(swarms, swarms.c.id == swarm_members.c.swarm_id)
        .where(
            user_filter(swarm_members.c.user_id),
            swarms.c.state == "open",
            swarm_members.c.left_at.is_(None),
        )
        .where(swarms.c.card_id != exclude)
    )
