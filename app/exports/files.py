"""Writing an export to a file or to stdout, for the ``swarmboard export`` command.

The same exporters as the API, read through the :class:`Database` (no HTTP). A file is
written under a ``.part`` name and renamed when complete, so an interrupted export
never leaves a truncated file behind under the name asked for.
"""

from __future__ import annotations

import os
import sys
from contextlib import aclosing
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

from app.core.config import Settings
from app.core.db import Database
from app.exports import service
from app.exports.schemas import FORMATS, ExportKind
from app.metrics.params import Scope

__all__ = ["write_export"]


async def _copy(
    db: Database, *, board_id: int, scope: Scope, kind: ExportKind, out: BinaryIO, bar: bool
) -> int:
    ctx = await db.read(service.board_context, board_id=board_id)
    total = await db.read(service.count_total, ctx=ctx, scope=scope, kind=kind) if bar else None
    fmt = FORMATS[kind]
    rows = 0
    with tqdm(
        total=total, unit=f" {fmt.unit}s", file=sys.stderr, disable=not bar, dynamic_ncols=True
    ) as progress:

        def advance(scanned: int, written: int) -> None:
            nonlocal rows
            rows += written
            progress.update(scanned)

        # Closed even when a write fails, so the read ahead is cancelled before the
        # database is disposed of.
        chunks = service.stream(db, ctx=ctx, scope=scope, kind=kind, progress=advance)
        async with aclosing(chunks) as stream:
            async for data in stream:
                out.write(data)
    return rows


async def write_export(
    settings: Settings, *, board_id: int, scope: Scope, kind: ExportKind, out: str
) -> int:
    """Write the export to ``out`` (``-`` for stdout, without a progress bar); returns
    the number of rows written. Raises ``OSError`` and domain errors to the caller."""
    db = Database(settings)
    db.start()
    try:
        if out == "-":
            rows = await _copy(
                db, board_id=board_id, scope=scope, kind=kind, out=sys.stdout.buffer, bar=False
            )
            sys.stdout.buffer.flush()
            return rows
        target = Path(out)
        part = target.with_name(target.name + ".part")
        try:
            with part.open("wb") as fh:
                rows = await _copy(db, board_id=board_id, scope=scope, kind=kind, out=fh, bar=True)
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
        return rows
    finally:
        await db.dispose()
