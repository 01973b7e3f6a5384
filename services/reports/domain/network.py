"""The consortium a report is about: its member libraries and their municipalities, and the
population table its costs are shared by."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kulkuri.reports.domain.errors import MissingPopulation


@dataclass(frozen=True)
class MemberLibrary:
    library_id: str  # the national library directory's id, as every service stores it
    name: str
    municipality: str


@dataclass(frozen=True)
class Network:
    name: str
    members: tuple[MemberLibrary, ...]

    @property
    def library_ids(self) -> frozenset[str]:
        return frozenset(m.library_id for m in self.members)

    @property
    def municipalities(self) -> tuple[str, ...]:
        return tuple(sorted({m.municipality for m in self.members}, key=str.casefold))

    def municipality_of(self) -> dict[str, str]:
        return {m.library_id: m.municipality for m in self.members}


@dataclass(frozen=True)
class PopulationTable:
    """Residents per municipality; ``source`` says where the figures come from."""

    source: str
    populations: Mapping[str, int]

    def of(self, network: Network) -> dict[str, int]:
        """The population of each of ``network``'s municipalities; every one must be listed."""
        missing = [m for m in network.municipalities if m not in self.populations]
        if missing:
            raise MissingPopulation(
                f"{self.source} has no population for {', '.join(missing)} (member "
                f"municipalities of {network.name}; names as in the library directory)"
            )
        return {m: self.populations[m] for m in network.municipalities}
