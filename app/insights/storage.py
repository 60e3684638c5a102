"""Evidence files on disk, under ``<data_dir>/evidence/<board_id>/``.

An upload is read from the request stream as it arrives: its type is decided from the
first bytes (never the name or the client's header), nothing touches the disk until
that type is accepted, and reading stops at ``max_bytes + 1``. Accepted bytes go to a
hidden temp file that is renamed to a server-generated name only when complete, so a
refused or broken upload leaves no file behind. All file I/O runs in worker threads.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from app.core.errors import ValidationFailed
from app.insights import schemas
from app.insights.exceptions import (
    EvidenceNotFound,
    EvidenceTooLarge,
    EvidenceTypeRefused,
    UploadInvalid,
)
from app.insights.schemas import ACCEPTED

__all__ = ["StoredFile", "delete", "keep_if_committed", "locate", "receive", "sniff"]

T = TypeVar("T")

# What a refused file turned out to be, to say so in the error.
_KNOWN = (
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x7fELF", "a Linux program (ELF)"),
    (b"MZ", "a Windows program"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
)
_SNIFF_BYTES = 12  # WebP is recognised at byte 12 ("RIFF" <size> "WEBP")
_FLUSH_BYTES = 256 * 1024  # written to disk in pieces this big: fewer thread hops
# The multipart framing and part headers allowed on top of the file itself.
_ENVELOPE_BYTES = 64 * 1024
_KEY = re.compile(r"evidence/[0-9]+/[0-9a-f]{32}\.(png|jpg|webp)")


@dataclass(frozen=True, slots=True)
class StoredFile:
    """An accepted upload, in place under its final name and waiting for its row."""

    storage_key: str
    path: Path
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


def sniff(head: bytes) -> str | None:
    """The accepted image type these first bytes start, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _refuse(head: bytes) -> EvidenceTypeRefused:
    what = next((name for magic, name in _KNOWN if head.startswith(magic)), None)
    found = f"this file is {what}" if what else "this file is none of those"
    return EvidenceTypeRefused(
        f"Evidence must be a PNG, JPEG or WebP image, judged by its content; {found}.",
        accepted=list(ACCEPTED),
    )


def _too_large(max_bytes: int) -> EvidenceTooLarge:
    return EvidenceTooLarge(
        f"Evidence files may be at most {max_bytes} bytes ({max_bytes / 2**20:.1f} MiB).",
        max_bytes=max_bytes,
    )


def _path(data_dir: str, storage_key: str) -> Path:
    # Keys are made here; checking the shape keeps a bad row from naming another file.
    if not _KEY.fullmatch(storage_key):
        raise EvidenceNotFound("The evidence file is not available.")
    return Path(data_dir) / storage_key


class _Sink:
    """The accepted file's bytes: sniffed first, then hashed and written to a temp file."""

    def __init__(self, data_dir: str, board_id: int, max_bytes: int) -> None:
        self.data_dir, self.max_bytes = data_dir, max_bytes
        self.dir = Path(data_dir) / "evidence" / str(board_id)
        self.token = secrets.token_hex(16)
        self.buffer = bytearray()
        self.content_type: str | None = None
        self.size = 0
        self.hasher = hashlib.sha256()
        self.tmp: Path | None = None
        self.fh: IO[bytes] | None = None

    async def feed(self, data: bytes) -> None:
        self.size += len(data)
        self.buffer += data
        if self.content_type is None and len(self.buffer) >= _SNIFF_BYTES:
            self._sniff()
        if self.size > self.max_bytes:
            raise _too_large(self.max_bytes)
        if self.content_type is not None and len(self.buffer) >= _FLUSH_BYTES:
            await asyncio.to_thread(self._write, self._take(), last=False)

    def _sniff(self) -> None:
        head = bytes(self.buffer[:_SNIFF_BYTES])
        self.content_type = sniff(head)
        if self.content_type is None:
            raise _refuse(head)

    def _take(self) -> bytes:
        data, self.buffer = bytes(self.buffer), bytearray()
        return data

    def _write(self, data: bytes, *, last: bool) -> Path | None:
        """Append to the temp file (created on first use); the last write renames it."""
        if self.fh is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            self.tmp = self.dir / f".{self.token}.part"
            self.fh = self.tmp.open("xb")
        self.hasher.update(data)
        self.fh.write(data)
        if not last:
            return None
        assert self.tmp is not None and self.content_type is not None
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        final = self.dir / f"{self.token}.{ACCEPTED[self.content_type]}"
        os.replace(self.tmp, final)
        self.tmp = None
        return final

    async def finish(self, raw_name: str | None) -> StoredFile:
        if self.content_type is None:  # shorter than the sniffing window
            self._sniff()
        assert self.content_type is not None
        final = await asyncio.to_thread(self._write, self._take(), last=True)
        assert final is not None
        return StoredFile(
            storage_key=final.relative_to(self.data_dir).as_posix(),
            path=final,
            filename=schemas.display_name(raw_name, self.content_type),
            content_type=self.content_type,
            size_bytes=self.size,
            sha256=self.hasher.hexdigest(),
        )

    def discard(self) -> None:
        if self.fh is not None:
            self.fh.close()
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)


class _FilePart:
    """Multipart callbacks that pick out the first part named ``file``."""

    def __init__(self) -> None:
        self.header_name = self.header_value = self.disposition = b""
        self.found = self.inside = self.done = False
        self.filename: str | None = None
        self.pending: list[bytes] = []

    def callbacks(self) -> Any:
        return {name: getattr(self, name) for name in dir(self) if name.startswith("on_")}

    def on_part_begin(self) -> None:
        self.disposition = b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.strip().lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        if options.get(b"name") == b"file" and not self.found:
            self.found = self.inside = True
            raw = options.get(b"filename")
            self.filename = raw.decode("utf-8", "replace") if raw is not None else None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.inside:
            self.pending.append(data[start:end])

    def on_part_end(self) -> None:
        if self.inside:
            self.inside, self.done = False, True


def _no_file() -> ValidationFailed:
    return ValidationFailed(
        "Send the image as multipart/form-data, in a field named 'file'.",
        errors=[{"field": "file", "in": "body", "message": "Field required"}],
    )


def _boundary(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise _no_file()
    return boundary


async def receive(
    stream: AsyncIterator[bytes],
    *,
    content_type: str | None,
    content_length: str | None,
    data_dir: str,
    board_id: int,
    max_bytes: int,
) -> StoredFile:
    """Store the multipart field ``file`` of a request body; refused uploads leave nothing."""
    boundary = _boundary(content_type)
    budget = max_bytes + _ENVELOPE_BYTES
    if content_length is not None and content_length.isdigit() and int(content_length) > budget:
        raise _too_large(max_bytes)
    part = _FilePart()
    sink = _Sink(data_dir, board_id, max_bytes)
    received = 0
    try:
        try:
            parser = MultipartParser(boundary, part.callbacks())
            async for chunk in stream:
                received += len(chunk)
                if received > budget:
                    raise _too_large(max_bytes)
                parser.write(chunk)
                for data in part.pending:
                    await sink.feed(data)
                part.pending.clear()
                if part.done:
                    break  # the rest is framing or other fields: not needed
        except FormParserError:
            raise UploadInvalid("The request body is not a readable multipart form.") from None
        if not part.found:
            raise _no_file()
        if not part.done:
            raise UploadInvalid("The upload ended before the file did.")
        return await sink.finish(part.filename)
    except BaseException:
        await asyncio.shield(asyncio.to_thread(sink.discard))
        raise


async def keep_if_committed(stored: StoredFile, commit: Callable[[], Awaitable[T]]) -> T:
    """Run the transaction that records ``stored``; delete the file unless it commits.

    Shielded, so a client that hangs up mid-way cannot leave a row without its file or
    a file without its row: the outcome is settled either way.
    """

    async def settle() -> T:
        try:
            return await commit()
        except BaseException:
            await asyncio.to_thread(stored.path.unlink, missing_ok=True)
            raise

    task = asyncio.ensure_future(settle())
    _settling.add(task)
    task.add_done_callback(_settled)
    return await asyncio.shield(task)


# Settling tasks outlive a cancelled request; held here so they are not collected.
_settling: set[asyncio.Future[Any]] = set()


def _settled(task: asyncio.Future[Any]) -> None:
    _settling.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: the request that awaited it may be gone


async def locate(data_dir: str, storage_key: str) -> tuple[Path, os.stat_result]:
    """The stored file and its stat; 404 when it is not on disk."""
    path = _path(data_dir, storage_key)
    try:
        return path, await asyncio.to_thread(path.stat)
    except FileNotFoundError:
        raise EvidenceNotFound("The evidence file is not available.") from None


async def delete(data_dir: str, storage_key: str) -> None:
    """Remove a stored file (already gone is fine)."""
    await asyncio.to_thread(_path(data_dir, storage_key).unlink, missing_ok=True)
