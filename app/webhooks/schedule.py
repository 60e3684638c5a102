"""How long a failing delivery is retried, computed from the retry schedule.

The one source for that figure: the webhooks page shows :func:`describe` for the
configured schedule, and ``tests/webhooks/test_schedule.py`` checks that the README and
``docs/webhooks.md`` state what :func:`describe` says for the default schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from app.core.config import Settings

__all__ = [
    "GIVE_UP_AFTER",
    "JITTER",
    "default_delays",
    "describe",
    "give_up",
    "retry_seconds",
    "steps",
]

# Each wait is stretched or shrunk by up to this fraction (repository._next_try).
JITTER = 0.1
# An endpoint whose every delivery has failed this long is disabled (the relay's rule,
# the reason it records and the webhooks page all say this one figure).
GIVE_UP_AFTER = timedelta(days=3)


def give_up() -> str:
    """:data:`GIVE_UP_AFTER` in words: ``3 days``."""
    days = GIVE_UP_AFTER / timedelta(days=1)
    return f"{days:g} day" if days == 1 else f"{days:g} days"


def default_delays() -> list[float]:
    """The delays of the default ``SWARMBOARD_WEBHOOK_RETRY_SCHEDULE``."""
    raw = str(Settings.model_fields["webhook_retry_schedule"].default)
    return [float(x) for x in raw.split(",") if x.strip()]


def retry_seconds(delays: Sequence[float]) -> float:
    """Seconds from a delivery's first attempt to its last: the first attempt is due at
    once, and ``delays[n]`` is the wait before attempt ``n + 1`` (``delays[0]`` is not
    waited). Without jitter or ``Retry-After``, which only ever add or spread it."""
    return float(sum(delays[1:]))


def _span(seconds: float) -> str:
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size:
            value = seconds / size
            return f"{value:g} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{seconds:g} s"


def steps(delays: Sequence[float]) -> str:
    """The waits between attempts, in words: ``5 s, 5 min, … and 10 h``."""
    parts = [_span(d) for d in delays[1:]]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def describe(delays: Sequence[float]) -> str:
    """``about 27.6 hours`` for the default schedule: how long a delivery is retried."""
    seconds = retry_seconds(delays)
    if seconds < 120:
        return f"about {round(seconds)} seconds"
    if seconds < 7200:
        return f"about {round(seconds / 60)} minutes"
    return f"about {seconds / 3600:.1f} hours"
