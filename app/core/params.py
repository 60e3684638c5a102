"""Shared request-parameter types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path, Query

__all__ = ["IfMatch", "PageLimit", "PageOffset", "PathId"]

# Ids are 32-bit in the database; anything else is a 422, not a driver overflow.
PathId = Annotated[int, Path(ge=1, le=2_147_483_647)]
PageLimit = Annotated[int, Query(ge=1, le=200, description="Page size")]
PageOffset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Items to skip")]
IfMatch = Annotated[
    str | None, Header(description="The card version as an ETag; a stale one gets 412")
]
