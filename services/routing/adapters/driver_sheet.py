"""A van's route for the day as a printable A4 page: stops in order, times, crates."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from kulkuri.shared.events.routing import RoutePlanData


class UnknownVan(LookupError):
    def __init__(self, van_id: str, day: str) -> None:
        super().__init__(f"van {van_id!r} has no route on {day}")


def render_driver_sheet(plan: RoutePlanData, van_id: str, names: Mapping[str, str]) -> str:
    """Raises ``UnknownVan`` if the van drives no route in the plan."""
    for route in plan.routes:
        if route.van_id == van_id:
            template = _environment().get_template("driver_sheet.html")
            return template.render(
                route=route, day=plan.service_day.isoformat(), version=plan.version, names=names
            )
    raise UnknownVan(van_id, plan.service_day.isoformat())


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("kulkuri.routing", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
