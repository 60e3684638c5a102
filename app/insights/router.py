"""Evidence and insight endpoints (thin: the services hold the rules)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import FileResponse

from app.auth.deps import CurrentUser
from app.core.config import Settings
from app.core.deps import Db
from app.core.params import PageLimit, PageOffset, PathId
from app.insights import schemas, service, storage
from app.insights.repository import Sort
from app.insights.schemas import UPLOAD_BODY, EvidencePublic, InsightPage, InsightPublic

router = APIRouter(prefix="/api", tags=["insights"])

SortParam = Annotated[
    Sort,
    Query(
        description="score: impact * frequency / effort, highest first; impact and "
        "frequency: highest first; effort: least first; recent: newest cards first"
    ),
]
CompleteParam = Annotated[
    bool | None, Query(description="Only complete (true) or incomplete (false) insights")
]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.post(
    "/cards/{card_id}/evidence",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidencePublic,
    openapi_extra=UPLOAD_BODY,
)
async def upload_evidence(card_id: PathId, request: Request, user: CurrentUser, db: Db) -> Any:
    """Attach an image (PNG, JPEG or WebP by content; 5 MiB at most by default) as evidence.

    413 `evidence-quota-exceeded` when the card (50 MiB by default) or the board (2 GiB)
    would hold more evidence than its cap; nothing is kept."""
    settings = _settings(request)
    board_id = await db.read(service.evidence_target, actor=user, card_id=card_id)
    stored = await storage.receive(
        request.stream(),
        content_type=request.headers.get("content-type"),
        content_length=request.headers.get("content-length"),
        data_dir=settings.data_dir,
        board_id=board_id,
        max_bytes=settings.evidence_max_bytes,
    )
    return await storage.keep_if_committed(
        stored, lambda: db.write(service.add_evidence, actor=user, card_id=card_id, stored=stored)
    )


@router.get("/cards/{card_id}/evidence", response_model=list[EvidencePublic])
async def list_evidence(card_id: PathId, user: CurrentUser, db: Db) -> Any:
    """A card's evidence, oldest first."""
    return await db.read(service.list_evidence, actor=user, card_id=card_id)


@router.get(
    "/evidence/{evidence_id}/content",
    response_class=FileResponse,
    responses={200: {"content": {t: {} for t in schemas.ACCEPTED}}},
)
async def evidence_content(
    evidence_id: PathId, request: Request, user: CurrentUser, db: Db
) -> FileResponse:
    """The evidence image itself, for members of its board."""
    found = await db.read(service.evidence_file, actor=user, evidence_id=evidence_id)
    path, stat = await storage.locate(_settings(request).data_dir, found["storage_key"])
    return FileResponse(
        path,
        media_type=found["content_type"],
        stat_result=stat,
        headers={
            "Content-Disposition": schemas.content_disposition(
                found["filename"], found["content_type"]
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "ETag": f'"{found["sha256"]}"',
        },
    )


@router.delete("/evidence/{evidence_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_evidence(
    evidence_id: PathId, request: Request, user: CurrentUser, db: Db
) -> Response:
    """Remove evidence from its card (the file goes once the removal is committed)."""
    key = await db.write(service.remove_evidence, actor=user, evidence_id=evidence_id)
    await storage.delete(_settings(request).data_dir, key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/cards/{card_id}/insight", response_model=InsightPublic)
async def card_insight(card_id: PathId, user: CurrentUser, db: Db) -> Any:
    """The card as an actionable insight: fields, evidence, what is missing and its score."""
    return await db.read(service.card_insight, actor=user, card_id=card_id)


@router.get("/boards/{board_id}/insights", response_model=InsightPage)
async def board_insights(
    board_id: PathId,
    user: CurrentUser,
    db: Db,
    sort: SortParam = "score",
    complete: CompleteParam = None,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> Any:
    """The board's insights ranked by impact * frequency / effort, every component shown."""
    return await db.read(
        service.board_insights,
        actor=user,
        board_id=board_id,
        sort=sort,
        complete=complete,
        limit=limit,
        offset=offset,
    )
