"""Everything a rule of the simulation reads and changes, passed as one object."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kulkuri.simulator.core.agenda import Action, Agenda
from kulkuri.simulator.core.catalogue import Catalogue
from kulkuri.simulator.core.circulation import CirculationFactory
from kulkuri.simulator.core.config import SimulationConfig
from kulkuri.simulator.core.network import SimNetwork
from kulkuri.simulator.core.world import World


@dataclass
class Scene:
    config: SimulationConfig
    rng: random.Random
    network: SimNetwork
    catalogue: Catalogue
    factory: CirculationFactory
    agenda: Agenda = field(default_factory=Agenda)
    world: World = field(default_factory=World)
    horizon: datetime | None = None  # nothing is scheduled after the end of the run

    def schedule(self, at: datetime, action: Action) -> bool:
        """Add an action unless it falls after the run's end; says whether it was added."""
        if self.horizon is not None and at > self.horizon:
            return False
        self.agenda.add(at, action)
        return True

    def days(self, mean: float) -> timedelta:
        """An exponentially distributed number of days with the given mean."""
        return timedelta(days=self.rng.expovariate(1.0 / mean)) if mean > 0 else timedelta(0)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw: Knuth's method for small means, a rounded normal for large ones."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k
