"""The real Finnish library outlets shipped in ``kulkuri.shared.data`` (see its README)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

_LIBRARIES_CSV = "finnish_libraries.csv"


@dataclass(frozen=True, slots=True)
class LibraryOutlet:
    id: str
    name: str
    municipality: str
    consortium: str | None
    lat: float
    lon: float


# Every municipal library outlet of the country as one network (the routing service's
# finland.toml plans it with regional depots).
NATIONAL = "Finland"


def load_outlets(consortium: str | None = None) -> list[LibraryOutlet]:
    """All outlets, or those of one consortium ("Helmet", "Lastu"), in directory order.
    ``NATIONAL`` ("Finland") names the national network: every outlet."""
    text = resources.files("kulkuri.shared.data").joinpath(_LIBRARIES_CSV).read_text("utf-8")
    outlets = [
        LibraryOutlet(
            id=row["id"],
            name=row["name"],
            municipality=row["municipality"],
            consortium=row["consortium"] or None,
            lat=float(row["lat"]),
            lon=float(row["lon"]),
        )
        for row in csv.DictReader(text.splitlines())
    ]
    if consortium is None or consortium.lower() == NATIONAL.lower():
        return outlets
    chosen = [o for o in outlets if o.consortium and o.consortium.lower() == consortium.lower()]
    if not chosen:
        raise ValueError(f"no library outlets for consortium {consortium!r}")
    return chosen
