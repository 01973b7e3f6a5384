"""Metrics, operations endpoints and structured logs shared by all services."""

from kulkuri.shared.observability.http import ReadinessCheck, add_ops_routes
from kulkuri.shared.observability.logging import configure_logging, event_context
from kulkuri.shared.observability.metrics import MessagingMetrics

__all__ = [
    "MessagingMetrics",
    "ReadinessCheck",
    "add_ops_routes",
    "configure_logging",
    "event_context",
]
