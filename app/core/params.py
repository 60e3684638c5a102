"""Shared request-parameter types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path, Query

__all__ = ["MAX_ID", "IfMatch", "PageLimit", "PageOffset", "PathId"]

# Ids (and event sequence numbers) are 32-bit integers in the database: the one
# written-out limit; a larger value is a 422, not a driver overflow.
MAX_ID = 2_147_483_647
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
PageLimit = Annotated[int, Query(ge=1, le=200, description="Page size")]
PageOffset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Items to skip")]
IfMatch = Annotated[
    str | None, Header(description="The card version as an ETag; a stale one gets 412")
]
