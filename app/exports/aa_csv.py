"""The ActionableAgile CSV: one row per card with the date it entered each column.

RFC 4180 (``csv`` with CRLF line ends); every cell, the header's column names
included, is neutralised against spreadsheet formulas (:mod:`app.exports.spreadsheet`).
The column dates are :func:`app.metrics.timeline.aa_dates`: the last entry into each
column, erased by a move back to a column before it, backfilled over skipped columns,
never going backwards, empty where not reached.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from app.exports import spreadsheet
from app.exports.records import CardRecord, ExportContext, link
from app.metrics.timeline import aa_dates

__all__ = ["ATTRIBUTES", "encode", "header"]

DAY = 86_400.0
ATTRIBUTES = ("Type", "Priority", "Channel", "Product", "Lane", "Swarmed", "Blocked Days")


def header(ctx: ExportContext) -> bytes:
    """The header row: ID, Link, Name, the workflow columns in order, the attributes."""
    buf = io.StringIO()
    spreadsheet.writer(buf).writerow(
        ["ID", "Link", "Name", *(c.name for c in ctx.columns), *ATTRIBUTES]
    )
    return buf.getvalue().encode()


def encode(ctx: ExportContext, records: Sequence[CardRecord]) -> bytes:
    """The rows of a batch of cards."""
    buf = io.StringIO()
    out = spreadsheet.writer(buf)
    for r in records:
        card = r.card
        dates = aa_dates(r.stays, ctx.columns)
        lane = ctx.lanes.get(card["lane_id"]) if card["lane_id"] is not None else None
        out.writerow(
            [
                card["id"],
                link(ctx, card["id"]),
                card["title"],
                *(d.isoformat() if d is not None else "" for d in dates),
                "Ticket" if card["external_ref"] else "Card",
                card["priority"] or "",
                card["channel"] or "",
                card["product"] or "",
                lane or "",
                "Yes" if r.swarmed else "No",
                f"{r.blocked_seconds(ctx.now) / DAY:.1f}",
            ]
        )
    return buf.getvalue().encode()
