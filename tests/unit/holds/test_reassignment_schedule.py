"""When the nightly re-assignment runs: only if enabled, once a day, from the local cut-off
until its grace period ends."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from prometheus_client import CollectorRegistry

from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.adapters.ortools_assignment import MinCostFlowSolver
from kulkuri.holds.bootstrap import reassignment_jobs
from kulkuri.holds.config import HoldsSettings
from kulkuri.holds.service_layer.reassignment_job import NightlyReassignment
from tests.unit.holds.consortia import consortium

RULES = consortium()


def test_the_nightly_job_runs_unless_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOLDS_REASSIGN_ENABLED", raising=False)  # the tests turn it off
    assert HoldsSettings().reassign_enabled
    metrics = HoldsMetrics(CollectorRegistry())
    assert reassignment_jobs(HoldsSettings(reassign_enabled=False), RULES, metrics) == []
    enabled = HoldsSettings(reassign_enabled=True, reassign_check_interval_s=30)
    [job] = reassignment_jobs(enabled, RULES, metrics)
    assert (job.name, job.interval_s) == ("holds-reassignment", 30)


def test_the_cutoff_is_read_as_local_time_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOLDS_REASSIGN_CUTOFF", "04:30")
    assert HoldsSettings().reassign_cutoff == time(4, 30)


def test_a_run_is_due_from_the_local_cutoff_until_its_grace_ends() -> None:
    job = NightlyReassignment(RULES, MinCostFlowSolver(), cutoff=time(5), grace=timedelta(hours=2))
    winter = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 05:00 in Helsinki (UTC+2)
    summer = datetime(2026, 8, 4, 2, 0, tzinfo=UTC)  # 05:00 in Helsinki (UTC+3)
    for cutoff in (winter, summer):
        assert job.due(cutoff - timedelta(seconds=1)) is None
        window = job.due(cutoff)
        assert window is not None and window.cutoff == cutoff
        assert window.opened == cutoff - timedelta(days=1)
        assert job.due(cutoff + timedelta(hours=1, minutes=59)) == window
        assert job.due(cutoff + timedelta(hours=2)) is None
