"""The README's first command, minus the install: `kulkuri up` starts its own broker, uses the
database, runs the holds service and the demo producer, and every demo record settles."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_up_runs_the_demo_through_a_broker_it_starts_itself(database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    env |= {"DATABASE_URL": database_url, "LOG_FORMAT": "json", "HOLDS_CONSUMER_GROUP": "up-e2e"}
    script = Path(sys.executable).parent / "kulkuri"
    command = [
        str(script), "up", "--exit-after-demo", "--port", str(_free_port()),
        "--titles", "12", "--holds", "15", "--run", "e2e",
    ]  # fmt: skip

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)

    result = await asyncio.to_thread(run)
    assert result.returncode == 0, result.stderr[-3000:]
    sent = re.search(r"demo producer sent (\d+) circulation records", result.stderr)
    assert sent is not None, result.stderr[-3000:]
    assert f"all {sent.group(1)} demo records handled or dead-lettered" in result.stderr
    assert '"event_id"' in result.stderr, "JSON logs carry the event id field"
    conn = await asyncpg.connect(database_url)
    try:
        items = await conn.fetchval(
            "SELECT count(*) FROM holds.items WHERE item_id LIKE 'demo-e2e-item-%'"
        )
        holds = await conn.fetchval(
            "SELECT count(*) FROM holds.holds WHERE hold_id LIKE 'demo-e2e-hold-%'"
        )
        letters = await conn.fetchval(
            "SELECT count(*) FROM holds.outbox WHERE id LIKE 'dlq:up-e2e:%'"
        )
    finally:
        await conn.close()
    assert items >= 12 and holds == 15
    assert letters == 3, "the demo's three broken records are dead-lettered"
