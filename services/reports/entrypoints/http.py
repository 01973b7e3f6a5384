"""The reports API: cost sharing and annual statistics as JSON, CSV or printable HTML.

Coordinator tokens read both reports for any network; a staff token reads its own library's
row of the annual statistics and nothing else. A request the reports cannot serve (a period
that ends before it starts, an unknown network, a population table without a member
municipality, plans the routing file cannot price) gets a 4xx whose body says why.
"""

# No "from __future__ import annotations": FastAPI resolves the closures' local aliases.

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from kulkuri.reports.adapters import formats, printing
from kulkuri.reports.adapters.report_queries import ServiceTablesMissing
from kulkuri.reports.bootstrap import ReaderProvider, ReportSources, pool_readers
from kulkuri.reports.config import ReportsSettings
from kulkuri.reports.domain import (
    BadPeriod,
    FleetMismatch,
    MissingPopulation,
    Period,
    PopulationTableError,
    ReportError,
    RoutingFileError,
    UnknownNetwork,
)
from kulkuri.reports.domain.period import FIRST_YEAR, LAST_YEAR
from kulkuri.reports.service_layer import annual_report, cost_sharing_report
from kulkuri.shared.auth import Principal, Role, TokenAuthority
from kulkuri.shared.auth_http import authenticator, pool_getter, problem, require_role

Format = Literal["json", "csv", "html"]
_STATUS: dict[type[ReportError], int] = {
    BadPeriod: 400,
    UnknownNetwork: 404,
    PopulationTableError: 422,
    MissingPopulation: 422,
    RoutingFileError: 422,
    FleetMismatch: 409,
}


def reports_router(
    readers: ReaderProvider,
    principal: Callable[..., Principal],
    sources: ReportSources,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> APIRouter:
    router = APIRouter(prefix="/reports", tags=["reports"])
    zone = sources.settings.zone
    Caller = Annotated[Principal, Depends(principal)]
    NetworkName = Annotated[
        str | None,
        Query(description="A consortium of the library directory (default: the configured one)."),
    ]
    Fmt = Annotated[Format, Query(description="json, csv, or html to print (A4).")]

    @router.get("/cost-sharing")
    async def cost_sharing(
        caller: Caller,
        first: Annotated[date, Query(alias="from", description="First day, included.")],
        last: Annotated[date, Query(alias="to", description="Last day, included.")],
        network: NetworkName = None,
        format: Fmt = "json",
    ) -> Response:
        """The period's transport cost split among the member municipalities, by
        population and by items sent and received (coordinators)."""
        require_role(caller, Role.COORDINATOR)
        try:
            period = Period(first, last)
            chosen = sources.network(network)
            inputs = sources.cost_inputs(chosen)
            async with readers() as reader:
                report = await cost_sharing_report(reader, chosen, period, inputs, zone)
        except ReportError as exc:
            raise _refused(exc) from exc
        except ServiceTablesMissing as exc:
            raise problem(503, "tables_missing", str(exc)) from exc
        name = f"cost-sharing-{report.network}-{first.isoformat()}-{last.isoformat()}"
        return _answer(
            format,
            name,
            lambda: formats.cost_sharing_json(report),
            lambda: formats.cost_sharing_csv(report),
            lambda: printing.render_cost_sharing(report, clock().astimezone(zone)),
        )

    @router.get("/annual/{year}")
    async def annual(
        caller: Caller,
        year: Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="Calendar year.")],
        network: NetworkName = None,
        format: Fmt = "json",
    ) -> Response:
        """Each library's transfers sent and received, holds placed and filled, and median
        hold time for a year (coordinators: every library; staff: their own)."""
        require_role(caller, Role.COORDINATOR, Role.STAFF)
        try:
            chosen = sources.network(network)
            if caller.role is Role.STAFF and caller.library not in chosen.library_ids:
                raise problem(
                    403,
                    "wrong_library",
                    f"this token is for library {caller.library}, not a library of {chosen.name}",
                )
            async with readers() as reader:
                report = await annual_report(
                    reader,
                    chosen,
                    year,
                    zone,
                    now=clock(),
                    hold_retention=sources.settings.hold_retention,
                )
        except ReportError as exc:
            raise _refused(exc) from exc
        except ServiceTablesMissing as exc:
            raise problem(503, "tables_missing", str(exc)) from exc
        if caller.role is Role.STAFF:
            assert caller.library is not None
            report = report.only(caller.library)
        name = f"annual-{report.network}-{year}"
        return _answer(
            format,
            name,
            lambda: formats.annual_json(report),
            lambda: formats.annual_csv(report),
            lambda: printing.render_annual(report, clock().astimezone(zone)),
        )

    return router


def mount_reports(
    app: FastAPI,
    pool_provider: Callable[[], asyncpg.Pool | None],
    authority: TokenAuthority | None,
    settings: ReportsSettings,
) -> None:
    """Serve the reports from ``app``, on the database pool an existing service already has
    (the reports read the routing, transport and holds schemas of that database)."""
    app.include_router(reports_router_on(pool_provider, authority, settings))


def reports_router_on(
    pool_provider: Callable[[], asyncpg.Pool | None],
    authority: TokenAuthority | None,
    settings: ReportsSettings,
) -> APIRouter:
    """The reports' router on an existing service's pool, for an app that takes routers."""
    readers = pool_readers(pool_getter(pool_provider, "reports"), settings.schemas)
    return reports_router(readers, authenticator(authority), ReportSources(settings))


def _refused(exc: ReportError) -> Exception:
    return problem(_STATUS.get(type(exc), 400), exc.reason, str(exc))


def _answer(
    fmt: str,
    name: str,
    as_json: Callable[[], dict[str, Any]],
    as_csv: Callable[[], str],
    as_html: Callable[[], str],
) -> Response:
    if fmt == "csv":
        return Response(
            as_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt == "html":
        return HTMLResponse(as_html())
    return JSONResponse(as_json())
