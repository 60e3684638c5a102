"""A bounded pool per process for CPU-heavy work, with a per-person limit.

Monte Carlo forecasts, flow summaries over a year of cards and the Retro page's
arithmetic can each take a second or more of CPU. Run in the event loop's default
executor (``asyncio.to_thread``), a few of them filled it and page rendering queued
behind them. They run here instead, on threads of their own (``sb-cpu``):

* at most ``cpu_workers`` jobs compute at a time, and at most ``cpu_max_jobs`` are
  admitted (computing or waiting for a thread) per process;
* at most ``cpu_jobs_per_person`` of them belong to one person;
* past either bound a request is refused at once with ``429 cpu-busy`` and a
  ``Retry-After`` header, instead of queueing without end.

A job that is admitted keeps its place until its thread finishes it, even when the
client goes away (a thread cannot be stopped), so the bounds count real work. Pages,
moves and sign-in never run here: database work has its own threads or runs on the
event loop, templates render in the default executor, and password hashing has its own
small pool (:mod:`app.auth.password`). The pool is made in the app's lifespan.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Request

from app.core.config import Settings
from app.core.errors import DomainError

__all__ = ["CpuBusy", "CpuDep", "CpuPool", "get_cpu"]

P = ParamSpec("P")
T = TypeVar("T")


class CpuBusy(DomainError):
    """Too much CPU-heavy work in flight (this person's, or the process's): try later."""

    status, type, title = 429, "cpu-busy", "Too many computations in flight"


class CpuPool:
    """Threads for CPU-heavy jobs, admitted against a global and a per-person bound."""

    def __init__(self, *, workers: int, max_jobs: int, per_person: int, retry_after: int) -> None:
        self.workers = workers
        self.max_jobs = max(max_jobs, workers)
        self.per_person = per_person
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._jobs = 0
        self._by_person: dict[Hashable, int] = {}
        self._executor: ThreadPoolExecutor | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> CpuPool:
        return cls(
            workers=settings.cpu_workers,
            max_jobs=settings.cpu_max_jobs,
            per_person=settings.cpu_jobs_per_person,
            retry_after=settings.cpu_retry_after_seconds,
        )

    def start(self) -> None:
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="sb-cpu")

    def shutdown(self) -> None:
        """Drop waiting jobs; the ones computing finish on their threads."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    @property
    def in_flight(self) -> int:
        """Jobs admitted and not finished (computing or waiting for a thread)."""
        with self._lock:
            return self._jobs

    def _admit(self, person: Hashable) -> None:
        with self._lock:
            if self._by_person.get(person, 0) >= self.per_person:
                raise self._busy(
                    f"You already have {self.per_person} computation(s) running; "
                    "wait for them to finish."
                )
            if self._jobs >= self.max_jobs:
                raise self._busy("The server is busy with other computations.")
            self._jobs += 1
            self._by_person[person] = self._by_person.get(person, 0) + 1

    def _release(self, person: Hashable, _done: object = None) -> None:
        with self._lock:
            self._jobs -= 1
            left = self._by_person[person] - 1
            if left:
                self._by_person[person] = left
            else:
                del self._by_person[person]

    def _busy(self, why: str) -> CpuBusy:
        return CpuBusy(
            f"{why} Try again in {self.retry_after} s.",
            retry_after=self.retry_after,
            headers={"Retry-After": str(self.retry_after)},
        )

    def submit(
        self, person: Hashable, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> Future[T]:
        """Admit ``fn(*args, **kwargs)`` for ``person`` (or raise :class:`CpuBusy`)."""
        if self._executor is None:
            raise RuntimeError("the CPU pool is not started (it is made in the lifespan)")
        self._admit(person)
        try:
            future = self._executor.submit(functools.partial(fn, *args, **kwargs))
        except BaseException:
            self._release(person)
            raise
        # Released when the thread is done with it (or it is dropped while waiting),
        # not when the awaiting request goes away.
        future.add_done_callback(functools.partial(self._release, person))
        return future

    async def run(
        self, person: Hashable, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``fn(*args, **kwargs)`` on a pool thread, for ``person``; 429 when saturated."""
        return await asyncio.wrap_future(self.submit(person, fn, *args, **kwargs))


def get_cpu(request: Request) -> CpuPool:
    pool: CpuPool = request.app.state.cpu
    return pool


CpuDep = Annotated[CpuPool, Depends(get_cpu)]
