"""Heavy jobs take turns, so that one learner's landscape grid does not freeze a whole class's live views.

A server has a few cores and every learner's session is a thread in one process. Training steps are short
and interleave well; a landscape grid, a sharpness estimate, a sanity check or an attack sweep is seconds of
uninterrupted work. ``HEAVY`` lets at most ``at_once`` of those run at a time (by default half the cores,
at least one), first come first served; the others wait, and their page says how many jobs are ahead.

Nothing here knows about pages: a caller passes ``waiting(ahead)``, called while the job waits (every
``poll`` seconds, so that a page can redraw its message and its session can be stopped), and the turn is
given back however the job ends.
"""

from __future__ import annotations

import itertools
import os
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

POLL_SECONDS = 0.25


class Busy(RuntimeError):
    """No turn is free and the caller said it would not wait (a cached computation asks first, so that a page
    waits for its turn outside the cache, with a message, and a cache hit never waits at all)."""


class Turns:
    """At most ``at_once`` jobs hold a turn; waiting jobs get theirs in the order they asked. A thread that
    holds a turn and asks again gets it at once (a job made of cached parts that each ask)."""

    def __init__(self, at_once: int):
        if at_once < 1:
            raise ValueError(f"at_once must be at least 1, not {at_once}")
        self.at_once = at_once
        self._changed = threading.Condition()
        self._tickets = itertools.count()
        self._queue: list[int] = []  # tickets waiting, oldest first
        self._running = 0
        self.waited = 0  # how many jobs have had to wait since the server started (for tests and the benchmark)
        self._held = threading.local()  # this thread's depth of nested turns

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return len(self._queue)

    @contextmanager
    def turn(self, waiting: Callable[[int], None] | None = None, poll: float = POLL_SECONDS,
             wait: bool = True) -> Iterator[None]:
        """Holds a turn for the ``with`` block. While it waits, ``waiting(ahead)`` is called every ``poll`` seconds
        with how many jobs are ahead of this one (running, and queued before it); an exception from it (a page's
        session stopped or rerun) takes the job out of the queue. ``wait=False``: raise ``Busy`` instead of waiting."""
        depth = getattr(self._held, "depth", 0)
        if depth:
            self._held.depth = depth + 1
            try:
                yield
            finally:
                self._held.depth = depth
            return
        with self._changed:
            if not wait and self._running + len(self._queue) >= self.at_once:
                raise Busy(f"{self._running} heavy jobs running, {len(self._queue)} waiting")
            ticket = next(self._tickets)
            self._queue.append(ticket)
        had_to_wait = False
        try:
            with self._changed:
                while not self._may_start(ticket):
                    had_to_wait = True
                    if waiting is not None:
                        ahead = self._running + self._queue.index(ticket)
                        self._changed.release()  # the page's redraw must not hold everyone else up
                        try:
                            waiting(ahead)
                        finally:
                            self._changed.acquire()
                    if not self._may_start(ticket):
                        self._changed.wait(poll)
                self._queue.remove(ticket)
                self._running += 1
                self.waited += had_to_wait
        except BaseException:
            with self._changed:
                if ticket in self._queue:
                    self._queue.remove(ticket)
                    self._changed.notify_all()
            raise
        self._held.depth = 1
        try:
            yield
        finally:
            self._held.depth = 0
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

    def _may_start(self, ticket: int) -> bool:
        free = self.at_once - self._running
        return free > 0 and ticket in self._queue[:free]


def _at_once() -> int:
    """``DL_LAB_HEAVY_JOBS`` if set, else half the cores (a two-core server runs one heavy job at a time)."""
    configured = os.environ.get("DL_LAB_HEAVY_JOBS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, (os.cpu_count() or 2) // 2)


HEAVY = Turns(_at_once())
