"""A service run as its container runs it, ``kulkuri <service> run`` in a child process,
configured through the environment only; its log is a file the test can read."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.waiting import eventually

KULKURI = Path(sys.executable).parent / "kulkuri"
SECRET = "shutdown-tests-secret-of-at-least-32-bytes"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ServiceProcess:
    process: asyncio.subprocess.Process
    port: int
    log_path: Path

    def log(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far (other output, such as a traceback, is kept as
        ``{"text": line}``)."""
        lines = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                lines.append({"text": line})
        return lines

    def logged(self, fragment: str) -> bool:
        return any(fragment in str(line.get("message", line)) for line in self.log())

    async def ready(self, timeout: float = 60.0) -> None:
        """/readyz answers 200: migrated, consumers started, database and broker answer."""
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}") as client:

            async def answers() -> bool:
                if self.process.returncode is not None:
                    raise AssertionError(f"exited {self.process.returncode}:\n{self.tail()}")
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(answers, timeout=timeout, interval=0.2, what="/readyz")

    def sigterm(self) -> float:
        """Send SIGTERM; returns when (monotonic clock)."""
        self.process.send_signal(signal.SIGTERM)
        return time.monotonic()

    async def exited(self, since: float, *, within: float) -> tuple[int, float]:
        """The exit status and the seconds from ``since`` to the exit. Fails if the process
        is still running ``within`` seconds after ``since`` (and kills it then)."""
        left = max(0.0, since + within - time.monotonic())
        try:
            status = await asyncio.wait_for(self.process.wait(), timeout=left)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"still running {within}s after SIGTERM:\n{self.tail()}") from None
        return status, time.monotonic() - since

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def service_environment(
    *, bootstrap: str, database_url: str, group: str, grace_s: float, port: int
) -> dict[str, str]:
    """What a deployment sets, and short Kafka timeouts so joins and stops are quick."""
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "DATABASE_URL": database_url,
        "AUTH_TOKEN_SECRET": SECRET,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "HOLDS_CONSUMER_GROUP": group,
        "TRANSPORT_CONSUMER_GROUP": group,
        "ROUTING_CONSUMER_GROUP": group,
        "SHUTDOWN_GRACE_S": str(grace_s),
        "KAFKA_SESSION_TIMEOUT_MS": "6000",
        "KAFKA_FETCH_TIMEOUT_MS": "100",
        "LOG_FORMAT": "json",
    }


@asynccontextmanager
async def service_process(
    service: str, env: Mapping[str, str], log_path: Path
) -> AsyncIterator[ServiceProcess]:
    """``kulkuri <service> run``; killed on exit if the test left it running."""
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            str(KULKURI), service, "run", env=dict(env), stdout=log, stderr=log
        )
    running = ServiceProcess(process, int(env["HTTP_PORT"]), log_path)
    try:
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
