"""Every way a report request is refused, in one module.

    ReportError              bad input or data that cannot make the report (the API answers
    │                        4xx, the CLI exits with the message)
    ├── BadPeriod            ``to`` before ``from``, or a year out of range
    ├── UnknownNetwork       no consortium of that name in the library directory
    ├── PopulationTableError the population table cannot be read (file, line, problem)
    ├── MissingPopulation    a member municipality is not in the population table
    ├── RoutingFileError     the routing file with the vans' rates cannot be read
    └── FleetMismatch        the routing file cannot price the stored plans (a van it lacks,
                             or plans that visit libraries outside the network)

``reason`` is a short machine-readable word for API error bodies.
"""

from __future__ import annotations


class ReportError(Exception):
    reason = "bad_report_request"


class BadPeriod(ReportError):
    reason = "bad_period"


class UnknownNetwork(ReportError):
    reason = "unknown_network"


class PopulationTableError(ReportError):
    reason = "bad_population_table"


class MissingPopulation(ReportError):
    reason = "missing_population"


class RoutingFileError(ReportError):
    reason = "bad_routing_file"


class FleetMismatch(ReportError):
    reason = "fleet_mismatch"
