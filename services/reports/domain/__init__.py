"""Pure rules of the reports: standard library only.

``split_cents`` shares an amount exactly by weights (largest remainder); ``fleet_cost`` prices
the stored route plans; ``share_costs`` splits that cost among the member municipalities by
population and by use; ``annual_statistics`` makes each library's year.
"""

from kulkuri.reports.domain.annual import (
    AnnualStatistics,
    LibraryYear,
    YearActivity,
    annual_statistics,
    hold_history_notes,
    median_days,
)
from kulkuri.reports.domain.cost_sharing import (
    CostSharing,
    ItemCounts,
    MunicipalityShare,
    share_costs,
)
from kulkuri.reports.domain.errors import (
    BadPeriod,
    FleetMismatch,
    MissingPopulation,
    PopulationTableError,
    ReportError,
    RoutingFileError,
    UnknownNetwork,
)
from kulkuri.reports.domain.fleet_cost import (
    FleetCost,
    PlannedDay,
    VanDay,
    VanRates,
    euros,
    fleet_cost,
    van_day_cents,
)
from kulkuri.reports.domain.network import MemberLibrary, Network, PopulationTable
from kulkuri.reports.domain.period import Period
from kulkuri.reports.domain.shares import exact_shares, split_cents

__all__ = [
    "AnnualStatistics",
    "BadPeriod",
    "CostSharing",
    "FleetCost",
    "FleetMismatch",
    "ItemCounts",
    "LibraryYear",
    "MemberLibrary",
    "MissingPopulation",
    "MunicipalityShare",
    "Network",
    "Period",
    "PlannedDay",
    "PopulationTable",
    "PopulationTableError",
    "ReportError",
    "RoutingFileError",
    "UnknownNetwork",
    "VanDay",
    "VanRates",
    "YearActivity",
    "annual_statistics",
    "euros",
    "exact_shares",
    "fleet_cost",
    "hold_history_notes",
    "median_days",
    "share_costs",
    "split_cents",
    "van_day_cents",
]
