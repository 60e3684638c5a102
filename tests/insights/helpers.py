"""Images, uploads and boards for the insight tests, built through the public API."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path
from typing import Any

import httpx

from tests import factories

PROBLEM = "application/problem+json"
ALL_PARTS = [
    "evidence",
    "problem_statement",
    "suggested_fix",
    "impact_per_month",
    "effort_hours",
    "owner_team",
]


def png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real, decodable RGB PNG."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """A JPEG's start (SOI and a JFIF APP0 segment) and end."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def webp() -> bytes:
    """A 1x1 lossless WebP in its RIFF container."""
    payload = bytes.fromhex("2f00000010071011118888fe07")
    body = b"WEBP" + b"VP8L" + struct.pack("<I", len(payload)) + payload + b"\x00"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def upload(
    client: httpx.AsyncClient,
    card_id: int,
    content: bytes,
    filename: str = "screenshot.png",
    content_type: str = "image/png",
) -> httpx.Response:
    return await client.post(
        f"/api/cards/{card_id}/evidence", files={"file": (filename, content, content_type)}
    )


def stored_files(data_dir: str) -> set[Path]:
    """Every file under the data directory, hidden temp files included."""
    return {p for p in Path(data_dir).rglob("*") if p.is_file()}


async def member(
    client: httpx.AsyncClient, board_id: int, board_role: str | None = None, **profile: Any
) -> tuple[dict[str, Any], str]:
    user, token = await factories.create_user(client, **profile)
    await factories.add_member(client, board_id, user["id"], board_role)
    return user, token


async def patch(client: httpx.AsyncClient, card_id: int, **fields: Any) -> dict[str, Any]:
    r = await client.patch(f"/api/cards/{card_id}", json=fields)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def make_insight(client: httpx.AsyncClient, card_id: int, **fields: Any) -> None:
    """Every insight field filled (``fields`` override them), plus one screenshot."""
    values = {
        "problem_statement": "Refunds to expired cards bounce silently",
        "suggested_fix": "Fall back to store credit and tell the customer",
        "impact_per_month": 1200.0,
        "effort_hours": 8.0,
        "owner_team": "Payments",
        **fields,
    }
    await patch(client, card_id, **values)
    assert (await upload(client, card_id, png())).status_code == 201


async def insight(client: httpx.AsyncClient, card_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/cards/{card_id}/insight")
    assert r.status_code == 200, r.text
    return dict(r.json())
