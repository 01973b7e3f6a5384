"""The transport service's metrics: scans and their errors as they happen, and gauges of
transfers by state, copies in transit, the oldest of them, overdue ones and crates per lane,
read from the database."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from kulkuri.transport.adapters.metrics import TransportMetrics
from kulkuri.transport.service_layer.overdue import ZONE
from kulkuri.transport.service_layer.packing_service import PackingService
from kulkuri.transport.service_layer.scan_service import ScanService
from tests.integration.transport.fixtures import (
    HOLLOLA,
    HUB,
    MONDAY,
    ORIMATTILA,
    decide,
    requested,
    scan,
    via_hub,
)
from tests.kafka_tools import metric

pytestmark = pytest.mark.integration


async def test_scans_and_the_state_of_transfers_are_measured(
    pool: asyncpg.Pool, unique: str
) -> None:
    registry = CollectorRegistry()
    metrics = TransportMetrics(registry)
    legs = via_hub()
    moving, staying = f"mx-{unique}", f"my-{unique}"
    await decide(
        pool,
        legs,
        requested(moving, 1, HOLLOLA, ORIMATTILA),
        requested(staying, 1, HOLLOLA, ORIMATTILA),
    )
    scans = ScanService(legs, metrics)
    await scans.apply(pool, [(scan("pulled", moving, HOLLOLA, 1), None)])
    plan = await PackingService(legs, 40).plan(pool, HOLLOLA, MONDAY.date(), MONDAY)
    (crate,) = [a.crate_id for a in plan.plan.assignments if a.transfer_id == f"{moving}:1"]
    await scans.apply(
        pool,
        [
            (scan("packed", moving, HOLLOLA, 2, crate=crate), None),
            (scan("loaded", crate, HOLLOLA, 3, run="r"), None),
            (scan("received", staying, ORIMATTILA, 4), None),
        ],
    )

    assert metric(registry, "kulkuri_transport_scans_total", kind="loaded", outcome="accepted") == 1
    errors = metric(
        registry,
        "kulkuri_transport_scan_errors_total",
        kind="received",
        reason="illegal_transition",
    )
    assert errors == 1

    await metrics.refresh(pool, MONDAY + timedelta(hours=2), ZONE)
    assert metric(registry, "kulkuri_transport_transfers", status="loaded") >= 1
    assert metric(registry, "kulkuri_transport_transfers", status="requested") >= 1
    assert metric(registry, "kulkuri_transport_items_in_transit") >= 1
    oldest = metric(registry, "kulkuri_transport_oldest_in_transit_age_seconds")
    assert oldest >= timedelta(hours=2).total_seconds() - 3 * 60
    lanes = metric(registry, "kulkuri_transport_lane_crates", from_library=HOLLOLA, to_library=HUB)
    assert lanes >= 1
