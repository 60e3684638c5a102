"""Request dependencies of the bottom layer: the database runner.

The caller's dependencies (``CurrentUser``, tokens, the session cookie) are in
:mod:`app.auth.deps`: core imports nothing from the packages above it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.core.db import Database

__all__ = ["Db", "get_db"]


async def get_db(request: Request) -> Database:
    # async on purpose: FastAPI runs a sync dependency in a worker thread, per request.
    db: Database = request.app.state.db
    return db


Db = Annotated[Database, Depends(get_db)]
