"""The scan benchmark's server and set-up (``bench/scans.py``).

:func:`start_server` runs ``kulkuri transport run`` in a child process on the benchmark's
broker and scratch database; :func:`create_transfers` writes the requested transfers the
scans pull (and the ``bench_raw.transfers`` copy the raw loops update); :class:`CpuProbe`
reads the CPU time of the server, PostgreSQL and the broker from ``/proc``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import asyncpg
import httpx
from common import Environment

from kulkuri.shared.libraries import load_outlets
from kulkuri.shared.messaging import Transaction
from kulkuri.transport.domain import TransferReason, TransferRequest
from kulkuri.transport.domain.legs import PackingMode
from kulkuri.transport.service_layer.legs_policy import Legs
from kulkuri.transport.service_layer.unit_of_work import TransportUnitOfWork

LIBRARY = "85708"  # Hollola: the library pulling its list
HUB = "85910"  # Lahden pääkirjasto, the Lastu sorting hub
NETWORK = "Lastu"
SECRET = "bench-secret-of-at-least-thirty-two-bytes"  # noqa: S105
SETUP_CHUNK = 1_000
READY_TIMEOUT_S = 120.0
REQUESTED_AT = datetime(2026, 8, 3, 6, 0, tzinfo=UTC)


# -- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """``kulkuri transport run`` in a child process; its output goes to a temporary file."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: IO[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        self.log.seek(0)
        return b"".join(self.log.readlines()[-lines:]).decode(errors="replace")


def start_server(env: Environment, profile: Path | None) -> Server:
    port = free_port()
    script = Path(sys.executable).parent / "kulkuri"
    command = [sys.executable, str(script), "transport", "run"]
    if profile is not None:
        command[1:1] = ["-m", "cProfile", "-o", str(profile)]
    child_env = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": env.bootstrap,
        "KAFKA_SESSION_TIMEOUT_MS": "6000",
        "DATABASE_URL": env.db_url,
        "AUTH_TOKEN_SECRET": SECRET,
        "TRANSPORT_HUB": HUB,
        "TRANSPORT_NETWORK": NETWORK,
        "TRANSPORT_CONSUMER_GROUP": "bench-transport",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop_server)
    process = subprocess.Popen(command, env=child_env, stdout=log, stderr=subprocess.STDOUT)
    return Server(process, f"http://127.0.0.1:{port}", log)


async def wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{server.tail()}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the server was not ready in {READY_TIMEOUT_S:.0f}s:\n{server.tail()}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    server.log.close()


# -- set-up: transfers and the raw table ----------------------------------------------------


def item_ids(variant: str, run: int, count: int) -> list[str]:
    return [f"bench-{variant}-{run}-{i:06d}" for i in range(count)]


async def create_transfers(db_url: str, items: Sequence[str]) -> float:
    """One requested transfer per copy, from :data:`LIBRARY` to another Lastu library."""
    destinations = [o.id for o in load_outlets(NETWORK) if o.id != LIBRARY]
    legs = Legs(hub=HUB, packing=PackingMode.BY_DESTINATION)
    started = time.perf_counter()
    conn = await asyncpg.connect(db_url)
    try:
        for offset in range(0, len(items), SETUP_CHUNK):
            chunk = items[offset : offset + SETUP_CHUNK]
            async with conn.transaction():
                uow = TransportUnitOfWork(conn, legs.waiting_stop)
                ledger = await uow.transfers.load(item_ids=chunk)
                for n, item in enumerate(chunk, start=offset):
                    request = TransferRequest(
                        transfer_id=f"{item}:1",
                        item_id=item,
                        bib_id=f"bib-{item}",
                        from_library=LIBRARY,
                        to_library=destinations[n % len(destinations)],
                        reason=TransferReason.HOLD,
                        hold_id=f"hold-{item}",
                    )
                    ledger.request(request, REQUESTED_AT)
                # The events go nowhere: the relay should not publish set-up while we measure.
                await uow.commit(Transaction(conn))
        await conn.execute("VACUUM ANALYZE transport.transfers")
        await conn.execute("CREATE SCHEMA bench_raw")
        await conn.execute(
            "CREATE TABLE bench_raw.transfers (LIKE transport.transfers INCLUDING ALL)"
        )
        await conn.execute(
            "INSERT INTO bench_raw.transfers OVERRIDING SYSTEM VALUE "
            "SELECT * FROM transport.transfers"
        )
        await conn.execute("VACUUM ANALYZE bench_raw.transfers")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def count_pulled(db_url: str, table: str, items: Sequence[str]) -> int:
    conn = await asyncpg.connect(db_url)
    try:
        count: int = await conn.fetchval(
            f"SELECT count(*) FROM {table} WHERE item_id = ANY($1::text[]) AND status = 'pulled'",
            list(items),
        )
        return count
    finally:
        await conn.close()


# -- CPU of the other processes -------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process from ``/proc/<pid>/stat`` (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def processes_named(*names: str, parent: int | None = None) -> list[int]:
    """Processes whose ``comm`` is one of ``names`` (children of ``parent`` only, if given)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError, ValueError):
                if proc.joinpath("comm").read_text().strip() not in names:
                    continue
                stat = proc.joinpath("stat").read_text()
                if parent is None or int(stat[stat.rindex(")") + 2 :].split()[1]) == parent:
                    pids.append(int(proc.name))
    return pids


@dataclass
class CpuProbe:
    """CPU seconds of the server process, of PostgreSQL (all its processes; backends come
    and go, so the set is read again at each mark and one that exits between marks is not
    counted) and of this process's Tansu broker."""

    server_pid: int
    broker_pids: list[int]

    @classmethod
    def start(cls, server_pid: int) -> CpuProbe:
        return cls(server_pid, processes_named("tansu", parent=os.getpid()))

    def read(self) -> tuple[float, float, float]:
        return (
            cpu_seconds(self.server_pid),
            sum(map(cpu_seconds, processes_named("postgres", "postmaster"))),
            sum(map(cpu_seconds, self.broker_pids)),
        )
