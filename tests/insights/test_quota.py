"""Evidence storage caps: a card and a board hold at most so many bytes of evidence. An
upload past either cap is a 413 problem+json saying what is used and what the cap is,
and it leaves nothing behind: no row, no event, no file in the data directory. Uploads
at the same moment cannot both slip under a cap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.main import create_app
from tests import factories
from tests.conftest import ADMIN_TOKEN
from tests.insights.helpers import PROBLEM, png, stored_files, upload

CARD_CAP = 4000
BOARD_CAP = 10_000


def image(size: int) -> bytes:
    """A PNG padded to exactly ``size`` bytes."""
    head = png()
    return head + bytes(size - len(head))


@pytest.fixture
async def capped(settings: Settings, tmp_path: Path) -> AsyncIterator[tuple[Any, Settings]]:
    """The app with small caps and a data directory of its own."""
    small = settings.model_copy(
        update={
            "data_dir": str(tmp_path / "data"),
            "evidence_max_bytes_per_card": CARD_CAP,
            "evidence_max_bytes_per_board": BOARD_CAP,
        }
    )
    application = create_app(small)
    async with application.router.lifespan_context(application):
        yield application, small


@pytest.fixture
async def api(capped: tuple[Any, Settings]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=capped[0]),
        base_url="http://test",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ) as c:
        yield c


async def _card(api: httpx.AsyncClient, board_id: int) -> int:
    return int((await factories.create_card(api, board_id))["id"])


async def _evidence(api: httpx.AsyncClient, card_id: int) -> list[dict[str, Any]]:
    r = await api.get(f"/api/cards/{card_id}/evidence")
    assert r.status_code == 200, r.text
    return list(r.json())


def _over_quota(r: httpx.Response, scope: str) -> dict[str, Any]:
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = dict(r.json())
    assert problem["type"].endswith("/evidence-quota-exceeded")
    assert problem["scope"] == scope
    return problem


async def test_a_card_holds_at_most_its_cap(api, capped):
    data_dir = capped[1].data_dir
    board_id = int((await factories.create_board(api))["id"])
    card_id = await _card(api, board_id)
    assert (await upload(api, card_id, image(2500))).status_code == 201
    files = stored_files(data_dir)
    events = await factories.events(api, board_id)

    r = await upload(api, card_id, image(2000))

    problem = _over_quota(r, "card")
    assert (problem["used_bytes"], problem["max_bytes"], problem["upload_bytes"]) == (
        2500,
        CARD_CAP,
        2000,
    )
    assert "2500" in problem["detail"] and str(CARD_CAP) in problem["detail"]
    assert [e["size_bytes"] for e in await _evidence(api, card_id)] == [2500]
    assert stored_files(data_dir) == files
    assert await factories.events(api, board_id) == events

    # Up to the cap exactly is fine; then nothing more fits, said before the file is read.
    assert (await upload(api, card_id, image(1500))).status_code == 201
    full = await upload(api, card_id, image(100))
    problem = _over_quota(full, "card")
    assert problem["used_bytes"] == CARD_CAP and "no more fits" in problem["detail"]
    assert len(stored_files(data_dir)) == 2
    # Another card on the board has room of its own.
    assert (await upload(api, await _card(api, board_id), image(2500))).status_code == 201


async def test_a_board_holds_at_most_its_cap_and_removing_evidence_frees_room(api, capped):
    data_dir = capped[1].data_dir
    board_id = int((await factories.create_board(api))["id"])
    cards = [await _card(api, board_id) for _ in range(4)]
    for card_id in cards[:2]:
        assert (await upload(api, card_id, image(3500))).status_code == 201
    files = stored_files(data_dir)
    events = await factories.events(api, board_id)

    r = await upload(api, cards[2], image(3500))

    problem = _over_quota(r, "board")
    assert (problem["used_bytes"], problem["max_bytes"]) == (7000, BOARD_CAP)
    assert "7000" in problem["detail"] and str(BOARD_CAP) in problem["detail"]
    assert await _evidence(api, cards[2]) == []
    assert stored_files(data_dir) == files
    assert await factories.events(api, board_id) == events
    # Another board is not affected by this one's use.
    other = int((await factories.create_board(api))["id"])
    assert (await upload(api, await _card(api, other), image(3500))).status_code == 201

    assert (await upload(api, cards[2], image(3000))).status_code == 201  # exactly the cap
    _over_quota(await upload(api, cards[3], image(100)), "board")
    removed = (await _evidence(api, cards[0]))[0]["id"]
    assert (await api.delete(f"/api/evidence/{removed}")).status_code == 204
    assert (await upload(api, cards[3], image(3500))).status_code == 201


async def _race(api: httpx.AsyncClient, card_ids: list[int], size: int) -> list[int]:
    replies = await asyncio.gather(*(upload(api, c, image(size)) for c in card_ids))
    for r in replies:
        if r.status_code != 201:
            _over_quota(r, r.json().get("scope", "?"))
    return sorted(r.status_code for r in replies)


async def test_uploads_at_the_same_moment_cannot_both_pass_the_card_cap(api, capped):
    data_dir = capped[1].data_dir
    board_id = int((await factories.create_board(api))["id"])
    card_id = await _card(api, board_id)
    before = stored_files(data_dir)

    # Each fits alone; any two together do not.
    statuses = await _race(api, [card_id] * 4, 2500)

    assert statuses == [201, 413, 413, 413]
    assert [e["size_bytes"] for e in await _evidence(api, card_id)] == [2500]
    assert len(stored_files(data_dir) - before) == 1


async def test_uploads_to_different_cards_at_once_cannot_both_pass_the_board_cap(api, capped):
    data_dir = capped[1].data_dir
    board_id = int((await factories.create_board(api))["id"])
    for _ in range(2):
        assert (await upload(api, await _card(api, board_id), image(3500))).status_code == 201
    racers = [await _card(api, board_id) for _ in range(4)]
    before = stored_files(data_dir)

    # 7000 used of 10000: one more 2500-byte file fits, not two.
    statuses = await _race(api, racers, 2500)

    assert statuses == [201, 413, 413, 413]
    sizes = [e["size_bytes"] for c in racers for e in await _evidence(api, c)]
    assert sizes == [2500]
    assert len(stored_files(data_dir) - before) == 1
