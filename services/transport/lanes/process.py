"""A lane worker as a child process: start it, wait until it is ready, stop it in order.

Faust owns its process's event loop, so whoever needs a worker beside its own loop (the local
stack, the integration tests, the benchmark) runs ``python -m kulkuri.transport.lanes`` in a
child process configured through the environment, and waits for its ready file (touched once
the tables are recovered from their changelogs and the agents run).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from kulkuri.shared.errors import FatalError

_LOG_TAIL_BYTES = 6000


class LaneWorkerError(FatalError):
    """The worker exited or did not become ready; the message carries its log's tail."""


class LaneWorkerProcess:
    """One ``python -m kulkuri.transport.lanes`` child with ``env`` added to ours."""

    def __init__(
        self,
        bootstrap_servers: str,
        env: Mapping[str, str] | None = None,
        *,
        startup_timeout: float = 90.0,
        stop_timeout: float = 20.0,
    ) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="kulkuri-lanes-"))
        self.ready_file = self._dir / "ready"
        self.log_path = self._dir / "worker.log"
        self._env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
            "TRANSPORT_LANES_READY_FILE": str(self.ready_file),
            "TRANSPORT_LANES_DATA_DIR": str(self._dir / "data"),
            "LOG_FORMAT": "text",
            **(env or {}),
        }
        self._startup_timeout = startup_timeout
        self._stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.started_in_s: float | None = None

    def start(self) -> Self:
        """Start the worker and block until it is ready (raises :class:`LaneWorkerError`)."""
        self.ready_file.unlink(missing_ok=True)
        self._log = self.log_path.open("ab")
        started = time.monotonic()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "kulkuri.transport.lanes"],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self._env,
        )
        deadline = started + self._startup_timeout
        while not self.ready_file.exists():
            if time.monotonic() > deadline:
                self.stop()
                raise LaneWorkerError(f"not ready after {self._startup_timeout}s{self.log_tail()}")
            try:
                # Waiting on the process is the poll delay, and returns at once if it dies.
                code = self._process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            raise LaneWorkerError(f"exited with status {code} before ready{self.log_tail()}")
        self.started_in_s = time.monotonic() - started
        return self

    def stop(self) -> int | None:
        """SIGTERM (the worker commits and flushes), SIGKILL on timeout; the exit status."""
        process, self._process = self._process, None
        code = None
        if process is not None:
            process.terminate()
            try:
                code = process.wait(timeout=self._stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        return code

    def log_tail(self) -> str:
        try:
            with self.log_path.open("rb") as f:
                f.seek(max(0, f.seek(0, os.SEEK_END) - _LOG_TAIL_BYTES))
                text = f.read().decode("utf-8", errors="replace")
        except OSError as exc:
            return f"\n(no worker log at {self.log_path}: {exc})"
        return f"\n--- tail of {self.log_path} ---\n{text}"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
