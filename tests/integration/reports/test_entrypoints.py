"""The reports' app and command on a real database: the standalone app answers with its
own pool, and ``kulkuri reports`` prints the same figures."""

from __future__ import annotations

import asyncio
import csv
import io

import asyncpg
import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from kulkuri.cli.app import app as cli
from kulkuri.reports.adapters.report_queries import ReportSchemas
from kulkuri.reports.config import ReportsConfig, ReportsSettings
from kulkuri.reports.entrypoints.app import create_app
from kulkuri.shared.auth import Role, TokenAuthority
from kulkuri.shared.settings import AuthSettings
from tests.integration.reports.test_reports_in_database import store_august, store_holds

pytestmark = pytest.mark.integration

SECRET = "reports-integration-secret-of-32-bytes"


def bearer(role: Role, library: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {TokenAuthority(SECRET).issue(role, library=library)}"}


async def test_the_standalone_app_serves_the_reports_from_its_own_pool(
    conn: asyncpg.Connection, schemas: ReportSchemas, database_url: str
) -> None:
    await store_august(conn, schemas)
    await store_holds(conn, schemas.holds)
    settings = ReportsSettings(
        routing_schema=schemas.routing,
        transport_schema=schemas.transport,
        holds_schema=schemas.holds,
    )
    config = ReportsConfig(auth=AuthSettings(token_secret=SecretStr(SECRET)), reports=settings)
    app = create_app(config, database_url=database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kulkuri") as client:
            assert (await client.get("/readyz")).status_code == 200
            shared = await client.get(
                "/reports/cost-sharing",
                params={"from": "2026-08-01", "to": "2026-08-31", "format": "csv"},
                headers=bearer(Role.COORDINATOR),
            )
            own = await client.get("/reports/annual/2026", headers=bearer(Role.STAFF, "85381"))
    assert shared.status_code == 200
    total = list(csv.DictReader(io.StringIO(shared.text)))[-1]
    assert (total["municipality"], total["cost_by_population_eur"]) == ("Total", "545.00")
    rows = own.json()["libraries"]
    assert [(r["library"], r["transfers_sent"], r["holds_filled"]) for r in rows] == [
        ("Heinolan kirjasto", 1, 1)
    ]


async def test_the_command_prints_the_reports(
    conn: asyncpg.Connection,
    schemas: ReportSchemas,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await store_august(conn, schemas)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REPORTS_ROUTING_SCHEMA", schemas.routing)
    monkeypatch.setenv("REPORTS_TRANSPORT_SCHEMA", schemas.transport)
    monkeypatch.setenv("REPORTS_HOLDS_SCHEMA", schemas.holds)
    runner = CliRunner()
    august = ["reports", "cost-sharing", "--from", "2026-08-01", "--to", "2026-08-31"]
    # The command runs its own event loop: in a thread of its own, away from this test's.
    as_csv = await asyncio.to_thread(runner.invoke, cli, [*august, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    rows = {r["municipality"]: r for r in csv.DictReader(io.StringIO(as_csv.stdout))}
    assert rows["Lahti"]["cost_by_population_eur"] == "333.59"
    assert rows["Lahti"]["cost_by_items_eur"] == "272.50"
    wide = {"COLUMNS": "160"}  # rich wraps a table to the terminal's width
    table = await asyncio.to_thread(runner.invoke, cli, august, env=wide)
    assert table.exit_code == 0, table.output
    assert "Transport cost sharing: Lastu" in table.stdout and "333.59" in table.stdout
    annual = await asyncio.to_thread(
        runner.invoke, cli, ["reports", "annual", "--year", "2026", "--library", "85910"], env=wide
    )
    assert annual.exit_code == 0, annual.output
    assert "Lahden pääkirjasto (85910)" in annual.stdout
