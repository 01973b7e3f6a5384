"""The reports' configuration: the shared adapters' settings plus their own section."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kulkuri.reports.adapters.report_queries import ReportSchemas
from kulkuri.shared.settings import AuthSettings, DatabaseSettings, HttpSettings, LogSettings


class ReportsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTS_", extra="ignore", populate_by_name=True)

    network: str = Field(
        default="Lastu", description="The consortium reported on when a request names none."
    )
    population_file: Path | None = Field(
        default=None,
        description="The consortium's population table (CSV); unset: the shipped end-2024 one.",
    )
    # The same file the routing service plans with, unless the reports are given their own.
    routing_config_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("REPORTS_ROUTING_CONFIG_FILE", "ROUTING_CONFIG_FILE"),
        description="The routing TOML whose vans' rates price the plans; unset: the shipped"
        " routing file of the network.",
    )
    # The holds service's own setting, read here too, so that a year reaching back before it
    # is reported as incomplete.
    holds_retention_days: float = Field(
        default=456.0,
        gt=0,
        validation_alias=AliasChoices(
            "REPORTS_HOLDS_RETENTION_DAYS", "HOLDS_HISTORY_RETENTION_DAYS"
        ),
        description="How long the holds service keeps closed holds (its default: 456 days).",
    )
    timezone: str = Field(
        default="Europe/Helsinki", description="Where the reports' days and years begin."
    )
    routing_schema: str = "routing"
    transport_schema: str = "transport"
    holds_schema: str = "holds"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hold_retention(self) -> timedelta:
        return timedelta(days=self.holds_retention_days)

    @property
    def schemas(self) -> ReportSchemas:
        return ReportSchemas(self.routing_schema, self.transport_schema, self.holds_schema)


class ReportsConfig(BaseSettings):
    """Everything the reports' API reads from the environment, built once at start."""

    model_config = SettingsConfigDict(extra="ignore")

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    reports: ReportsSettings = Field(default_factory=ReportsSettings)
