"""The people page's directory: whom a person sees and manages, and the skills in use.

- an **admin** sees and manages everyone;
- a **lead** (anyone whose effective role manages a board) sees the people on the boards
  they lead and manages their working profile (skills, team, availability, WIP limit),
  an admin's excepted;
- **everyone** sees and edits their own profile.

The people on a board come from board's rule through :func:`app.auth.hooks.led_people`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from app.auth import hooks, repository
from app.auth.models import User
from app.auth.roles import ADMIN
from app.auth.service import Principal
from app.core.models import table_of

__all__ = ["PAGE", "PersonRow", "people_page", "person_row", "skill_suggestions"]

# People per page on /people.
PAGE = 50
_users = table_of(User)


@dataclass(frozen=True, slots=True)
class PersonRow:
    """A person as the page shows them, with what the viewer may do to them."""

    user: User
    # Skills, team, availability, WIP limit.
    may_edit: bool
    # Name, email, role, deactivation, invitation links.
    may_admin: bool

    @property
    def has_password(self) -> bool:
        return bool(self.user.password_hash)


def _visible(actor: Principal) -> list[ColumnElement[bool]]:
    """Whom ``actor`` sees on the page: everyone for an admin; otherwise themselves and
    the people on the boards they lead."""
    if actor.is_admin:
        return []
    return [or_(_users.c.id == actor.id, _users.c.id.in_(hooks.led_people(actor.id)))]


def people_page(
    session: Session, *, actor: Principal, q: str | None, number: int
) -> dict[str, Any]:
    """Page ``number`` (from 1) of the people ``actor`` sees whose name or email contains
    ``q``, oldest first, with what they may change of each."""
    where = _visible(actor) + repository.people_filter(q=q)
    total = repository.count_users(session, where=where)
    pages = max(1, -(-total // PAGE))
    number = min(max(number, 1), pages)
    found = repository.list_users(session, limit=PAGE, offset=(number - 1) * PAGE, where=where)
    rows = [_row(actor, u) for u in found]
    return {"people": rows, "total": total, "page": number, "pages": pages}


def _row(actor: Principal, user: User) -> PersonRow:
    # Whoever is on the page is the viewer, someone they lead, or (admins) anyone.
    may_edit = actor.is_admin or user.id == actor.id or user.role != ADMIN
    return PersonRow(user=user, may_edit=may_edit, may_admin=actor.is_admin)


def person_row(session: Session, *, actor: Principal, user_id: int) -> PersonRow | None:
    """One person as :func:`people_page` shows them; None when ``actor`` does not see them."""
    where = [*_visible(actor), _users.c.id == user_id]
    found = repository.list_users(session, limit=1, offset=0, where=where)
    return _row(actor, found[0]) if found else None


def skill_suggestions(session: Session, *, actor: Principal) -> list[dict[str, Any]]:
    """The skill names in use among the people ``actor`` sees (active ones), with how
    many have each, most common first. Spellings that differ only in case or spacing
    count as one, shown as most people write it."""
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for skills in repository.skills_of(session, where=_visible(actor)):
        for skill in skills:
            name = " ".join(str(skill.get("name", "")).split())
            if not name:
                continue
            key = name.casefold()
            counts[key] += 1
            spellings.setdefault(key, Counter())[name] += 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"name": spellings[k].most_common(1)[0][0], "people": n} for k, n in ordered]
