"""The cheap histogram exports exactly what prometheus-client's own would."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from kulkuri.shared.observability.fast_histogram import FastHistogram

BUCKETS = (0.001, 0.01, 0.1, 1.0)
VALUES = (0.0005, 0.001, 0.002, 0.05, 0.1, 0.5, 3.0, 0.0)


def test_exposition_matches_prometheus_client_histogram() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    fast = FastHistogram("h_seconds", "help", ["service", "type"], BUCKETS, ours)
    slow = Histogram("h_seconds", "help", ["service", "type"], buckets=BUCKETS, registry=theirs)
    for value in VALUES:
        fast.labels("holds", "a").observe(value)
        slow.labels("holds", "a").observe(value)
    fast.labels("holds", "b").observe(0.2)
    slow.labels("holds", "b").observe(0.2)

    def samples(registry: CollectorRegistry) -> list[str]:
        text = generate_latest(registry).decode()
        return sorted(line for line in text.splitlines() if not line.startswith("#"))

    expected = [line for line in samples(theirs) if "_created" not in line]
    assert samples(ours) == expected


def test_a_value_on_a_bucket_bound_counts_in_that_bucket() -> None:
    registry = CollectorRegistry()
    fast = FastHistogram("b_seconds", "help", ["x"], BUCKETS, registry)
    fast.labels("1").observe(0.01)
    assert registry.get_sample_value("b_seconds_bucket", {"x": "1", "le": "0.001"}) == 0
    assert registry.get_sample_value("b_seconds_bucket", {"x": "1", "le": "0.01"}) == 1
    assert registry.get_sample_value("b_seconds_count", {"x": "1"}) == 1
