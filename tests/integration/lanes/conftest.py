"""One lane worker for the whole session (a faust worker takes seconds to start), on topics
of its own; tests keep apart by their own library ids and service days."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from kulkuri.transport.lanes.process import LaneWorkerProcess
from kulkuri.transport.lanes.settings import LaneSettings
from tests.integration.lanes.streams import worker_env


@pytest.fixture(scope="session")
def lane_settings() -> LaneSettings:
    suffix = uuid.uuid4().hex[:10]
    return LaneSettings(
        app_id=f"lanes-{suffix}",
        movements_topic=f"movements-{suffix}",
        demand_topic=f"demand-{suffix}",
        # Tests drive the cut-off with their own ticks; the wall clock's would only add noise.
        timer_interval_s=3600,
    )


@pytest.fixture(scope="session")
def lane_worker(bootstrap_servers: str, lane_settings: LaneSettings) -> Iterator[LaneWorkerProcess]:
    with LaneWorkerProcess(bootstrap_servers, worker_env(lane_settings)) as worker:
        yield worker
