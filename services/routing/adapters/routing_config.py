"""A network's routing file (TOML): which libraries, the vans and depots, the hub, visit days.

The shipped samples (``kulkuri.routing.sample``: lastu.toml, helmet.toml, finland.toml) show
and explain every key. Loading checks the file with pydantic and against the library
directory in ``kulkuri.shared.data``; every problem is reported with its key, e.g.
``fleet.vans[2].depot: '99999' is not a library of Lastu``, all of them at once.

A library's visit days default to the days the vans run (``routing.van_days``, Monday to
Friday unless given); a depot (where vans start) and the hub are visited every van day, so
they take no visit days.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StrictInt, ValidationError

from kulkuri.routing.adapters.opening_hours import clock_seconds
from kulkuri.routing.domain.problem import Mode, Van
from kulkuri.shared.libraries import LibraryOutlet, load_outlets

FORMAT_VERSION = 1
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
ALL_OUTLETS = "all"
SAMPLES = Path(__file__).resolve().parent.parent / "sample"


class RoutingConfigError(ValueError):
    """The routing file cannot be used; the message names the file and each bad key."""


def _clock(value: Any) -> int:
    if not isinstance(value, str):
        raise ValueError('expected a time of day such as "07:00"')
    return clock_seconds(value)


Clock = Annotated[int, PlainValidator(_clock)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Money = Annotated[float, Field(ge=0)]


def _working_week() -> list[Weekday]:
    return ["mon", "tue", "wed", "thu", "fri"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NetworkSection(_Section):
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    outlets: str = Field(min_length=1)  # a consortium in the directory, or "all"


class RoutingSection(_Section):
    mode: Mode
    hub: str | None = None
    van_days: list[Weekday] = Field(default_factory=_working_week, min_length=1)


class ServiceSection(_Section):
    fixed_s: StrictInt = Field(default=300, ge=0)
    per_crate_s: StrictInt = Field(default=30, ge=0)


class VanFields(_Section):
    capacity_crates: StrictInt | None = Field(default=None, ge=1)
    shift_start: Clock | None = None
    shift_end: Clock | None = None
    cost_per_km: Money | None = None
    cost_per_hour: Money | None = None
    fixed_cost: Money | None = None


class VanEntry(VanFields):
    id: str = Field(min_length=1)
    depot: str = Field(min_length=1)


class FleetSection(_Section):
    defaults: VanFields = Field(default_factory=VanFields)
    vans: list[VanEntry] = Field(min_length=1)


class LibrarySection(_Section):
    visit_days: list[Weekday] | None = None


class RoutingFile(_Section):
    format_version: Literal[1]
    network: NetworkSection
    routing: RoutingSection
    service: ServiceSection = Field(default_factory=ServiceSection)
    fleet: FleetSection
    libraries: dict[str, LibrarySection] = Field(default_factory=dict)


@dataclass(frozen=True)
class RoutingConfig:
    """A checked routing file: every id in it is one of ``libraries``."""

    name: str
    version: str
    libraries: tuple[LibraryOutlet, ...]  # directory order; a place's index follows it
    mode: Mode
    hub: str | None
    vans: tuple[Van, ...]
    van_days: frozenset[int]  # date.weekday() numbers
    visit_days: Mapping[str, frozenset[int]]  # only libraries visited on fewer days
    service_fixed_s: int
    service_per_crate_s: int

    @property
    def depots(self) -> frozenset[str]:
        return frozenset(van.depot for van in self.vans)

    def visited_on(self, library_id: str, weekday: int) -> bool:
        if library_id in self.depots or library_id == self.hub:
            return weekday in self.van_days
        return weekday in self.visit_days.get(library_id, self.van_days)


def _van(i: int, entry: VanEntry, defaults: VanFields, problems: list[str]) -> Van | None:
    def pick(key: str) -> Any:
        value = getattr(entry, key)
        return getattr(defaults, key) if value is None else value

    missing = [k for k in ("capacity_crates", "shift_start", "shift_end") if pick(k) is None]
    for key in missing:
        problems.append(f"fleet.vans[{i}].{key}: missing (give it here or in [fleet.defaults])")
    if missing:
        return None
    if pick("shift_end") <= pick("shift_start"):
        problems.append(f"fleet.vans[{i}].shift_end: the shift ends before it starts")
        return None
    costs = {k: pick(k) for k in ("cost_per_km", "cost_per_hour", "fixed_cost")}
    return Van(
        van_id=entry.id,
        depot=entry.depot,
        capacity_crates=pick("capacity_crates"),
        shift_start_s=pick("shift_start"),
        shift_end_s=pick("shift_end"),
        **{k: v for k, v in costs.items() if v is not None},
    )


def _outlets(selection: str) -> list[LibraryOutlet]:
    if selection.lower() == ALL_OUTLETS:
        return load_outlets(None)
    try:
        return load_outlets(selection)
    except ValueError:
        raise RoutingConfigError(
            f"network.outlets: {selection!r} is no consortium in the library directory "
            f'(e.g. "Lastu", "Helmet"; "{ALL_OUTLETS}" for every outlet)'
        ) from None


def _checked(raw: RoutingFile, outlets: list[LibraryOutlet]) -> RoutingConfig:
    problems: list[str] = []
    known = {o.id for o in outlets}
    where = raw.network.outlets

    def check_library(key: str, library_id: str | None) -> None:
        if library_id is not None and library_id not in known:
            problems.append(f"{key}: {library_id!r} is not a library of {where}")

    if raw.routing.mode is Mode.HUB and raw.routing.hub is None:
        problems.append('routing.hub: mode = "hub" needs the hub library')
    if raw.routing.mode is Mode.DIRECT and raw.routing.hub is not None:
        problems.append('routing.hub: mode = "direct" has no hub; remove it')
    check_library("routing.hub", raw.routing.hub)
    vans: list[Van] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(raw.fleet.vans):
        if entry.id in seen:
            problems.append(
                f"fleet.vans[{i}].id: {entry.id!r} is already fleet.vans[{seen[entry.id]}]"
            )
        seen.setdefault(entry.id, i)
        check_library(f"fleet.vans[{i}].depot", entry.depot)
        van = _van(i, entry, raw.fleet.defaults, problems)
        if van is not None:
            vans.append(van)
    van_days = frozenset(WEEKDAYS.index(d) for d in raw.routing.van_days)
    daily = {entry.depot for entry in raw.fleet.vans}
    if raw.routing.hub is not None:
        daily.add(raw.routing.hub)
    visit_days: dict[str, frozenset[int]] = {}
    for library_id, section in raw.libraries.items():
        key = f"libraries.{library_id}"
        check_library(key, library_id)
        if section.visit_days is None:
            continue
        if library_id in daily:
            problems.append(f"{key}.visit_days: a depot or the hub is visited every van day")
        days = frozenset(WEEKDAYS.index(d) for d in section.visit_days)
        if not days <= van_days:
            extra = ", ".join(WEEKDAYS[d] for d in sorted(days - van_days))
            problems.append(f"{key}.visit_days: no vans run on {extra} (routing.van_days)")
        visit_days[library_id] = days
    if problems:
        raise RoutingConfigError("\n".join(problems))
    return RoutingConfig(
        name=raw.network.name,
        version=raw.network.version,
        libraries=tuple(outlets),
        mode=raw.routing.mode,
        hub=raw.routing.hub,
        vans=tuple(vans),
        van_days=van_days,
        visit_days=visit_days,
        service_fixed_s=raw.service.fixed_s,
        service_per_crate_s=raw.service.per_crate_s,
    )


def _describe(loc: tuple[int | str, ...], message: str) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return f"{path}: {message.removeprefix('Value error, ')}" if path else message


def parse_routing_config(text: str, source: str = "<routing config>") -> RoutingConfig:
    """The routing configuration in a file's text; ``source`` names the file in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RoutingConfigError(f"{source}: not valid TOML: {exc}") from None
    version = data.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        found = "is missing" if version is None else f"= {version!r} is not supported"
        raise RoutingConfigError(
            f"{source}: format_version {found}; this kulkuri reads "
            f"format_version = {FORMAT_VERSION}"
        )
    try:
        raw = RoutingFile.model_validate(data)
        return _checked(raw, _outlets(raw.network.outlets))
    except ValidationError as exc:
        problems = "\n".join(f"  {_describe(tuple(e['loc']), e['msg'])}" for e in exc.errors())
        raise RoutingConfigError(f"{source}: invalid routing config:\n{problems}") from None
    except RoutingConfigError as exc:
        indented = "\n".join(f"  {line}" for line in str(exc).splitlines())
        raise RoutingConfigError(f"{source}: invalid routing config:\n{indented}") from None


def load_routing_config(path: Path | str) -> RoutingConfig:
    path = Path(path)
    return parse_routing_config(path.read_text("utf-8"), source=str(path))


def sample_path(network: str) -> Path:
    """The shipped routing file of ``network`` ("Lastu", "Helmet", "Finland")."""
    path = SAMPLES / f"{network.lower()}.toml"
    if not path.is_file():
        shipped = ", ".join(sorted(p.stem for p in SAMPLES.glob("*.toml")))
        raise RoutingConfigError(f"no shipped routing file for {network!r} (shipped: {shipped})")
    return path
