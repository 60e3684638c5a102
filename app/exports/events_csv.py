"""The raw event log as CSV: ``seq, id, type, at, actor_kind, actor_id, data``.

``at`` is RFC 3339 UTC with milliseconds, as in the event envelope; ``data`` is the
event's payload as compact JSON with sorted keys, so the same log gives the same bytes
on SQLite and on PostgreSQL (whose JSONB does not keep key order). A confirmation link
is redacted, as in the event API, for a caller whose role may not contact the customer.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

from app.core.models import iso
from app.events import redaction
from app.exports import spreadsheet

__all__ = ["COLUMNS", "encode", "header"]

COLUMNS = ("seq", "id", "type", "at", "actor_kind", "actor_id", "data")


def header() -> bytes:
    return (",".join(COLUMNS) + "\r\n").encode()


def encode(rows: Sequence[Any], *, role: str) -> bytes:
    """The lines of a batch of event rows (``COLUMNS`` order), as board role ``role``
    may see them: confirmation links are redacted for roles that may not use them."""
    buf = io.StringIO()
    out = spreadsheet.writer(buf)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
    for seq, event_id, type_, at, actor_kind, actor_id, data in rows:
        if isinstance(data, str | bytes):  # a driver that hands JSON back undecoded
            data = json.loads(data)
        data = redaction.for_role({"type": type_, "data": data}, role)["data"]
        out.writerow(
            [
                seq,
                event_id,
                type_,
                iso(at),
                actor_kind,
                "" if actor_id is None else actor_id,
                dumps(data),
            ]
        )
    return buf.getvalue().encode()
