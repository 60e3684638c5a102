"""Card timelines and ActionableAgile dates from column stays, without a database.

Columns: Triage (backlog) | Investigating | Fixing (active) | Resolved | Closed (done).
Instants are hours after Monday 3 March 2025 00:00 UTC (``h``); ``d(n)`` is day n.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.metrics.timeline import (
    ColumnInfo,
    Stay,
    aa_dates,
    build,
    cycle_days,
    day_of,
    start_finish,
)

TRIAGE, INV, FIX, RES, CLOSED = 1, 2, 3, 4, 5
ORDERED = [
    ColumnInfo(TRIAGE, "Triage", 0, "backlog"),
    ColumnInfo(INV, "Investigating", 1, "active"),
    ColumnInfo(FIX, "Fixing", 2, "active"),
    ColumnInfo(RES, "Resolved", 3, "done"),
    ColumnInfo(CLOSED, "Closed", 4, "done"),
]
COLUMNS = {c.id: c for c in ORDERED}
T0 = datetime(2025, 3, 3, tzinfo=UTC).timestamp()


def h(hours: float) -> float:
    return T0 + hours * 3600


def d(n: int) -> date:
    return date(2025, 3, 3) + timedelta(days=n)


def path(*steps: tuple[int, float]) -> list[Stay]:
    """Stays entered at each step's hour and left at the next one's (the last open)."""
    return [
        Stay(col, h(at), h(steps[i + 1][1]) if i + 1 < len(steps) else None)
        for i, (col, at) in enumerate(steps)
    ]


def test_build_a_plain_card() -> None:
    tl = build(7, h(0), path((TRIAGE, 0), (INV, 10), (RES, 30)), COLUMNS, now=h(100))
    assert (tl.start, tl.finish, tl.first_done) == (h(10), h(30), h(30))
    assert tl.cycle_seconds == 20 * 3600
    assert tl.lead_seconds == 30 * 3600
    assert tl.reopened_at == []
    # The current stay (Resolved) counts up to now: 100 - 30 = 70 h.
    assert tl.column_seconds == {TRIAGE: 10 * 3600, INV: 20 * 3600, RES: 70 * 3600}


def test_reopen_restarts_nothing_cycle_runs_from_first_start_to_final_finish() -> None:
    stays = path((INV, 0), (RES, 10), (FIX, 20), (INV, 30), (RES, 50), (CLOSED, 60))
    tl = build(7, h(0), stays, COLUMNS, now=h(70))
    assert tl.start == h(0)
    assert tl.first_done == h(10)  # first resolution, for first-resolution TTR
    assert tl.reopened_at == [h(20)]
    # The final finish is the entry into the last run of done columns (Resolved at 50),
    # not the later move to Closed.
    assert tl.finish == h(50)
    assert tl.cycle_seconds == 50 * 3600
    assert tl.column_seconds[INV] == (10 + 20) * 3600  # two visits summed


def test_a_reopened_card_that_is_open_again_has_no_finish() -> None:
    tl = build(7, h(0), path((INV, 0), (RES, 10), (FIX, 20)), COLUMNS, now=h(30))
    assert (tl.finish, tl.cycle_seconds, tl.lead_seconds) == (None, None, None)
    assert tl.first_done == h(10) and tl.reopened_at == [h(20)]


def test_a_card_that_skipped_the_active_columns_starts_when_it_finishes() -> None:
    tl = build(7, h(0), path((TRIAGE, 0), (RES, 5)), COLUMNS, now=h(9))
    assert tl.start == tl.finish == h(5)
    assert tl.cycle_seconds == 0.0
    assert cycle_days(h(5), h(5)) == 1


def test_a_card_in_the_backlog_has_not_started() -> None:
    tl = build(7, h(0), path((TRIAGE, 0)), COLUMNS, now=h(9))
    assert (tl.start, tl.finish, tl.first_done) == (None, None, None)
    assert tl.column_seconds == {TRIAGE: 9 * 3600}


def test_an_unknown_column_counts_as_active_and_raw_rows_work_like_stays() -> None:
    # Rows straight from the database: (column_id, entered, left, card_id).
    rows = [(99, h(2), h(4), 7), (RES, h(4), None, 7)]
    tl = build(7, h(0), rows, COLUMNS, now=h(5))  # type: ignore[arg-type]
    assert (tl.start, tl.finish) == (h(2), h(4))


def test_cycle_days_follow_actionable_agile() -> None:
    # floor(end) - floor(start) + 1 in whole UTC days.
    assert cycle_days(h(23), h(25)) == 2  # 23:00 to 01:00 the next day: 2 hours, 2 days
    assert cycle_days(h(1), h(23)) == 1
    assert cycle_days(h(0), h(24 * 4 + 18)) == 5
    assert day_of(h(23.99)) == d(0) and day_of(h(24)) == d(1)


def test_aa_dates_one_date_per_column() -> None:
    stays = path((TRIAGE, 0), (INV, 30), (FIX, 50), (RES, 75), (CLOSED, 100))
    assert aa_dates(stays, ORDERED) == [d(0), d(1), d(2), d(3), d(4)]


def test_aa_dates_backfill_a_skipped_column_and_leave_unreached_ones_empty() -> None:
    # Triage d0, straight to Resolved d3: Investigating and Fixing take d3.
    stays = path((TRIAGE, 0), (RES, 75))
    assert aa_dates(stays, ORDERED) == [d(0), d(3), d(3), d(3), None]
    # Created straight into Investigating: Triage takes its date too.
    assert aa_dates(path((INV, 30), (FIX, 50)), ORDERED) == [d(1), d(1), d(2), None, None]
    assert aa_dates([], ORDERED) == [None] * 5


def test_aa_dates_restart_after_a_reopen() -> None:
    # Resolved d2, reopened into Investigating d5, Fixing d6, Resolved d7: each column
    # its last entry; Triage (entered once) keeps d0.
    stays = path((TRIAGE, 0), (INV, 24), (RES, 48), (INV, 120), (FIX, 144), (RES, 168))
    assert aa_dates(stays, ORDERED) == [d(0), d(5), d(6), d(7), None]
    # Reopened back to Triage: Triage's last entry; Resolved is not reached again yet.
    stays = path((TRIAGE, 0), (INV, 24), (RES, 48), (TRIAGE, 96), (INV, 120))
    assert aa_dates(stays, ORDERED) == [d(4), d(5), None, None, None]


def test_aa_dates_a_repeated_stage_carries_its_last_entry() -> None:
    # Triage d0, Investigating d1, Fixing d2, back to Triage d3 (erases Investigating
    # and Fixing), Investigating d4, Fixing d5, Resolved d6.
    stays = path((TRIAGE, 0), (INV, 24), (FIX, 48), (TRIAGE, 72), (INV, 96), (FIX, 120))
    assert aa_dates(stays, ORDERED) == [d(3), d(4), d(5), None, None]
    stays += [Stay(RES, h(144), None)]
    assert aa_dates(stays, ORDERED) == [d(3), d(4), d(5), d(6), None]


def test_aa_dates_the_first_stage_too_after_a_later_move_back() -> None:
    # Triage d0, Investigating d1, back to Triage d2, Investigating d3, Fixing d4, back
    # to Investigating d5, Fixing d6: Triage's date is its last entry, d2 (not d0), even
    # though the latest move back went only as far as Investigating.
    stays = path((TRIAGE, 0), (INV, 24), (TRIAGE, 48), (INV, 72), (FIX, 96), (INV, 120), (FIX, 144))
    assert aa_dates(stays, ORDERED) == [d(2), d(5), d(6), None, None]


def test_aa_dates_a_move_back_erases_every_later_stage() -> None:
    # Closed d3, back to Fixing d4: Resolved and Closed are erased, not kept.
    stays = path((TRIAGE, 0), (INV, 24), (RES, 48), (CLOSED, 72), (FIX, 96))
    assert aa_dates(stays, ORDERED) == [d(0), d(1), d(4), None, None]


def test_aa_dates_never_go_backwards() -> None:
    # Triage d0, Fixing d1, back to Investigating d2 (erases Fixing), Resolved d3,
    # Closed d4, back to Resolved d5 (erases Closed). Fixing was skipped since the move
    # back, so it takes the date of the next column reached: Resolved's last entry, d5.
    stays = path((TRIAGE, 0), (FIX, 24), (INV, 48), (RES, 72), (CLOSED, 96), (RES, 120))
    dates = aa_dates(stays, ORDERED)
    assert dates == [d(0), d(2), d(5), d(5), None]
    filled = [x for x in dates if x is not None]
    assert filled == sorted(filled)


# -- properties over any history -----------------------------------------------------

# A history: each step a column (99: one the board no longer has) and hours after the
# previous step.
HISTORIES = st.lists(
    st.tuples(st.sampled_from([TRIAGE, INV, FIX, RES, CLOSED, 99]), st.integers(0, 72)),
    max_size=12,
)


def _stays(steps: list[tuple[int, int]]) -> list[Stay]:
    at, hours = [], 0
    for _, gap in steps:
        hours += gap
        at.append(hours)
    return path(*((col, float(t)) for (col, _), t in zip(steps, at, strict=True)))


@settings(max_examples=300, database=None, deadline=None)
@given(HISTORIES)
def test_start_finish_agrees_with_build(steps: list[tuple[int, int]]) -> None:
    stays = _stays(steps)
    tl = build(7, h(0), stays, COLUMNS, now=h(10_000))
    assert start_finish(stays, {c.id: c.stage for c in ORDERED}) == (tl.start, tl.finish)
    if tl.finish is not None:  # a finish is never before the start, and ends the history
        assert tl.start is not None and tl.start <= tl.finish
        assert COLUMNS[stays[-1].column_id].stage == "done"


@settings(max_examples=300, database=None, deadline=None)
@given(HISTORIES)
def test_aa_dates_never_go_backwards_whatever_the_history(steps: list[tuple[int, int]]) -> None:
    dates = aa_dates(_stays(steps), ORDERED)
    filled = [x for x in dates if x is not None]
    assert filled == sorted(filled)
    # Once a column is empty (not reached since the last move back), so is every one
    # after it; the rightmost date is the day the card entered the column it is in.
    if None in dates:
        assert all(x is None for x in dates[dates.index(None) :])
    known = [s for s in _stays(steps) if s.column_id in COLUMNS]
    if known:
        here = ORDERED.index(COLUMNS[known[-1].column_id])
        assert dates[here] == day_of(known[-1].entered)
        assert all(x is None for x in dates[here + 1 :])
