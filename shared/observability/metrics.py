"""The metrics every kulkuri service exports, on a registry the service owns.

Names are part of the operators' contract: dashboards and alert rules use them, and a test
checks those against what the running services export.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from kulkuri.shared.observability.fast_histogram import FastHistogram

# Handler latency buckets: a batch row takes tens of microseconds, a slow handler seconds.
_LATENCY_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
)


class MessagingMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.events_consumed = Counter(
            "kulkuri_events_consumed_total",
            "Records read from Kafka, by service, topic and event type.",
            ["service", "topic", "type"],
            registry=registry,
        )
        self.events_handled = Counter(
            "kulkuri_events_handled_total",
            "Events whose effects committed (outcome=handled) or that the inbox had already "
            "seen (outcome=duplicate).",
            ["service", "type", "outcome"],
            registry=registry,
        )
        self.events_dead_lettered = Counter(
            "kulkuri_events_dead_lettered_total",
            "Records sent to a dead-letter topic, by reason.",
            ["service", "topic", "reason"],
            registry=registry,
        )
        # Observed once per event: the cheap histogram keeps that off the hot path's bill.
        self.handler_seconds = FastHistogram(
            "kulkuri_handler_duration_seconds",
            "Time the service's handler spent on one event (inside the batch transaction).",
            ["service", "type"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.batch_seconds = Histogram(
            "kulkuri_batch_duration_seconds",
            "Time from a fetched batch to its committed offsets.",
            ["service"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.batch_retries = Counter(
            "kulkuri_batch_retries_total",
            "Batches retried after a transient fault.",
            ["service"],
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "kulkuri_consumer_lag",
            "Records behind the partition's high watermark (reads low on Tansu).",
            ["service", "topic", "partition"],
            registry=registry,
        )
        self.outbox_backlog = Gauge(
            "kulkuri_outbox_backlog",
            "Outbox rows not yet published.",
            ["service"],
            registry=registry,
        )
        self.outbox_oldest_age = Gauge(
            "kulkuri_outbox_oldest_age_seconds",
            "Age of the oldest unpublished outbox row (0 when empty).",
            ["service"],
            registry=registry,
        )
        self.outbox_published = Counter(
            "kulkuri_outbox_published_total",
            "Outbox rows published to Kafka, by topic.",
            ["service", "topic"],
            registry=registry,
        )
