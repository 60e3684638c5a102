"""One line in human terms for each event of a card's history.

Pure functions over an event envelope and :class:`Names` (people, columns and lanes
looked up once per page by :mod:`app.board.activity`). The actor is shown beside the
line, so a line says what happened, not who did it: "Moved from Triage to Doing",
"Assigned Ines Duarte", "Alert raised: Stalled". A type without a wording of its own
falls back to its name, so a new event type is never hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Names", "people_in", "repeats", "summary"]

QUOTE_CHARS = 80
ALERTS = {
    "stalled": "Stalled",
    "blocked": "Blocked too long",
    "sla_warning": "SLA at risk",
    "sla_breach": "SLA breached",
    "wip_breach": "Over the WIP limit",
    "swarm_unanswered": "Swarm unanswered",
    "customer_rejected": "Customer says it is not solved",
}
CHANNELS = {"call": "phone", "chat": "chat", "email": "email", "web": "the web", "bot": "bot"}
INSIGHT = {
    "problem_statement": "the problem statement",
    "suggested_fix": "the suggested fix",
}
# The order a card's changes are told in (the stored JSON may not keep the sent order).
FIELD_ORDER = (
    "title",
    "description",
    "priority",
    "channel",
    "product",
    "segment",
    "owner_id",
    "assignee_ids",
    "problem_statement",
    "suggested_fix",
    "impact_per_month",
    "effort_hours",
    "owner_team",
)
# Card fields whose change a line of its own already tells (card.blocked, card.unblocked).
SHOWN_ELSEWHERE = frozenset({"blocked", "blocked_reason"})


@dataclass(frozen=True, slots=True)
class Names:
    """What a page's lines may name: people, columns and lanes by id."""

    people: dict[int, str] = field(default_factory=dict)
    columns: dict[int, str] = field(default_factory=dict)
    lanes: dict[int, str] = field(default_factory=dict)
    # The card's channel, for "Customer contacted by email".
    channel: str | None = None

    def person(self, user_id: Any) -> str:
        return self.people.get(user_id, f"user {user_id}") if user_id is not None else "nobody"

    def column(self, column_id: Any) -> str:
        return self.columns.get(column_id, "another column")

    def lane(self, lane_id: Any) -> str:
        return self.lanes.get(lane_id, "another lane")


def people_in(event: dict[str, Any]) -> set[int]:
    """The ids of the people an event's line names (its actor included)."""
    data, found = event["data"], set()
    if event["actor"]["kind"] == "user" and event["actor"]["id"] is not None:
        found.add(event["actor"]["id"])
    changes = data.get("changes") if isinstance(data.get("changes"), dict) else {}
    for value in (data.get("user_id"), data.get("by"), changes.get("owner_id")):
        if isinstance(value, int):
            found.add(value)
    for key in ("assigned", "unassigned"):
        found.update(u for u in data.get(key) or [] if isinstance(u, int))
    found.update(u for u in changes.get("assignee_ids") or [] if isinstance(u, int))
    return found


def _quote(text: Any) -> str:
    text = " ".join(str(text or "").split())
    if len(text) > QUOTE_CHARS:  # cut at a word, within the first 80 characters
        cut = text[: QUOTE_CHARS - 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:.") + "…"
    return f"“{text}”"


def _list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _number(value: Any) -> str:
    return f"{value:,.0f}" if float(value) == int(value) else f"{value:,.2f}"


def _join(parts: list[str]) -> str:
    """Several changes as one line: "Renamed to “X”; set priority to High"."""
    return "; ".join(parts[:1] + [p[0].lower() + p[1:] for p in parts[1:]])


def _field_change(key: str, value: Any, data: dict[str, Any], n: Names) -> str | None:
    if key == "title":
        return f"Renamed to {_quote(value)}"
    if key == "description":
        return "Edited the description" if value else "Cleared the description"
    if key in ("priority", "segment"):
        return f"Set {key} to {str(value).title()}"
    if key == "channel":
        return f"Set channel to {CHANNELS.get(value, value)}" if value else "Cleared the channel"
    if key in ("product", "owner_team"):
        label = "product" if key == "product" else "owning team"
        return f"Set {label} to {value}" if value else f"Cleared the {label}"
    if key == "owner_id":
        return f"Made {n.person(value)} the owner" if value else "Removed the owner"
    if key == "assignee_ids":
        return _assignment(value, data, n)
    if key in INSIGHT:
        return f"Edited {INSIGHT[key]}" if value else f"Cleared {INSIGHT[key]}"
    if key == "impact_per_month":
        return f"Set the impact to {_number(value)} a month" if value is not None else None
    if key == "effort_hours":
        return f"Set the effort to {_number(value)} hours" if value is not None else None
    return f"Changed {key.replace('_', ' ')}"


def _assignment(value: Any, data: dict[str, Any], n: Names) -> str:
    if "assigned" not in data:  # logged before the change named who came and went
        return f"Assigned {_list([n.person(u) for u in value])}" if value else "Unassigned all"
    parts = []
    if data["assigned"]:
        parts.append(f"Assigned {_list([n.person(u) for u in data['assigned']])}")
    if data["unassigned"]:
        parts.append(f"Unassigned {_list([n.person(u) for u in data['unassigned']])}")
    return _join(parts) or "Reordered the assignees"


def _updated(data: dict[str, Any], n: Names) -> str:
    changes = data.get("changes") or {}
    rank = {key: i for i, key in enumerate(FIELD_ORDER)}
    keys = sorted(changes, key=lambda k: (rank.get(k, len(rank)), k))
    parts = [_field_change(k, changes[k], data, n) for k in keys if k not in SHOWN_ELSEWHERE]
    lines = [p for p in parts if p]
    if not lines and "blocked_reason" in changes and "blocked" not in changes:
        return f"Changed the blocked reason: {changes['blocked_reason']}"
    if not lines:
        return "Edited the card"
    return _join(lines)


def _moved(data: dict[str, Any], n: Names) -> str:
    came, went = data.get("from_column_id"), data.get("to_column_id")
    if came != went:
        return f"Moved from {n.column(came)} to {n.column(went)}"
    if data.get("from_lane_id") != data.get("to_lane_id"):
        lane = data.get("to_lane_id")
        return f"Moved to the {n.lane(lane)} lane" if lane is not None else "Moved out of its lane"
    return f"Reordered in {n.column(went)}"


def _wip(data: dict[str, Any], n: Names, *, overridden: bool) -> str:
    scope = data.get("scope")
    if scope == "person":
        what = f"Took {n.person(data.get('user_id'))} over their personal WIP limit"
    elif scope == "lane":
        what = f"Moved into the {n.lane(data.get('lane_id'))} lane over its WIP limit"
    else:
        what = f"Moved to {n.column(data.get('column_id'))} over its WIP limit"
    if not overridden and data.get("reason") is None:
        return f"{what.replace(' WIP limit', ' soft WIP limit')} of {data.get('limit')}"
    return f"{what}: {data.get('reason')}" if data.get("reason") else what


def _interaction(data: dict[str, Any], n: Names) -> str:
    by = f" by {CHANNELS.get(n.channel or '', n.channel)}" if n.channel else ""
    return {
        "agent_reply": f"Customer contacted{by}",
        "customer_message": f"The customer wrote{by}",
        "bot_reply": "A bot replied to the customer",
        "internal_note": "Added an internal note",
        "handoff": "A bot handed the ticket to a person",
        "resolution": "Recorded a resolution with the customer",
    }.get(data.get("kind", ""), "Recorded a contact with the customer")


def _alert(verb: str) -> Callable[[dict[str, Any], Names], str]:
    def line(d: dict[str, Any], n: Names) -> str:
        text = f"Alert {verb}: {ALERTS.get(d.get('kind', ''), d.get('kind'))}"
        if d.get("reason") == "archived":
            return text + " (the card was archived)"
        return text + " (cleared)" if d.get("reason") == "cleared" else text

    return line


def _scores(d: dict[str, Any]) -> str:
    scores = [f"{k.upper()} {d[k]}" for k in ("csat", "ces", "nps") if d.get(k) is not None]
    return f" ({', '.join(scores)})" if scores else ""


def _left(d: dict[str, Any], n: Names) -> str:
    if d.get("reason") == "wip_limit":
        return f"{n.person(d.get('user_id'))} left the swarm: at their WIP limit"
    return "Left the swarm"


def _asked(d: dict[str, Any], n: Names) -> str:
    question = d.get("question")
    text = (
        "Handed over to people (asked a swarm)" if d.get("handover") else "Asked the swarm for help"
    )
    return f"{text}: {_quote(question)}" if question else text


def _tokens(count: Any) -> str:
    return f"{count:,} token{'' if count == 1 else 's'}" if isinstance(count, int) else "? tokens"


def _usage(d: dict[str, Any], n: Names) -> str:
    cost = d.get("cost_usd")
    money = "$?"
    if isinstance(cost, int | float):  # cents, and fractions of a cent below a dollar
        whole, _, frac = (f"{cost:,.2f}" if cost >= 1 else f"{cost:.4f}").partition(".")
        money = f"${whole}.{frac[:2] + frac[2:].rstrip('0')}"
    return (
        f"Reported usage: {_tokens(d.get('input_tokens'))} in, "
        f"{_tokens(d.get('output_tokens'))} out on {d.get('model')} ({money})"
    )


def _resolved(d: dict[str, Any], n: Names) -> str:
    line = f"Resolved: {_quote(d.get('resolution'))}"
    if d.get("knowledge"):
        line += f" (knowledge: {_quote(d.get('knowledge'))})"
    return line


Line = Callable[[dict[str, Any], Names], str]
LINES: dict[str, Line] = {
    "card.created": lambda d, n: f"Created in {n.column(d.get('column_id'))}",
    "card.moved": _moved,
    "card.reopened": lambda d, n: (
        f"Reopened into {n.column(d.get('to_column_id'))}: "
        f"{d.get('reason') or 'the customer said it is not solved'}"
    ),
    "card.updated": _updated,
    "card.resolved": _resolved,
    "card.usage_reported": _usage,
    "card.blocked": lambda d, n: f"Blocked: {d['reason']}" if d.get("reason") else "Blocked",
    "card.unblocked": lambda d, n: "Unblocked",
    "card.archived": lambda d, n: "Archived",
    "card.restored": lambda d, n: f"Restored to {n.column(d.get('column_id'))}",
    "card.commented": lambda d, n: f"Commented: {_quote(d.get('body'))}",
    "comment.edited": lambda d, n: f"Edited a comment: {_quote(d.get('body'))}",
    "comment.deleted": lambda d, n: "Deleted a comment",
    "card.linked": lambda d, n: f"Marked as a {d.get('kind')} of card #{d.get('target_id')}",
    "card.unlinked": lambda d, n: f"No longer a {d.get('kind')} of card #{d.get('target_id')}",
    "wip.overridden": lambda d, n: _wip(d, n, overridden=True),
    "wip.exceeded": lambda d, n: _wip(d, n, overridden=False),
    "swarm.requested": _asked,
    "swarm.invited": lambda d, n: f"Invited {n.person(d.get('user_id'))} to the swarm",
    "swarm.accepted": lambda d, n: "Accepted the invitation to the swarm",
    "swarm.declined": lambda d, n: "Declined the invitation to the swarm",
    "swarm.joined": lambda d, n: f"Joined the swarm as {d.get('role') or 'helper'}",
    "swarm.left": _left,
    "swarm.resolved": lambda d, n: f"Resolved the swarm: {d.get('outcome')}",
    "swarm.cancelled": lambda d, n: f"Cancelled the swarm: {d.get('reason')}",
    "swarm.reopened": lambda d, n: "Reopened the swarm",
    "alert.raised": _alert("raised"),
    "alert.acknowledged": _alert("acknowledged"),
    "alert.resolved": _alert("resolved"),
    "interaction.recorded": _interaction,
    "confirmation.requested": lambda d, n: "Asked the customer to confirm it is solved",
    "confirmation.withdrawn": lambda d, n: "Withdrew the question to the customer",
    "customer.confirmed": lambda d, n: "Customer confirmed it is solved" + _scores(d),
    "customer.rejected": lambda d, n: "Customer says it is not solved" + _scores(d),
    "survey.recorded": lambda d, n: "Survey answered" + _scores(d),
    "evidence.added": lambda d, n: f"Added evidence: {d.get('filename')}",
    "evidence.removed": lambda d, n: f"Removed evidence: {d.get('filename')}",
}


def repeats(event: dict[str, Any]) -> bool:
    """A ``card.updated`` that only blocks or unblocks: the next event tells it."""
    changes = event["data"].get("changes") or {}
    only_blocking = "blocked" in changes and set(changes) <= SHOWN_ELSEWHERE
    return event["type"] == "card.updated" and only_blocking


def summary(event: dict[str, Any], names: Names) -> str:
    """The event's line; its type when it has no wording of its own."""
    line = LINES.get(event["type"])
    return line(event["data"], names) if line is not None else event["type"]
