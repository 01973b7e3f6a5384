"""What a simulation is asked to do, and the defaults it starts from, each with its source.

docs/simulator.md explains every number at more length. Figures from the Finnish public
library statistics (tilastot.kirjastot.fi) are labelled with their year; the others are
assumptions, stated as such with the reasoning behind their order of magnitude.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


@dataclass(frozen=True)
class NetworkProfile:
    """A network's size at full scale: its outlets, yearly loans and collection."""

    name: str
    outlets: str | None  # a consortium of the shipped library directory; None: every outlet
    loans_per_year: float
    items: float
    default_scale: float  # the share simulated unless asked otherwise (see ``scale``)


PROFILES: dict[str, NetworkProfile] = {
    # Päijät-Häme has about 205,000 inhabitants (Statistics Finland, 2023); Lastu's loans and
    # collection are taken at the national rates per inhabitant below (an assumption: the
    # statistics give municipalities, not consortia): 14.8 loans and 5.8 items a head.
    "lastu": NetworkProfile("Lastu", "Lastu", 3.0e6, 1.2e6, 0.05),
    # Helmet: "more than 17 million" loans a year and 3.4 million items (Helmet's own figures
    # as quoted by Wikipedia's article on Helsinki Metropolitan Area Libraries).
    "helmet": NetworkProfile("Helmet", "Helmet", 17.0e6, 3.4e6, 0.02),
    # Finland: 83 million loans in 2023 (the regional state administrative agencies' release
    # of the 2023 statistics, 2024-04-03) and 32.3 million items in 2021 (tilastot.kirjastot.fi);
    # 720 outlets (282 main and 438 branch libraries in 2018, as the shipped directory).
    "finland": NetworkProfile("Finland", None, 83.0e6, 32.3e6, 0.004),
}


def profile_for(network: str) -> NetworkProfile:
    try:
        return PROFILES[network.lower()]
    except KeyError:
        known = ", ".join(p.name for p in PROFILES.values())
        raise ValueError(f"unknown network {network!r}; expected one of {known}") from None


@dataclass(frozen=True)
class Behaviour:
    """How patrons and the collection behave. Assumptions are marked; see docs/simulator.md."""

    # Holds placed per loan. Assumption: the statistics count loans, not holds; one loan in
    # six or seven coming through a hold matches a consortium where holds are free (since the
    # 2017 library act) and queues of hundreds form on bestsellers.
    holds_per_loan: float = 0.15
    # Loans returned at another library than the one they were borrowed at. Assumption: most
    # patrons return where they borrow; a commuter or a return box on the way home does not.
    return_elsewhere_share: float = 0.15
    # Holds put on the hold shelf and never collected (the library charges 1-2 € for it in
    # Helmet and Vaski, so it stays low). Assumption.
    no_show_share: float = 0.08
    # Holds the patron cancels before collecting them (bought the book, lost interest).
    # Assumption; the mean time until they do.
    cancel_share: float = 0.05
    cancel_after_days: float = 5.0
    # Days from "ready for pickup" to collection, mean of an exponential. Assumption: most
    # patrons come within a couple of days of the notice; the shelf keeps a hold 7 days.
    pickup_after_days: float = 1.5
    pickup_window_days: float = 7.0  # the holds service's HOLDS_PICKUP_WINDOW_DAYS default
    # The loan period of books in Helmet and Lastu: 28 days. When a loan comes back, in days
    # (a triangular distribution: early returns, most near the due date, renewals later).
    loan_period_days: int = 28
    loan_days: tuple[float, float, float] = (2.0, 21.0, 42.0)  # low, mode, high
    hold_valid_days: int = 180  # expires_at of a new hold; assumption (half a year)
    # Popularity of titles: Zipf-Mandelbrot, p(rank) ∝ (rank + q)^-s. s = 1 gives Trueswell's
    # "80/20 rule" of library circulation (about 80 % of loans from 20 % of the collection);
    # q = head_share × titles flattens the head, so that a bestseller gets hundredths of a
    # percent of all loans rather than Zipf's several percent.
    zipf_exponent: float = 1.0
    zipf_head_share: float = 0.001
    # Copies per title: at least one, and more for popular titles, ∝ popularity^0.5, at most
    # two per outlet; 2.5 copies per title on average. Assumptions.
    mean_copies: float = 2.5
    copies_exponent: float = 0.5
    max_copies_per_outlet: float = 2.0
    # Library size, for spreading loans and copies over outlets: staffed opening hours plus
    # a quarter of self-service hours, from the shipped four weeks of opening hours.
    # Assumption: the statistics give loans per municipality, not per outlet.
    self_service_weight: float = 0.25
    # The smallest weight an outlet gets (in hours over the four weeks), so that a library
    # closed for the summer weeks of the data still lends a little.
    min_weight_hours: float = 20.0


@dataclass(frozen=True)
class StaffRoutine:
    """When the staff and the vans do their part (local times). Assumptions: libraries pull
    their lists twice a day, in the morning and in the afternoon, and pack once, late in the
    afternoon, for the next morning's vans."""

    pull_rounds: tuple[time, ...] = (time(10, 0), time(15, 0))
    packing_at: time = time(16, 30)
    receive_after: timedelta = timedelta(minutes=20)  # after a van unloads, if open
    holds_online: tuple[time, time] = (time(7, 0), time(22, 0))  # when patrons place holds


@dataclass(frozen=True)
class SimulationConfig:
    network: str = "Lastu"
    days: int = 1  # service days whose vans run; a day's eve before the first is simulated too
    speed: float = 1800.0  # simulated seconds per wall second, during service hours
    seed: int = 2026
    run: str = "1"  # names the run's titles, copies, holds and event ids
    first_day: date | None = None  # None: see ``default_first_day``
    scale: float | None = None  # share of the network's patrons and collection simulated
    items: int | None = None  # the collection's size, instead of scale × the profile's
    # Loans a day at given libraries (library id -> loans), instead of their share by size
    # of the network's; holds follow loans (``Behaviour.holds_per_loan``).
    loans_at: dict[str, float] = field(default_factory=dict)
    behaviour: Behaviour = field(default_factory=Behaviour)
    staff: StaffRoutine = field(default_factory=StaffRoutine)
    eve_from: time = time(10, 0)  # when the day before the first service day starts
    day_starts: time = time(6, 0)  # the lane cut-off (TRANSPORT_LANES_CUTOFF) starts a day
    day_ends: time = time(22, 0)  # nights are skipped: nothing simulated happens then
    last_day_ends: time | None = None  # the run stops then (default: day_ends)
    zone: ZoneInfo = HELSINKI

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("days must be at least 1")
        if self.speed <= 0:
            raise ValueError("speed must be positive")
        if self.scale is not None and not 0 < self.scale <= 1:
            raise ValueError("scale must be in (0, 1]")
        if not self.day_starts < self.eve_from < self.day_ends:
            raise ValueError("eve_from must fall between day_starts and day_ends")

    @property
    def profile(self) -> NetworkProfile:
        return profile_for(self.network)

    @property
    def share(self) -> float:
        return self.scale if self.scale is not None else self.profile.default_scale

    @property
    def collection_size(self) -> int:
        return self.items if self.items is not None else round(self.profile.items * self.share)

    @property
    def loans_per_day(self) -> float:
        return self.profile.loans_per_year * self.share / 365.0

    def loans_per_day_at(self, library: str, share: float) -> float:
        """A library's loans a day: as configured, else its ``share`` of the network's."""
        return self.loans_at.get(library, self.loans_per_day * share)

    @property
    def source(self) -> str:
        """The CloudEvents ``source`` of the simulated circulation system."""
        return f"urn:kulkuri:simulator:{self.profile.name.lower()}"


def default_first_day(today: date) -> date:
    """Today if it is a weekday, else the next Monday: the shipped routing files run their
    vans Monday to Friday, and a day without vans shows an empty plan."""
    if today.weekday() < 5:
        return today
    return today + timedelta(days=7 - today.weekday())
