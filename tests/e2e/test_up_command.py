"""The README's first command, minus the install: `kulkuri up` starts its own broker, uses the
database, runs every service and a simulated Lastu day through them, and the day gets a plan
that the coordinator page shows."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import asyncpg
import pytest

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_up_runs_a_simulated_day_through_a_broker_it_starts_itself(database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    env |= {"DATABASE_URL": database_url, "LOG_FORMAT": "json", "HOLDS_CONSUMER_GROUP": "up-e2e"}
    script = Path(sys.executable).parent / "kulkuri"
    command = [
        str(script), "up", "--exit-after-demo", "--port", str(_free_port()),
        "--speed", "7200", "--run", "e2e",
    ]  # fmt: skip

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)

    result = await asyncio.to_thread(run)
    assert result.returncode == 0, result.stderr[-3000:]
    shown = re.search(
        r"the simulated day's plan: \S+/coordinator\?day=(\d{4}-\d\d-\d\d)", result.stderr
    )
    assert shown is not None, result.stderr[-3000:]
    assert "waits for the system that timed out" not in result.stderr
    assert '"event_id"' in result.stderr, "JSON logs carry the event id field"
    day = date.fromisoformat(shown.group(1))
    conn = await asyncpg.connect(database_url)
    try:
        holds = await conn.fetchval(
            "SELECT count(*) FROM holds.holds WHERE hold_id LIKE 'sim-e2e-h%'"
        )
        received = await conn.fetchval(
            "SELECT count(*) FROM transport.transfers WHERE status = 'received'"
        )
        plans = await conn.fetchval(
            "SELECT count(*) FROM routing.plans WHERE service_day = $1", day
        )
    finally:
        await conn.close()
    assert holds > 0, "the simulated patrons placed holds"
    assert received > 0, "copies went through the vans and were received"
    assert plans >= 1, f"the simulated day {day} has a route plan"
