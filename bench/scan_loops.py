"""The scan benchmark's measured loops (``bench/scans.py``).

:func:`run_api` sends scans to the transport service over HTTP, in batches or one per
request; :func:`run_raw` does the same database work as bare asyncpg UPDATEs. Both hand the
work to C concurrent workers through :func:`timed`, which returns a :class:`Run`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import orjson
from common import Mark, RunResult
from scan_server import LIBRARY, SECRET, CpuProbe, Server

from kulkuri.shared.auth import Role, TokenAuthority

RUN_TIMEOUT_S = 600.0
ENDED = "('received', 'cancelled', 'missing')"
RAW_SQL = (
    "UPDATE bench_raw.transfers SET status = 'pulled', location = $2, status_since = $3, "
    "history = history || $4::jsonb "
    f"WHERE item_id = $1 AND status NOT IN {ENDED}"
)

# Whose CPU time a run reports, and the name each goes by in the printed lines.
CPU_PARTS = {"client": "client", "server": "server", "postgres": "PostgreSQL", "broker": "broker"}

Worker = Callable[[Sequence[str]], Awaitable[None]]


@dataclass(frozen=True)
class Run(RunResult):
    """One measured loop: ``events`` scans in ``batches`` requests (or transactions), with
    the CPU seconds of the other processes and the latency of each request."""

    server_cpu_s: float
    postgres_cpu_s: float
    broker_cpu_s: float
    latencies_s: list[float] = field(default_factory=list)

    @property
    def scans_per_s(self) -> float:
        return self.events_per_s

    def cpu_share(self, part: str) -> float:
        """CPU time over wall time of one of :data:`CPU_PARTS` (1.0 = one core busy)."""
        if part == "client":
            return self.client_cpu_share
        cpu_s = {
            "server": self.server_cpu_s,
            "postgres": self.postgres_cpu_s,
            "broker": self.broker_cpu_s,
        }[part]
        return cpu_s / self.seconds

    def describe(self) -> str:
        shares = (f"{name} {self.cpu_share(part):.0%}" for part, name in CPU_PARTS.items())
        return (
            f"{self.scans_per_s:>8,.0f} scans/s ({self.seconds:.2f}s, {self.batches} "
            f"requests/transactions; CPU {', '.join(shares)})"
        )


async def timed(
    variant: str,
    probe: CpuProbe,
    items: Sequence[str],
    size: int,
    clients: int,
    make_worker: Callable[[AsyncExitStack], Awaitable[Worker]],
) -> Run:
    """Hand out ``items`` in units of ``size`` (one per request) to ``clients`` workers;
    what a worker opens it leaves on the stack, closed after the run."""
    work = [items[i : i + size] for i in range(0, len(items), size)]
    queue = deque(work)
    latencies: list[float] = []

    async def drive(worker: Worker) -> None:
        while queue:
            unit = queue.popleft()
            started = time.perf_counter()
            await worker(unit)
            latencies.append(time.perf_counter() - started)

    async with AsyncExitStack() as stack:
        workers = [await make_worker(stack) for _ in range(clients)]
        before = probe.read()
        first = Mark.now()
        async with asyncio.timeout(RUN_TIMEOUT_S):
            await asyncio.gather(*(drive(w) for w in workers))
        last = Mark.now()
        after = probe.read()
    server_s, postgres_s, broker_s = (b - a for a, b in zip(before, after, strict=True))
    return Run(
        variant, len(items), len(work), first, last, server_s, postgres_s, broker_s, latencies
    )


def scan_body(item: str, scan_ids: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "pulled",
        "barcode": item,
        "library": LIBRARY,
        "scanned_at": datetime.now(UTC).isoformat(),
    }
    if scan_ids:
        body["scan_id"] = f"hh-{item}"
    return body


async def run_api(
    server: Server,
    probe: CpuProbe,
    items: Sequence[str],
    *,
    batch: int,
    clients: int,
    scan_ids: bool,
    variant: str = "api",
) -> Run:
    """Over HTTP: batches of ``batch`` to /batch, or one scan per request to /scans if 0."""
    single = batch == 0
    token = TokenAuthority(SECRET).issue(Role.STAFF, library=LIBRARY)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def make_worker(stack: AsyncExitStack) -> Worker:
        client = await stack.enter_async_context(
            httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=60.0)
        )
        await client.get("/healthz")  # open the keep-alive connection before timing

        async def send(unit: Sequence[str]) -> None:
            if single:
                content = orjson.dumps(scan_body(unit[0], scan_ids))
                answer = await client.post("/transport/scans", content=content)
                if answer.status_code != 200 or answer.json()["outcome"] != "accepted":
                    raise AssertionError(f"{variant}: {answer.status_code} {answer.text}")
                return
            content = orjson.dumps({"scans": [scan_body(i, scan_ids) for i in unit]})
            answer = await client.post("/transport/scans/batch", content=content)
            if answer.status_code != 200 or answer.json()["accepted"] != len(unit):
                raise AssertionError(f"{variant}: {answer.status_code} {answer.text[:500]}")

        return send

    return await timed(variant, probe, items, 1 if single else batch, clients, make_worker)


async def run_raw(
    db_url: str,
    probe: CpuProbe,
    items: Sequence[str],
    *,
    batch: int,
    clients: int,
    variant: str = "raw",
) -> Run:
    """The baseline: one UPDATE per scan, ``batch`` per transaction (1 if ``batch`` is 0)."""

    async def make_worker(stack: AsyncExitStack) -> Worker:
        conn = await asyncpg.connect(db_url)
        stack.push_async_callback(conn.close)

        async def update(unit: Sequence[str]) -> None:
            async with conn.transaction():
                for item in unit:
                    at = datetime.now(UTC)
                    step = orjson.dumps(
                        [
                            {
                                "status": "pulled",
                                "at": at.isoformat(),
                                "where": LIBRARY,
                                "detail": "pulled from the shelf",
                            }
                        ]
                    ).decode()
                    status = await conn.execute(RAW_SQL, item, LIBRARY, at, step)
                    if status != "UPDATE 1":
                        raise AssertionError(f"{variant}: {item}: {status}")

        return update

    return await timed(variant, probe, items, max(batch, 1), clients, make_worker)
