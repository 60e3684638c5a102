"""What auth asks of, and tells, the layers above it (registered at wiring).

Auth sits just above core and imports nothing else of ours, yet two of its rules involve
boards and sockets:

- **access changed**: when a session or token ends, a password changes or a person is
  (de)activated, their open websockets must close and reconnect through a fresh access
  check. Auth calls :func:`access_changed`; realtime's announcement is registered here.
- **colleagues**: a person's profile is visible to the people they share a board with.
  Auth calls :func:`are_colleagues`; board's membership query is registered here.
- **led people**: a lead manages the profiles of the people on the boards they lead
  (their effective role there manages). Auth calls :func:`led_people`, which gives a
  query of those people's ids; board's rule is registered here.

:func:`app.wiring.install` registers them. Until it has run, these calls raise
:class:`HooksMissing` rather than skip the announcement or hide every profile.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Select
from sqlalchemy.orm import Session

__all__ = [
    "AccessListener",
    "ColleagueCheck",
    "HooksMissing",
    "LedPeople",
    "access_changed",
    "are_colleagues",
    "led_people",
    "on_access_changed",
    "set_colleague_check",
    "set_led_people",
]


class HooksMissing(RuntimeError):
    """Auth's hooks were used before app.wiring.install() registered them."""


class AccessListener(Protocol):
    def __call__(
        self, session: Session, *, user_id: int, reason: str, actor_id: int, everywhere: bool
    ) -> None: ...


class ColleagueCheck(Protocol):
    def __call__(self, session: Session, user_a: int, user_b: int) -> bool: ...


class LedPeople(Protocol):
    def __call__(self, lead_id: int, *, led_only: bool) -> Select[tuple[int]]: ...


_listeners: list[AccessListener] = []
_colleagues: list[ColleagueCheck] = []
_led: list[LedPeople] = []


def on_access_changed(listener: AccessListener) -> None:
    """Call ``listener`` in the transaction of every access change (once per listener)."""
    if listener not in _listeners:
        _listeners.append(listener)


def set_colleague_check(check: ColleagueCheck) -> None:
    """The rule that says whether two people share a board."""
    _colleagues[:] = [check]


def set_led_people(query: LedPeople) -> None:
    """The query of the people on the boards a person leads (or, with ``led_only``
    false, shares)."""
    _led[:] = [query]


def access_changed(
    session: Session, *, user_id: int, reason: str, actor_id: int, everywhere: bool
) -> None:
    """Tell the listeners that ``user_id``'s access changed (``everywhere``: on every
    board, for an admin), in the transaction that changed it."""
    if not _listeners:
        raise HooksMissing("app.wiring.install() has not registered the access listeners.")
    for listener in _listeners:
        listener(session, user_id=user_id, reason=reason, actor_id=actor_id, everywhere=everywhere)


def are_colleagues(session: Session, user_a: int, user_b: int) -> bool:
    """Do these two people share a board?"""
    if not _colleagues:
        raise HooksMissing("app.wiring.install() has not registered the colleague check.")
    return _colleagues[0](session, user_a, user_b)


def led_people(lead_id: int, *, led_only: bool = True) -> Select[tuple[int]]:
    """A query of the ids of the people on the boards ``lead_id`` leads (members of a
    board where their effective role manages), or, with ``led_only`` false, of every
    board they are on. It includes ``lead_id`` when they are on such a board."""
    if not _led:
        raise HooksMissing("app.wiring.install() has not registered the led-people query.")
    return _led[0](lead_id, led_only=led_only)
