"""Settings of the lane-demand stream, read from ``TRANSPORT_LANES_*`` (and ``KAFKA_*``)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kulkuri.shared.messaging.topics import DEMAND, MOVEMENTS
from kulkuri.shared.settings import KafkaSettings, LogSettings
from kulkuri.transport.lanes.ledger import CutOff


class LaneSettings(BaseSettings):
    """The cut-off, the timer, and the names the stream app uses on the broker."""

    model_config = SettingsConfigDict(env_prefix="TRANSPORT_LANES_", extra="ignore")

    # Vans leave in the morning: what waits at 06:00 is loaded that day; later, the next day.
    cutoff: dt.time = Field(default=dt.time(6, 0), description="Local time of the cut-off.")
    timezone: str = Field(default="Europe/Helsinki", description="Zone of the cut-off.")
    timer_interval_s: float = Field(
        default=30.0, gt=0, description="How often the worker checks whether a cut-off passed."
    )
    app_id: str = Field(
        default="kulkuri-transport-lanes",
        description="Consumer group, and prefix of the changelog and control topics.",
    )
    movements_topic: str = MOVEMENTS
    demand_topic: str = DEMAND
    # Offsets are committed this often; a crash re-reads at most this much (folding is
    # idempotent), and a shorter interval shows progress sooner to whoever waits on it.
    commit_interval_s: float = Field(default=1.0, gt=0)
    # Tansu reports a partition's end as its last batch's first offset + 1, so a restarted
    # worker would stop reading a changelog short of the records batched with the last one.
    single_record_batches: bool = Field(
        default=True,
        description="Produce each record in a batch of its own (needed on Tansu; slower).",
    )
    data_dir: Path = Field(
        default=Path(tempfile.gettempdir()) / "kulkuri-lanes",
        description="Faust's data directory (the tables themselves live on the broker).",
    )
    ready_file: Path | None = Field(
        default=None, description="Touched once the worker has started (for supervisors)."
    )

    def cutoff_rule(self) -> CutOff:
        return CutOff(self.cutoff, ZoneInfo(self.timezone))

    @property
    def control_topic(self) -> str:
        """Publication requests (timer ticks, on-demand publications); one partition."""
        return f"{self.app_id}-control"


class LaneConfig(BaseModel):
    """Everything the lane worker reads; built once in its entry point."""

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    lanes: LaneSettings = Field(default_factory=LaneSettings)
    log: LogSettings = Field(default_factory=LogSettings)
