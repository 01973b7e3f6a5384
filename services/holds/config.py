"""The holds service's configuration: the shared adapters' settings plus its own."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kulkuri.shared.settings import ServiceConfig


class HoldsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOLDS_", extra="ignore")

    consortium: str = Field(
        default="Lastu",
        description="Network whose shipped configuration is used when no file is given.",
    )
    consortium_config: Path | None = Field(
        default=None, description="The consortium's TOML file (libraries, costs, policies)."
    )
    consumer_group: str = "kulkuri-holds"
    consumers: int = Field(
        default=3,
        ge=1,
        le=64,
        description="Consumers of the group in this process (one computes while another"
        " waits on the database); more than the topic's partitions would idle.",
    )
    title_cache_size: int = Field(
        default=50_000, ge=1, description="Titles kept in memory between batches."
    )
    # Finnish libraries typically keep a hold on the shelf for about a week.
    pickup_window_days: float = Field(default=7.0, gt=0, description="Hold shelf time.")
    expiry_interval_s: float = Field(default=300.0, gt=0, description="How often to expire.")
    gauge_interval_s: float = Field(
        default=15.0, gt=0, description="How often waiting-hold gauges are read."
    )
    # The nightly re-assignment (service_layer/reassignment_job.py). It changes copies already
    # assigned (never pulled ones), and a consortium whose pull lists are printed before the
    # cut-off turns it off or moves the cut-off.
    reassign_enabled: bool = Field(
        default=True, description="Re-assign holds not yet pulled once a night."
    )
    reassign_cutoff: time = Field(
        default=time(5, 0),
        description="Local time (Europe/Helsinki) before the day's pull lists are printed.",
    )
    reassign_grace_minutes: float = Field(
        default=120.0,
        gt=0,
        description="How long after the cut-off a missed run may still start that day.",
    )
    reassign_check_interval_s: float = Field(
        default=60.0, gt=0, description="How often the job checks whether a run is due."
    )
    # Holds carry no patron, but their history says when a copy waited for someone: keep it
    # no longer than needed (docs/security.md). Longer than INBOX_RETENTION_DAYS, so a
    # redelivered HoldPlaced is still recognised rather than placing a purged hold again. The
    # default keeps a calendar year whole until the end of March of the next, when libraries
    # report their annual statistics (365 + 91 days).
    history_retention_days: float = Field(
        default=456.0,
        ge=1,
        description="Closed holds (collected, cancelled, expired) and their history are"
        " deleted this long after they closed.",
    )
    history_purge_interval_s: float = Field(
        default=3600.0, gt=0, description="How often closed holds past retention are deleted."
    )


class HoldsConfig(ServiceConfig):
    """Everything the holds service reads from the environment, built once in ``main``."""

    holds: HoldsSettings = Field(default_factory=HoldsSettings)
