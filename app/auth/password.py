"""Password hashing with argon2id: hashing, verification and session fingerprints.

Hashing or verifying costs about 50 ms of CPU and 64 MiB of memory on purpose. The
async helpers therefore run it in a worker thread, at most two at a time per process
and event loop: a burst of sign-ins queues instead of freezing every websocket on the
event loop, or growing memory without bound.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import weakref

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "fingerprint",
    "hash_password",
    "hash_password_async",
    "needs_rehash",
    "verify_password",
    "verify_password_async",
]

MIN_LENGTH = 8
MAX_LENGTH = 256
_CONCURRENT_HASHES = 2

# RFC 9106's "second recommended" argon2id parameters (argon2-cffi's defaults).
_hasher = PasswordHasher()
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (blocking: ~50 ms of CPU)."""
    return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("swarmboard-no-such-user")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches the hash (blocking).

    With no hash (unknown email, or a person without a password) a dummy hash is
    verified anyway, so the response time does not tell which emails exist.
    """
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def fingerprint(password_hash: str | None) -> str:
    """A short digest of the stored hash, kept in the session cookie.

    Changing the password changes the fingerprint, which signs out every session that
    was opened with the old one.
    """
    if not password_hash:
        return ""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _semaphore() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    sem = _slots.get(loop)
    if sem is None:
        sem = _slots[loop] = asyncio.Semaphore(_CONCURRENT_HASHES)
    return sem


async def hash_password_async(password: str) -> str:
    """:func:`hash_password` in a worker thread, off the event loop."""
    async with _semaphore():
        return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """:func:`verify_password` in a worker thread, off the event loop."""
    async with _semaphore():
        return await asyncio.to_thread(verify_password, password_hash, password)
