"""The transport service's configuration: the shared adapters' settings plus its own."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kulkuri.shared.settings import AuthSettings, ServiceConfig


class TransportSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRANSPORT_", extra="ignore")

    consumer_group: str = "kulkuri-transport"
    network: str = Field(
        default="Lastu", description="The consortium whose libraries scan and receive."
    )
    hub: str | None = Field(
        default=None,
        description="Library id of the sorting hub vans meet at; unset: vans go direct.",
    )
    packing: str = Field(
        default="by_destination",
        pattern="^(by_destination|by_hub)$",
        description="by_destination: a crate per destination, carried whole via the hub;"
        " by_hub: mixed crates to the hub, which repacks them per destination.",
    )
    crate_capacity: int = Field(default=40, ge=1, le=1000, description="Items per crate.")
    overdue_delivery_days: int = Field(
        default=2, ge=1, description="Delivery days after loading before a transfer is overdue."
    )
    missing_delivery_days: int = Field(
        default=10, ge=1, description="Delivery days after loading before it is declared missing."
    )
    overdue_interval_s: float = Field(default=300.0, gt=0, description="How often to check.")
    gauge_interval_s: float = Field(default=15.0, gt=0, description="How often gauges are read.")


class TransportConfig(ServiceConfig):
    """Everything the transport service reads from the environment, built once in ``main``."""

    transport: TransportSettings = Field(default_factory=TransportSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
