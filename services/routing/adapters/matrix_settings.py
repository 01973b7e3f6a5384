"""Where travel matrices come from, read from ``ROUTING_*`` environment variables.

``ROUTING_MATRIX=great_circle`` (the default) estimates from coordinates with
``ROUTING_CIRCUITY`` and ``ROUTING_SPEED_KMH``; ``ROUTING_MATRIX=osrm`` asks the table service
at ``ROUTING_OSRM_URL``. ``ROUTING_MATRIX_CACHE_DIR`` keeps matrices on disk across restarts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class RoutingMatrixSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore")

    matrix: Literal["great_circle", "osrm"] = Field(
        default="great_circle", description="Travel matrix provider."
    )
    osrm_url: str | None = Field(
        default=None, description="Base URL of an OSRM table service, e.g. http://osrm:5000."
    )
    osrm_profile: str = Field(default="driving", min_length=1)
    osrm_timeout_s: float = Field(default=30.0, gt=0)
    osrm_max_table_size: int = Field(
        default=100, ge=2, description="The server's --max-table-size."
    )
    osrm_unroutable: Literal["penalize", "error"] = Field(
        default="penalize",
        description="A pair with no route: a leg too long to drive, or a failed matrix.",
    )
    circuity: float = Field(default=1.3, ge=1.0, description="Road over great-circle distance.")
    speed_kmh: float = Field(default=50.0, gt=0, description="Mean van speed on the road.")
    matrix_cache_dir: Path | None = Field(
        default=None, description="Directory for matrices kept across restarts (JSON)."
    )

    @model_validator(mode="after")
    def _osrm_needs_url(self) -> RoutingMatrixSettings:
        if self.matrix == "osrm" and not self.osrm_url:
            raise ValueError("ROUTING_MATRIX=osrm needs ROUTING_OSRM_URL")
        return self
