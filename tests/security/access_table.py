"""The role × endpoint table of docs/security.md, read as data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kulkuri.shared.auth import Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
HEADER = ("service", "method", "path", *(role.value for role in Role))
SERVICES = ("holds", "transport", "routing", "reports")
CELLS = frozenset({"public", "yes", "no", "own library", "crate scans"})


@dataclass(frozen=True)
class Row:
    service: str  # holds, transport, routing, reports, or every
    method: str
    path: str
    cells: dict[Role, str]

    @property
    def public(self) -> bool:
        return "public" in self.cells.values()

    def served_by(self, service: str) -> bool:
        return self.service in (service, "every")


def read_table(text: str | None = None) -> list[Row]:
    """The table whose header is ``HEADER``; refuses a cell outside the documented words."""
    lines = (text if text is not None else DOC.read_text()).splitlines()
    start = next(i for i, line in enumerate(lines) if _cells(line) == list(HEADER))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        service, method, path, *cells = _cells(line)
        assert service in (*SERVICES, "every"), line
        assert len(cells) == len(Role), line
        assert set(cells) <= CELLS, line
        assert "public" not in cells or set(cells) == {"public"}, f"public for some: {line}"
        rows.append(Row(service, method, path, dict(zip(Role, cells, strict=True))))
    return rows


def _cells(line: str) -> list[str]:
    return [re.sub(r"^`|`$", "", cell.strip()) for cell in line.strip().strip("|").split("|")]
