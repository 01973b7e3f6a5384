"""The scan API: barcode reads from handheld scanners and ILS terminals, one or a batch.

``POST /transport/scans`` takes one scan and answers with its HTTP status (404 for an unknown
barcode, 409 for a scan out of order, each with what was expected). ``POST
/transport/scans/batch`` takes up to 1,000 in order and answers 200 with a result per scan:
a rejected scan does not stop the others. Each scan may carry a ``scan_id``; a scan sent
again with the same id is answered ``duplicate`` and changes nothing.
"""

# No "from __future__ import annotations": FastAPI resolves the closures' local aliases.

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field, field_validator

from kulkuri.shared.auth import Principal
from kulkuri.shared.auth_http import REFUSALS, documented, pool_getter
from kulkuri.shared.events.circulation import Identifier, LibraryId
from kulkuri.shared.events.scans import ScanKindName
from kulkuri.shared.messaging.usable import EARLIEST_YEAR, LATEST_YEAR
from kulkuri.transport.entrypoints.auth import problem, require_scanner
from kulkuri.transport.service_layer.scan_service import ScanResult, ScanService
from kulkuri.transport.service_layer.scans import CRATE_SCANS, Scan, ScanKind

MAX_BATCH = 1000


class ScanIn(BaseModel):
    kind: ScanKindName
    barcode: Identifier = Field(
        description="The item's barcode, or the crate's (loaded, unloaded)."
    )
    library: LibraryId = Field(description="Where the scan happened.")
    crate_id: Identifier | None = Field(default=None, description="packed: the crate.")
    van_run: Identifier | None = Field(default=None, description="loaded: the van run.")
    scanned_at: AwareDatetime | None = Field(
        default=None, description="When it was read (default: when it arrives)."
    )
    scan_id: Identifier | None = Field(
        default=None, description="The scanner's id for this read; a resend is a duplicate."
    )

    @field_validator("scanned_at")
    @classmethod
    def _usable(cls, at: datetime | None) -> datetime | None:
        # Converted to UTC and stored: at the edge of datetime's range that overflows.
        if at is not None and not EARLIEST_YEAR <= at.year <= LATEST_YEAR:
            raise ValueError(f"outside the years {EARLIEST_YEAR}-{LATEST_YEAR}")
        return at

    def command(self, now: datetime) -> Scan:
        return Scan(
            kind=ScanKind(self.kind),
            barcode=self.barcode,
            library=self.library,
            at=self.scanned_at or now,
            crate_id=self.crate_id,
            van_run=self.van_run,
        )


class ScanBatchIn(BaseModel):
    scans: list[ScanIn] = Field(min_length=1, max_length=MAX_BATCH)


class ScanOut(BaseModel):
    outcome: Literal["accepted", "duplicate", "rejected"]
    status: int = Field(description="The HTTP status this scan alone would get.")
    transfers: list[str] = Field(description="The transfers the scan moved.")
    reason: str | None = None
    message: str = ""
    scan_id: str | None = None


class ScanBatchOut(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    results: list[ScanOut]


def scan_router(
    pool_provider: Callable[[], asyncpg.Pool | None],
    service: ScanService,
    principal: Callable[..., Principal],
    libraries: frozenset[str],
) -> APIRouter:
    router = APIRouter(prefix="/transport/scans", tags=["scans"], responses=REFUSALS)
    Caller = Annotated[Principal, Depends(principal)]

    pool = pool_getter(pool_provider, "transport")

    def check(caller: Principal, scans: list[ScanIn]) -> None:
        for scan in scans:
            if scan.library not in libraries:
                raise problem(
                    422, "unknown_library", f"library {scan.library!r} is not in the consortium"
                )
            require_scanner(caller, scan.library, crate_scan=ScanKind(scan.kind) in CRATE_SCANS)

    async def run(scans: list[ScanIn]) -> list[ScanOut]:
        now = datetime.now(UTC)
        results = await service.apply(pool(), [(s.command(now), s.scan_id) for s in scans])
        return [_out(result, scan.scan_id) for scan, result in zip(scans, results, strict=True)]

    @router.post("", response_model=ScanOut, responses=documented(400, 404, 409, 422))
    async def scan_one(body: ScanIn, caller: Caller) -> JSONResponse:
        check(caller, [body])
        (result,) = await run([body])
        if result.outcome == "rejected":
            assert result.reason is not None
            raise problem(result.status, result.reason, result.message)
        return JSONResponse(result.model_dump(), status_code=200)

    @router.post("/batch", response_model=ScanBatchOut, responses=documented(400, 422))
    async def scan_batch(body: ScanBatchIn, caller: Caller) -> ScanBatchOut:
        check(caller, body.scans)
        results = await run(body.scans)
        return ScanBatchOut(
            accepted=sum(r.outcome == "accepted" for r in results),
            duplicates=sum(r.outcome == "duplicate" for r in results),
            rejected=sum(r.outcome == "rejected" for r in results),
            results=results,
        )

    return router


def _out(result: ScanResult, scan_id: str | None) -> ScanOut:
    return ScanOut(
        outcome=result.outcome,
        status=result.status,
        transfers=list(result.transfers),
        reason=result.reason,
        message=result.message,
        scan_id=scan_id,
    )
