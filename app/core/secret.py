"""The signing key when ``SWARMBOARD_SECRET_KEY`` is not set: generated once, kept on disk.

A published default key would let anyone who captured a cookie re-sign it with a fresh
timestamp, so there is none. Without a configured key, the first process to start
writes a random 384-bit key to ``<data_dir>/secret_key`` (mode 0600) and logs that it
did; every later start, and every replica sharing the data directory, reads the same
file. The file appears atomically and complete: the key is written to a private
temporary file, then hard-linked into place, which fails if another process got there
first (that process's key is then used by both).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

__all__ = ["KEY_FILE", "PLACEHOLDER_SECRETS", "is_placeholder", "load_or_create_key"]

log = logging.getLogger(__name__)

KEY_FILE = "secret_key"
# Strings from documentation and examples: never a valid key, in any environment.
PLACEHOLDER_SECRETS = frozenset(
    {"changeme", "change-me", "change_me", "secret", "dev-secret-change-me", "..."}
)


def is_placeholder(value: str) -> bool:
    return value.strip().lower() in PLACEHOLDER_SECRETS


def _read(path: Path) -> str:
    key = path.read_text(encoding="utf-8").strip()
    if not key or is_placeholder(key):
        raise ValueError(
            f"{path} holds no usable secret key; delete it to have a new one generated"
        )
    return key


def load_or_create_key(data_dir: str | os.PathLike[str]) -> str:
    """The key in ``<data_dir>/secret_key``, generating and saving it first if absent."""
    path = Path(data_dir) / KEY_FILE
    with contextlib.suppress(FileNotFoundError):
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(48) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic, and refuses to replace a key already there
            created = True
        except FileExistsError:
            created = False
    finally:
        tmp.unlink(missing_ok=True)
    if created:
        log.warning(
            "SWARMBOARD_SECRET_KEY is not set: generated a random secret key and saved it "
            "in %s (mode 0600). Keep that file (or set SWARMBOARD_SECRET_KEY): replacing it "
            "signs everyone out and invalidates confirmation links.",
            path,
        )
    return _read(path)
