"""The circulation simulator: a network's patrons, staff and drivers driving the real system.

``core`` is the pure, seeded simulation (catalogue, patrons, staff routines, vans, the
simulated clock); ``adapters`` connect it to the broker and the transport API; ``runner``
drives a run; ``dry_run`` writes the event stream without a system; ``demo`` is the day
``kulkuri up`` shows. docs/simulator.md describes the model and its defaults.
"""

from kulkuri.simulator.adapters.settling import SystemNames
from kulkuri.simulator.core.config import Behaviour, SimulationConfig, StaffRoutine
from kulkuri.simulator.demo import run_simulated_day
from kulkuri.simulator.dry_run import dry_run_events, dry_run_lines
from kulkuri.simulator.runner import SystemConnection, run_simulation
from kulkuri.simulator.summary import SimulationSummary

__all__ = [
    "Behaviour",
    "SimulationConfig",
    "SimulationSummary",
    "StaffRoutine",
    "SystemConnection",
    "SystemNames",
    "dry_run_events",
    "dry_run_lines",
    "run_simulated_day",
    "run_simulation",
]
