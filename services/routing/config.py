"""The routing service's configuration: the shared adapters' settings plus its own."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kulkuri.shared.settings import AuthSettings, ServiceConfig


class RoutingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore")

    consumer_group: str = "kulkuri-routing"
    network: str = Field(
        default="Lastu", description="The network whose shipped routing file is used."
    )
    config_file: Path | None = Field(
        default=None, description="The consortium's own routing TOML (vans, depots, hub)."
    )
    engine: str = Field(
        default="ortools", pattern="^(ortools|pyvrp)$", description="The solver engine."
    )
    time_limit_s: float = Field(default=10.0, gt=0, le=3600, description="Per plan.")
    crate_capacity: int = Field(
        default=40, ge=1, description="Copies per crate, to count crates for unpacked copies."
    )
    plan_check_interval_s: float = Field(
        default=2.0, gt=0, description="How often the planner looks for new demand."
    )
    gauge_interval_s: float = Field(default=15.0, gt=0, description="How often gauges are read.")


class RoutingConfig(ServiceConfig):
    """Everything the routing service reads from the environment, built once in ``main``."""

    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
