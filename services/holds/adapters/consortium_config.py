"""A consortium's TOML config file: load and validate it, and write the shipped sample.

The file (``format_version = 1``) is edited by the consortium; ``sample/lastu.toml`` shows and
explains every key. Loading checks it with pydantic and turns it into the domain
``Consortium``; every problem is reported with the key that holds it, e.g.
``transport.overrides[0].from: '99999' is not one of the [[libraries]]``.

``python -m kulkuri.holds.adapters.consortium_config Lastu`` prints the sample for a
consortium, built from the outlets and opening hours in ``kulkuri.shared.data``.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from kulkuri.holds.adapters.config_format import FORMAT_VERSION, WEEKDAYS, parse_day
from kulkuri.holds.adapters.consortium_sample import write_sample_config
from kulkuri.holds.domain.consortium import (
    DEFAULT_CIRCUITY,
    CollectionPolicy,
    Consortium,
    Library,
    OpeningHours,
    Period,
    QueueOrder,
    QueuePolicy,
    RebalanceSettings,
    RoadEstimate,
    TransportCosts,
)
from kulkuri.shared.events.circulation import Identifier

__all__ = [
    "FORMAT_VERSION",
    "SAMPLE_LASTU",
    "ConsortiumConfigError",
    "load_consortium_config",
    "parse_consortium_config",
    "write_sample_config",
]

SAMPLE_LASTU = Path(__file__).resolve().parent.parent / "sample" / "lastu.toml"
"""The shipped Lastu sample; ``resolve()`` finds it from the editable install's link tree."""


class ConsortiumConfigError(ValueError):
    """The config file cannot be used; the message names the file and each offending key."""


def _day(value: Any) -> tuple[Period, ...]:
    if not isinstance(value, str):
        raise ValueError('expected a string such as "10:00-19:00" or "closed"')
    return parse_day(value)


DayHours = Annotated[tuple[Period, ...], PlainValidator(_day)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HoursConfig(_Section):
    mon: DayHours
    tue: DayHours
    wed: DayHours
    thu: DayHours
    fri: DayHours
    sat: DayHours
    sun: DayHours
    exceptions: dict[date, DayHours] = Field(default_factory=dict)

    def domain(self) -> OpeningHours:
        week = {i: getattr(self, day) for i, day in enumerate(WEEKDAYS)}
        return OpeningHours(week=week, exceptions=dict(self.exceptions))


class LibraryConfig(_Section):
    id: Identifier
    name: str = Field(min_length=1)
    municipality: str = Field(min_length=1)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    hours: HoursConfig


class OverrideConfig(_Section):
    source: Identifier = Field(alias="from")
    destination: Identifier = Field(alias="to")
    cost_m: StrictInt | None = Field(default=None, ge=0)
    disabled: StrictBool = False

    @model_validator(mode="after")
    def _cost_or_disabled(self) -> OverrideConfig:
        if self.source == self.destination:
            raise ValueError("from and to are the same library, which always costs 0")
        if (self.cost_m is None) == (not self.disabled):
            raise ValueError("give either cost_m (metres of road-equivalent) or disabled = true")
        return self


class TransportConfig(_Section):
    circuity: float = Field(default=DEFAULT_CIRCUITY, ge=1.0)
    overrides: list[OverrideConfig] = Field(default_factory=list)


class QueueConfig(_Section):
    order: QueueOrder = QueueOrder.STRICT
    local_priority_days: StrictInt = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _days_match_order(self) -> QueueConfig:
        if self.order is QueueOrder.STRICT and self.local_priority_days:
            raise ValueError('local_priority_days must be 0 with order = "strict"')
        if self.order is QueueOrder.LOCAL_FIRST and not self.local_priority_days:
            raise ValueError('local_priority_days must be at least 1 with order = "local_first"')
        return self


class CollectionsConfig(_Section):
    default_policy: CollectionPolicy
    policies: dict[Identifier, CollectionPolicy] = Field(default_factory=dict)


class FormatsConfig(_Section):
    digital: list[Identifier] = Field(default_factory=list)


class RebalanceConfig(_Section):
    window_days: StrictInt = Field(default=28, ge=1)
    min_gain: StrictInt = Field(default=2, ge=1)


class ConsortiumSection(_Section):
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)


class ConsortiumConfig(_Section):
    format_version: Literal[1]
    consortium: ConsortiumSection
    transport: TransportConfig = Field(default_factory=TransportConfig)
    queue: QueueConfig = Field(default_factory=QueueConfig)
    collections: CollectionsConfig
    formats: FormatsConfig = Field(default_factory=FormatsConfig)
    rebalance: RebalanceConfig = Field(default_factory=RebalanceConfig)
    libraries: list[LibraryConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_hold(self) -> ConsortiumConfig:
        problems: list[str] = []
        first_index: dict[str, int] = {}
        for i, library in enumerate(self.libraries):
            if library.id in first_index:
                problems.append(
                    f"libraries[{i}].id: {library.id!r} is already "
                    f"libraries[{first_index[library.id]}]"
                )
            first_index.setdefault(library.id, i)
        seen: set[tuple[str, str]] = set()
        for i, override in enumerate(self.transport.overrides):
            for key, library_id in (("from", override.source), ("to", override.destination)):
                if library_id not in first_index:
                    problems.append(
                        f"transport.overrides[{i}].{key}: {library_id!r} "
                        "is not one of the [[libraries]]"
                    )
            pair = (override.source, override.destination)
            if pair in seen:
                problems.append(f"transport.overrides[{i}]: {pair[0]} -> {pair[1]} given twice")
            seen.add(pair)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def domain(self) -> Consortium:
        libraries = {
            lib.id: Library(lib.id, lib.name, lib.municipality, lib.lat, lib.lon)
            for lib in self.libraries
        }
        overrides = {
            (o.source, o.destination): None if o.disabled else o.cost_m
            for o in self.transport.overrides
        }
        return Consortium(
            name=self.consortium.name,
            version=self.consortium.version,
            libraries=libraries,
            opening_hours={lib.id: lib.hours.domain() for lib in self.libraries},
            costs=TransportCosts(
                RoadEstimate.between(libraries.values(), self.transport.circuity), overrides
            ),
            collection_policies=dict(self.collections.policies),
            default_policy=self.collections.default_policy,
            queue_policy=QueuePolicy(self.queue.order, self.queue.local_priority_days),
            digital_formats=frozenset(self.formats.digital),
            rebalance=RebalanceSettings(self.rebalance.window_days, self.rebalance.min_gain),
        )


def _where(loc: Sequence[int | str], raw: dict[str, Any]) -> str:
    """``("libraries", 3, "hours", "mon")`` -> ``libraries[3].hours.mon (library 85910)``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            path += " (the key)"
        else:
            path += f".{part}" if path else part
    if len(loc) >= 2 and loc[0] == "libraries" and isinstance(loc[1], int):
        libraries = raw.get("libraries")
        if isinstance(libraries, list) and loc[1] < len(libraries):
            entry = libraries[loc[1]]
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                path += f" (library {entry['id']})"
    return path


def _describe(error: ErrorDetails, raw: dict[str, Any]) -> str:
    message = error["msg"].removeprefix("Value error, ")
    where = _where(error["loc"], raw)
    return f"{where}: {message}" if where else message


def parse_consortium_config(text: str, source: str = "<config>") -> Consortium:
    """The consortium described by a config file's text; ``source`` names it in errors."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConsortiumConfigError(f"{source}: not valid TOML: {exc}") from None
    version = raw.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        found = "is missing" if version is None else f"= {version!r} is not supported"
        raise ConsortiumConfigError(
            f"{source}: format_version {found}; this kulkuri reads "
            f"format_version = {FORMAT_VERSION}"
        )
    try:
        config = ConsortiumConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "\n".join(f"  {_describe(error, raw)}" for error in exc.errors())
        raise ConsortiumConfigError(f"{source}: invalid consortium config:\n{problems}") from None
    return config.domain()


def load_consortium_config(path: Path | str) -> Consortium:
    path = Path(path)
    return parse_consortium_config(path.read_text("utf-8"), source=str(path))


if __name__ == "__main__":
    sys.stdout.write(write_sample_config(sys.argv[1] if len(sys.argv) > 1 else "Lastu"))
