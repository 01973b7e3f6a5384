"""The reports API through FastAPI, on an in-memory reader: who may read what, the three
formats, and the 4xx answers that say what is wrong."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from kulkuri.reports.adapters.directory import network_of
from kulkuri.reports.bootstrap import ReportSources
from kulkuri.reports.config import ReportsSettings
from kulkuri.reports.domain import ItemCounts, PlannedDay, VanDay
from kulkuri.reports.entrypoints.http import reports_router
from kulkuri.shared.auth import Role, TokenAuthority
from kulkuri.shared.auth_http import authenticator
from tests.unit.reports.fakes import FakeReportReader

SECRET = "reports-test-secret-of-thirty-two-bytes"
LAHTI, HEINOLA, KALLIO = "85910", "85381", "84860"  # Kallio: a Helmet library
AUGUST = {"from": "2026-08-01", "to": "2026-08-31"}


def token(role: Role, library: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {TokenAuthority(SECRET).issue(role, library=library)}"}


COORDINATOR = token(Role.COORDINATOR)


def planned(day: date, van_id: str = "lastu-1") -> PlannedDay:
    # 60 € + 100 km × 0.50 € + 4 h × 35 € = 250.00 € with the shipped Lastu rates
    return PlannedDay(day, 1, (VanDay(van_id, 100_000, 4 * 3600, 4, frozenset({LAHTI, HEINOLA})),))


@pytest.fixture
def reader() -> FakeReportReader:
    return FakeReportReader(
        days=[planned(date(2026, 8, 3)), planned(date(2026, 8, 4))],
        items={LAHTI: ItemCounts(30, 20), HEINOLA: ItemCounts(10, 40)},
        placed={LAHTI: 9, HEINOLA: 4},
        seconds={LAHTI: [86_400.0, 3 * 86_400.0], HEINOLA: [2 * 86_400.0]},
    )


def client_for(reader: FakeReportReader, settings: ReportsSettings) -> httpx.AsyncClient:
    app = FastAPI()
    principal = authenticator(TokenAuthority(SECRET))
    clock = lambda: datetime(2027, 1, 15, 8, tzinfo=UTC)  # noqa: E731
    app.include_router(reports_router(reader.provider(), principal, ReportSources(settings), clock))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kulkuri")


@pytest.fixture
async def client(reader: FakeReportReader) -> AsyncIterator[httpx.AsyncClient]:
    # The test session keeps closed holds for a century: here, the holds service's default.
    settings = ReportsSettings(network="Lastu", holds_retention_days=90)
    async with client_for(reader, settings) as started:
        yield started


async def test_a_request_without_a_valid_token_is_refused(client: httpx.AsyncClient) -> None:
    missing = await client.get("/reports/cost-sharing", params=AUGUST)
    assert missing.status_code == 401
    assert missing.json()["detail"]["reason"] == "no_token"
    forged = TokenAuthority("another-secret-of-thirty-two-bytes!!").issue(Role.COORDINATOR)
    refused = await client.get(
        "/reports/annual/2026", headers={"Authorization": f"Bearer {forged}"}
    )
    assert refused.status_code == 401
    assert refused.json()["detail"]["reason"] == "invalid_token"


async def test_cost_sharing_is_for_coordinators_only(client: httpx.AsyncClient) -> None:
    for who in (token(Role.STAFF, LAHTI), token(Role.DRIVER)):
        answer = await client.get("/reports/cost-sharing", params=AUGUST, headers=who)
        assert answer.status_code == 403
        assert answer.json()["detail"]["reason"] == "wrong_role"


async def test_a_driver_reads_no_annual_statistics(client: httpx.AsyncClient) -> None:
    answer = await client.get("/reports/annual/2026", headers=token(Role.DRIVER))
    assert answer.status_code == 403


async def test_a_coordinator_gets_the_split_as_json(client: httpx.AsyncClient) -> None:
    answer = await client.get("/reports/cost-sharing", params=AUGUST, headers=COORDINATOR)
    assert answer.status_code == 200
    body = answer.json()
    assert body["total_eur"] == "500.00"
    assert body["fleet"]["days_planned"] == 2
    parts = body["municipalities"]
    assert len(parts) == len(network_of("Lastu").municipalities)
    assert sum(Decimal(p["cost_by_population_eur"]) for p in parts) == Decimal("500.00")
    by_use = {p["municipality"]: p["cost_by_items_eur"] for p in parts}
    assert (by_use["Lahti"], by_use["Heinola"], by_use["Sysmä"]) == ("250.00", "250.00", "0.00")


async def test_csv_comes_as_a_download_and_html_as_a_page(client: httpx.AsyncClient) -> None:
    answer = await client.get(
        "/reports/cost-sharing", params={**AUGUST, "format": "csv"}, headers=COORDINATOR
    )
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = answer.headers["content-disposition"]
    assert disposition == 'attachment; filename="cost-sharing-Lastu-2026-08-01-2026-08-31.csv"'
    assert list(csv.DictReader(io.StringIO(answer.text)))[-1]["municipality"] == "Total"
    page = await client.get("/reports/annual/2026", params={"format": "html"}, headers=COORDINATOR)
    assert page.headers["content-type"].startswith("text/html")
    assert "Annual statistics 2026: Lastu" in page.text
    assert "Printed 2027-01-15 10:00 EET" in page.text  # local time of the configured zone


async def test_a_coordinator_reads_every_librarys_year_and_the_total(
    client: httpx.AsyncClient,
) -> None:
    body = (await client.get("/reports/annual/2026", headers=COORDINATOR)).json()
    assert len(body["libraries"]) == 19
    # Made on 15 January 2027, with the holds service's 90 days of closed holds.
    assert "before 2026-10-17 are no longer stored" in body["notes"][0]
    assert body["total"]["holds_placed"] == 13
    assert body["total"]["median_hold_days"] == "2.0"


async def test_staff_read_their_own_librarys_year_only(client: httpx.AsyncClient) -> None:
    answer = await client.get("/reports/annual/2026", headers=token(Role.STAFF, HEINOLA))
    body = answer.json()
    assert [row["library_id"] for row in body["libraries"]] == [HEINOLA]
    assert body["total"] is None
    assert body["libraries"][0]["transfers_received"] == 40
    other = await client.get("/reports/annual/2026", headers=token(Role.STAFF, KALLIO))
    assert other.status_code == 403
    assert other.json()["detail"]["reason"] == "wrong_library"


async def test_a_period_that_ends_before_it_starts_is_a_400_before_any_read(
    client: httpx.AsyncClient, reader: FakeReportReader
) -> None:
    answer = await client.get(
        "/reports/cost-sharing",
        params={"from": "2026-08-31", "to": "2026-08-01"},
        headers=COORDINATOR,
    )
    assert answer.status_code == 400
    assert answer.json()["detail"]["reason"] == "bad_period"
    assert "ends (2026-08-01) before it starts (2026-08-31)" in answer.json()["detail"]["message"]
    assert reader.asked == []


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/reports/cost-sharing", {**AUGUST, "network": "Kirkes"}, 404),
        ("/reports/annual/2026", {"network": "Kirkes"}, 404),
        ("/reports/cost-sharing", {"from": "2026-08-01", "to": "2026-02-30"}, 422),
        ("/reports/cost-sharing", {"from": "2026-08-01"}, 422),
        ("/reports/annual/20266", {}, 422),
        ("/reports/annual/2026", {"format": "pdf"}, 422),
    ],
    ids=["unknown-network", "unknown-network-annual", "no-such-date", "no-end", "year", "format"],
)
async def test_bad_input_is_a_4xx(
    client: httpx.AsyncClient, path: str, params: dict[str, str], status: int
) -> None:
    answer = await client.get(path, params=params, headers=COORDINATOR)
    assert answer.status_code == status
    if status == 404:
        assert "no network 'Kirkes'" in answer.json()["detail"]["message"]


async def test_a_population_table_without_a_member_is_a_422_naming_it(
    reader: FakeReportReader, tmp_path: Path
) -> None:
    table = tmp_path / "population.csv"
    table.write_text("municipality,population\nLahti,121337\nHeinola,17829\n")
    async with client_for(reader, ReportsSettings(population_file=table)) as client:
        answer = await client.get("/reports/cost-sharing", params=AUGUST, headers=COORDINATOR)
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail["reason"] == "missing_population"
    assert "has no population for Asikkala, Hartola, Hollola" in detail["message"]


async def test_a_malformed_population_table_is_a_422_naming_the_line(
    reader: FakeReportReader, tmp_path: Path
) -> None:
    table = tmp_path / "population.csv"
    table.write_text("municipality,population\nLahti,lots\n")
    async with client_for(reader, ReportsSettings(population_file=table)) as client:
        answer = await client.get("/reports/cost-sharing", params=AUGUST, headers=COORDINATOR)
    assert answer.status_code == 422
    assert answer.json()["detail"]["reason"] == "bad_population_table"
    assert "line 2: population 'lots' of Lahti" in answer.json()["detail"]["message"]


async def test_plans_with_a_van_the_routing_file_lacks_are_a_409(
    reader: FakeReportReader, client: httpx.AsyncClient
) -> None:
    reader.days.append(planned(date(2026, 8, 5), van_id="rented-van"))
    answer = await client.get("/reports/cost-sharing", params=AUGUST, headers=COORDINATOR)
    assert answer.status_code == 409
    assert "uses van 'rented-van'" in answer.json()["detail"]["message"]


async def test_a_period_without_plans_costs_zero_with_a_note(client: httpx.AsyncClient) -> None:
    answer = await client.get(
        "/reports/cost-sharing",
        params={"from": "2026-07-01", "to": "2026-07-31"},
        headers=COORDINATOR,
    )
    assert answer.status_code == 200
    assert answer.json()["total_eur"] == "0.00"
    assert "No route plans are stored" in answer.json()["notes"][0]


async def test_a_database_without_the_services_tables_is_a_503(
    reader: FakeReportReader, client: httpx.AsyncClient
) -> None:
    reader.tables_missing = True
    answer = await client.get("/reports/annual/2026", headers=COORDINATOR)
    assert answer.status_code == 503
    assert answer.json()["detail"] == {
        "reason": "tables_missing",
        "message": 'relation "routing.plans" does not exist',
    }
