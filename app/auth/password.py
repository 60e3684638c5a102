"""Password hashing with argon2id: hashing, verification and session fingerprints.

Hashing or verifying costs about 50 ms of CPU and 64 MiB of memory on purpose. The
async helpers therefore run it on two threads of its own per process (``sb-argon2``),
never on the event loop, the default executor or the CPU pool that forecasts use
(:mod:`app.core.cpu`): a burst of sign-ins queues here instead of freezing every
websocket, or growing memory without bound, and sign-in never waits behind a forecast.
argon2 releases the GIL while it hashes, so these threads really run beside the others.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

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


_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _hashing_pool() -> ThreadPoolExecutor:
    """The process's hashing threads, made on first use (not at import)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_CONCURRENT_HASHES, thread_name_prefix="sb-argon2")
        return _pool


async def hash_password_async(password: str) -> str:
    """:func:`hash_password` on the hashing threads, off the event loop."""
    async with _semaphore():
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_hashing_pool(), hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """:func:`verify_password` on the hashing threads, off the event loop."""
    async with _semaphore():
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_hashing_pool(), verify_password, password_hash, password)
