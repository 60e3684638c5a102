"""The simulated clock the demo history writes its past with (app.core.models)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.core.models import simulated_now, utcnow


def test_utcnow_answers_the_simulated_moment_inside_and_the_wall_clock_after():
    past = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    with simulated_now(past):
        assert utcnow() == past
        # Nested moments (a later step of the history) win, and give way when done.
        with simulated_now(past + timedelta(hours=2)):
            assert utcnow() == past + timedelta(hours=2)
        assert utcnow() == past
    assert utcnow() > past + timedelta(days=30)


def test_a_simulated_moment_is_kept_in_utc_and_must_carry_a_zone():
    with simulated_now(datetime(2026, 3, 2, 11, 30, tzinfo=timezone(timedelta(hours=2)))):
        assert utcnow() == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
        assert utcnow().tzinfo == UTC
    with pytest.raises(ValueError, match="timezone-aware"), simulated_now(datetime(2026, 3, 2)):
        pass
