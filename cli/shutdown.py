"""Stopping a service process in order when its orchestrator asks (SIGTERM) or on Ctrl-C.

Kubernetes sends SIGTERM, waits ``terminationGracePeriodSeconds`` (30 s by default) and then
kills the pod. Within ``SHUTDOWN_GRACE_S`` of the first signal the process:

1. takes no new batch, stops relaying the outbox and stops serving HTTP;
2. lets the batches in flight finish: each commits its transaction, then its offsets;
3. when the drain's share of the grace period is over, abandons what still runs: a cancelled
   batch's transaction rolls back and its offsets stay uncommitted, so the partition's next
   owner reads it again (and the inbox makes anything applied twice a no-op);
4. leaves the consumer groups, flushes the producer and closes the pools, cutting the pools'
   connections if the grace period has run out.

A second signal skips to step 3 at once. A signal during start-up stops the start.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Collection
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)

SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Kept from the grace period for step 4: leaving groups and closing pools take a few round
# trips, and a broker or database that stopped answering must not eat the whole period.
CLOSE_SHARE = 0.25
MAX_CLOSE_S = 5.0


class GracefulStop:
    """The signal handlers and the grace period's clock; a context manager that installs the
    handlers on the running loop and removes them on exit."""

    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self.requested = asyncio.Event()
        self._forced = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._since: float | None = None

    def __enter__(self) -> GracefulStop:
        for sig in SIGNALS:
            self._loop.add_signal_handler(sig, self._on_signal, sig)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for sig in SIGNALS:
            self._loop.remove_signal_handler(sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        if self.requested.is_set():
            log.warning("%s again: abandoning the work in flight", sig.name)
            self._forced.set()
            return
        log.info("%s: stopping within %.1fs", sig.name, self.grace_s)
        self.begin()
        self.requested.set()

    def begin(self) -> None:
        """Start the grace period's clock (if a signal has not): a failure, or the end of
        the work, stops the process in the same order."""
        if self._since is None:
            self._since = self._loop.time()

    @property
    def deadline(self) -> float:
        """Event-loop time by which everything must be closed."""
        self.begin()
        assert self._since is not None
        return self._since + self.grace_s

    @property
    def drain_deadline(self) -> float:
        """Event-loop time until which work in flight may finish."""
        return self.deadline - min(MAX_CLOSE_S, self.grace_s * CLOSE_SHARE)

    async def unless_requested(self, work: Awaitable[Any]) -> bool:
        """Run ``work`` unless a stop is requested first (then cancel it); True if it ran."""
        task = asyncio.ensure_future(work)
        stopped = asyncio.ensure_future(self.requested.wait())
        try:
            await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})
            return False
        task.result()  # its failure, if it failed
        return True

    async def drain(self, tasks: Collection[asyncio.Task[Any]]) -> None:
        """Wait for ``tasks`` to end by themselves until the drain deadline (or a second
        signal); then cancel the rest, and wait for them until the grace period's end."""
        if not tasks:
            return
        ended = asyncio.ensure_future(asyncio.wait(tasks))
        forced = asyncio.ensure_future(self._forced.wait())
        await asyncio.wait(
            {ended, forced},
            timeout=max(0.0, self.drain_deadline - self._loop.time()),
            return_when=asyncio.FIRST_COMPLETED,
        )
        ended.cancel()
        forced.cancel()
        left = [task for task in tasks if not task.done()]
        if left:
            log.warning(
                "abandoning work still in flight (%s): its transactions roll back and its"
                " offsets stay uncommitted",
                ", ".join(sorted(task.get_name() for task in left)),
            )
            for task in left:
                task.cancel()
            await asyncio.wait(left, timeout=max(0.0, self.deadline - self._loop.time()))
