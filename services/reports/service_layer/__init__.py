"""The reports' use cases: read a period's facts through a ``ReportReader``, apply the rules."""

from kulkuri.reports.service_layer.reports import (
    CostInputs,
    ReportReader,
    annual_report,
    cost_sharing_report,
)

__all__ = ["CostInputs", "ReportReader", "annual_report", "cost_sharing_report"]
