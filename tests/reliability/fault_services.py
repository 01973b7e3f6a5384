"""The services under test as real processes (``kulkuri holds run``, ``kulkuri transport run``),
kept running the way an orchestrator would: whatever makes one exit, it is started again.

The harness kills (SIGKILL), pauses (SIGSTOP) and resumes (SIGCONT) them; a service may also
stop by itself when a fault outlasts its retries (the consumer's ``FatalError``), which is
how kulkuri expects to be restarted. Each start appends to the service's log file.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# Long enough to show a crash loop in the figures, short enough not to stall the run.
RESTART_DELAY_S = 0.5
STOP_TIMEOUT_S = 30.0
AUTH_SECRET = "fault-harness-secret-of-at-least-32-bytes"
# Short, so that a paused member is dropped from its group within seconds.
SESSION_TIMEOUT_S = 6.0


def kulkuri_executable() -> str:
    beside = Path(sys.executable).with_name("kulkuri")
    if beside.exists():
        return str(beside)
    found = shutil.which("kulkuri")
    if found is None:
        raise RuntimeError("the kulkuri console script is not installed")
    return found


def common_env(
    *, bootstrap: str, database_url: str, http_port: int, client_id: str
) -> dict[str, str]:
    """Settings every service of a harness run shares (shared/settings.py)."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "DATABASE_URL": database_url,
        "AUTH_TOKEN_SECRET": AUTH_SECRET,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(http_port),
        # Member ids start with the client id: the harness tells instances apart by it.
        "KAFKA_CLIENT_ID": client_id,
        "KAFKA_SESSION_TIMEOUT_MS": str(round(SESSION_TIMEOUT_S * 1000)),
        "KAFKA_FETCH_TIMEOUT_MS": "100",
        # Tansu on s3 storage reads records from S3 after a restart, and answers a fetch
        # empty when the wait ends before the read does: with the default 20 ms a consumer
        # whose next batch must come from S3 was seen to starve for good (docs/reliability.md).
        "KAFKA_FETCH_MAX_WAIT_MS": "500",
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "INFO",
    }


def holds_env(consumers: int) -> dict[str, str]:
    """The holds service's settings that keep the wall clock out of its decisions: the
    stream is dated August 2026, so the nightly re-assignment, the hold-shelf expiry and the
    history purge would otherwise act at whatever moment a (re)start runs them."""
    return {
        "HOLDS_CONSUMERS": str(consumers),
        "HOLDS_REASSIGN_ENABLED": "false",
        "HOLDS_PICKUP_WINDOW_DAYS": "36500",
        "HOLDS_HISTORY_RETENTION_DAYS": "36500",
    }


@dataclass
class ServiceProcess:
    """One service instance: ``name`` for logs and figures, ``args`` after ``kulkuri``."""

    name: str
    args: tuple[str, ...]
    env: dict[str, str]
    log_path: Path
    starts: int = 0
    kills: int = 0
    crashes: int = 0
    pauses: int = 0
    _process: asyncio.subprocess.Process | None = field(default=None, repr=False)
    _killed: bool = field(default=False, repr=False)
    _paused: bool = field(default=False, repr=False)
    _stopping: bool = field(default=False, repr=False)
    _supervisor: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def http_port(self) -> int:
        return int(self.env["HTTP_PORT"])

    @property
    def client_id(self) -> str:
        return self.env["KAFKA_CLIENT_ID"]

    async def start(self) -> None:
        """Start it and keep it running until ``stop``."""
        await self._spawn()
        self._supervisor = asyncio.create_task(self._supervise(), name=f"supervise:{self.name}")

    async def _spawn(self) -> None:
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts + 1} of {self.name} ---\n".encode())
            log.flush()
            self._process = await asyncio.create_subprocess_exec(
                kulkuri_executable(),
                *self.args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env={**os.environ, **self.env},
                start_new_session=True,
            )
        self.starts += 1

    async def _supervise(self) -> None:
        while True:
            assert self._process is not None
            await self._process.wait()
            if self._stopping:
                return
            if self._killed:
                self._killed = False
            else:
                self.crashes += 1
                await asyncio.sleep(RESTART_DELAY_S)  # an orchestrator's restart delay
                if self._stopping:
                    return
            await self._spawn()

    async def ready(self) -> bool:
        """/readyz answers 200: its database and broker checks pass."""
        try:
            async with httpx.AsyncClient(timeout=2.0) as client:
                response = await client.get(f"http://127.0.0.1:{self.http_port}/readyz")
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def kill(self) -> None:
        """SIGKILL: no handler runs, no offset is committed, nothing is flushed."""
        process = self._running()
        if self._paused:
            raise RuntimeError(f"{self.name} is paused; resume it before killing it")
        self._killed = True
        process.send_signal(signal.SIGKILL)
        self.kills += 1

    def pause(self) -> float:
        """SIGSTOP; returns when (monotonic) it was paused."""
        self._running().send_signal(signal.SIGSTOP)
        self._paused = True
        self.pauses += 1
        return time.monotonic()

    def resume(self) -> None:
        self._running().send_signal(signal.SIGCONT)
        self._paused = False

    def _running(self) -> asyncio.subprocess.Process:
        if self._process is None or self._process.returncode is not None:
            raise RuntimeError(f"{self.name} is not running")
        return self._process

    async def stop(self) -> None:
        """SIGTERM (it stops in order) and wait; SIGKILL if it takes too long."""
        self._stopping = True
        await self._terminate()
        if self._supervisor is not None:
            await self._supervisor
        await self._terminate()  # one the supervisor was starting as the stop came

    async def _terminate(self) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        if self._paused:
            self.resume()
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()

    def log_count(self, text: str) -> int:
        """How often ``text`` occurs in its log (over all its starts)."""
        try:
            return self.log_path.read_text(errors="replace").count(text)
        except FileNotFoundError:
            return 0
