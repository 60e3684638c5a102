"""Evidence uploads: images in, the same bytes out, everything else refused without a trace."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests import factories
from tests.insights.helpers import PROBLEM, jpeg, member, png, sha256, stored_files, upload, webp

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(200)
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200) + b"This program cannot"


@pytest.mark.parametrize(
    ("content", "expected_type"),
    [(png(), "image/png"), (jpeg(), "image/jpeg"), (webp(), "image/webp")],
    ids=["png", "jpeg", "webp"],
)
async def test_an_image_comes_back_byte_for_byte_with_its_real_type(
    client, settings, content, expected_type
):
    board = await factories.create_board(client)
    card = await factories.create_card(client, board["id"])
    before = stored_files(settings.data_dir)
    # The name and the client's header say otherwise: the content decides.
    r = await upload(client, card["id"], content, "holiday.gif", "application/octet-stream")

    assert r.status_code == 201, r.text
    ev = r.json()
    assert (ev["card_id"], ev["filename"], ev["content_type"]) == (
        card["id"],
        "holiday.gif",
        expected_type,
    )
    assert (ev["size_bytes"], ev["sha256"]) == (len(content), sha256(content))
    assert ev["url"] == f"/api/evidence/{ev['id']}/content"
    assert ev["uploaded_by"] is not None and ev["created_at"]

    got = await client.get(ev["url"])
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-type"] == expected_type
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["cache-control"] == "private"
    assert got.headers["content-disposition"].startswith('inline; filename="holiday.gif.')
    # Stored under a name the server made up, in the board's own directory.
    [path] = stored_files(settings.data_dir) - before
    assert path.read_bytes() == content
    assert path.parent == Path(settings.data_dir) / "evidence" / str(board["id"])
    assert re.fullmatch(r"[0-9a-f]{32}\.(png|jpg|webp)", path.name)

    listed = (await client.get(f"/api/cards/{card['id']}/evidence")).json()
    assert listed == [ev]
    added = [
        e for e in await factories.events(client, board["id"]) if e["type"] == "evidence.added"
    ]
    assert [e["data"] for e in added] == [
        {
            "card_id": card["id"],
            "evidence_id": ev["id"],
            "filename": "holiday.gif",
            "content_type": expected_type,
            "size_bytes": len(content),
        }
    ]


@pytest.mark.parametrize(
    ("content", "filename", "content_type", "named"),
    [
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(20) + b";", "anim.gif", "image/gif", "GIF"),
        (b"user,amount\nalice,12\n", "export.png", "image/png", "none of those"),
        (ELF, "photo.png", "image/png", "Linux program"),
        (MZ, "photo.png", "image/png", "Windows program"),
        (b"", "empty.png", "image/png", "none of those"),
    ],
    ids=["gif", "text-named-png", "elf-named-png", "exe-named-png", "empty"],
)
async def test_anything_but_png_jpeg_or_webp_is_refused_and_leaves_nothing(
    client, settings, content, filename, content_type, named
):
    board = await factories.create_board(client)
    card = await factories.create_card(client, board["id"])
    before_files = stored_files(settings.data_dir)
    before_events = await factories.events(client, board["id"])

    r = await upload(client, card["id"], content, filename, content_type)

    assert r.status_code == 415, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["type"].endswith("/evidence-type-refused")
    assert "PNG, JPEG or WebP" in problem["detail"] and named in problem["detail"]
    assert problem["accepted"] == ["image/png", "image/jpeg", "image/webp"]
    assert (await client.get(f"/api/cards/{card['id']}/evidence")).json() == []
    assert stored_files(settings.data_dir) == before_files
    assert await factories.events(client, board["id"]) == before_events


async def test_the_size_limit_is_exact(client, settings):
    limit = settings.evidence_max_bytes
    board = await factories.create_board(client)
    card = await factories.create_card(client, board["id"])
    before = stored_files(settings.data_dir)
    exactly = png() + bytes(limit - len(png()))

    over = await upload(client, card["id"], exactly + b"\x00")

    assert over.status_code == 413, over.text
    assert over.headers["content-type"] == PROBLEM
    assert over.json()["type"].endswith("/evidence-too-large")
    assert str(limit) in over.json()["detail"]
    assert (await client.get(f"/api/cards/{card['id']}/evidence")).json() == []
    assert stored_files(settings.data_dir) == before

    at_limit = await upload(client, card["id"], exactly)
    assert at_limit.status_code == 201, at_limit.text
    assert at_limit.json()["size_bytes"] == limit
    assert (await client.get(at_limit.json()["url"])).content == exactly


async def test_a_streamed_oversized_upload_is_cut_off_and_cleaned_up(client, settings):
    board = await factories.create_board(client)
    card = await factories.create_card(client, board["id"])
    before = stored_files(settings.data_dir)
    boundary = "sb-test-boundary"
    piece = bytes(64 * 1024)
    pieces = 2 * settings.evidence_max_bytes // len(piece)
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="huge.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode() + png()
        for _ in range(pieces):  # no Content-Length: the server must count for itself
            sent += 1
            yield piece
        yield f"\r\n--{boundary}--\r\n".encode()

    r = await client.post(
        f"/api/cards/{card['id']}/evidence",
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )

    assert r.status_code == 413, r.text
    assert sent < pieces  # it stopped reading just past the limit
    assert stored_files(settings.data_dir) == before
    assert (await client.get(f"/api/cards/{card['id']}/evidence")).json() == []


async def test_a_body_without_a_file_field_is_a_422_naming_the_field(client, settings):
    card = await factories.create_card(client, (await factories.create_board(client))["id"])
    before = stored_files(settings.data_dir)
    url = f"/api/cards/{card['id']}/evidence"

    as_json = await client.post(url, json={"file": "aGVsbG8="})
    wrong_field = await client.post(url, files={"image": ("a.png", png(), "image/png")})

    for r in (as_json, wrong_field):
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == ["file"]
    assert stored_files(settings.data_dir) == before


async def test_the_uploaders_file_name_is_only_shown_and_made_safe(client, settings):
    card = await factories.create_card(client, (await factories.create_board(client))["id"])

    before = stored_files(settings.data_dir)

    r = await upload(client, card["id"], png(), "..\\..\\etc/画面\u202eコピー.png")

    ev = r.json()
    assert ev["filename"] == "画面コピー.png"  # no path, no direction override
    disposition = (await client.get(ev["url"])).headers["content-disposition"]
    assert (
        disposition
        == f"inline; filename=\"evidence.png\"; filename*=UTF-8''{quote(ev['filename'])}"
    )
    [path] = stored_files(settings.data_dir) - before
    assert re.fullmatch(r"[0-9a-f]{32}\.png", path.name)


async def test_outsiders_see_nothing_and_viewers_cannot_upload(client, as_user, settings):
    board = await factories.create_board(client)
    card = await factories.create_card(client, board["id"])
    ev = (await upload(client, card["id"], png())).json()
    _, outsider_token = await factories.create_user(client)
    _, viewer_token = await member(client, board["id"], "viewer")
    before = stored_files(settings.data_dir)
    outsider, viewer = as_user(outsider_token), as_user(viewer_token)

    for r in (
        await outsider.get(f"/api/cards/{card['id']}/evidence"),
        await outsider.get(ev["url"]),
        await upload(outsider, card["id"], png()),
        await outsider.delete(f"/api/evidence/{ev['id']}"),
        await outsider.get(f"/api/evidence/{ev['id'] + 10_000}/content"),
    ):
        assert r.status_code == 404, r.text
        assert r.headers["content-type"] == PROBLEM

    assert (await viewer.get(f"/api/cards/{card['id']}/evidence")).json() == [ev]
    assert (await viewer.get(ev["url"])).content == png()
    refused = await upload(viewer, card["id"], png())
    assert refused.status_code == 403, refused.text
    assert (await viewer.delete(f"/api/evidence/{ev['id']}")).status_code == 403
    assert stored_files(settings.data_dir) == before
    assert (await client.get(f"/api/cards/{card['id']}/evidence")).json() == [ev]


async def test_removing_evidence_takes_the_row_then_the_file(client, as_user, settings):
    board = await factories.create_board(client)
    card = await factories.create_card(client, board["id"])
    _, agent_token = await member(client, board["id"])
    agent = as_user(agent_token)
    keep = (await upload(agent, card["id"], jpeg(), "keep.jpg")).json()
    gone = (await upload(agent, card["id"], png(), "gone.png")).json()
    files = stored_files(settings.data_dir)

    r = await agent.delete(f"/api/evidence/{gone['id']}")

    assert r.status_code == 204 and r.content == b""
    assert (await agent.get(f"/api/cards/{card['id']}/evidence")).json() == [keep]
    assert (await agent.get(gone["url"])).status_code == 404
    assert (await agent.delete(f"/api/evidence/{gone['id']}")).status_code == 404
    assert len(files - stored_files(settings.data_dir)) == 1  # its file, and only that
    assert (await agent.get(keep["url"])).content == jpeg()
    log = await factories.events(client, board["id"])
    assert log[-1]["type"] == "evidence.removed"
    assert log[-1]["data"] == {
        "card_id": card["id"],
        "evidence_id": gone["id"],
        "filename": "gone.png",
    }


async def test_someone_removed_from_the_board_mid_upload_leaves_no_file(client, as_user, settings):
    board = await factories.create_board(client)
    card = await factories.create_card(client, board["id"])
    user, token = await member(client, board["id"])
    before = stored_files(settings.data_dir)
    boundary = "sb-race"
    started, removed = asyncio.Event(), asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        yield f'--{boundary}\r\nContent-Disposition: form-data; name="file"\r\n'.encode()
        started.set()  # the server checked access and is reading the body now
        await removed.wait()
        yield b"Content-Type: image/png\r\n\r\n" + png() + f"\r\n--{boundary}--\r\n".encode()

    async def remove_meanwhile() -> None:
        await started.wait()
        r = await client.delete(f"/api/boards/{board['id']}/members/{user['id']}")
        assert r.status_code == 204, r.text
        removed.set()

    sent, _ = await asyncio.gather(
        as_user(token).post(
            f"/api/cards/{card['id']}/evidence",
            content=body(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        ),
        remove_meanwhile(),
    )

    assert sent.status_code == 404, sent.text
    assert stored_files(settings.data_dir) == before
    assert (await client.get(f"/api/cards/{card['id']}/evidence")).json() == []
