"""Population tables as CSV: the shipped one (``kulkuri.reports.data``) or a consortium's own.

The file needs a header row with the columns ``municipality`` and ``population`` (others,
such as ``municipality_code``, are ignored), then one row per municipality: its name as the
library directory writes it and its residents as a whole number greater than zero. UTF-8,
with or without a byte order mark. Every problem is reported at once, with its line.
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

from kulkuri.reports.domain import PopulationTable, PopulationTableError

SHIPPED = "population_2024.csv"
SHIPPED_SOURCE = "population at the end of 2024 (Statistics Finland)"
REQUIRED = ("municipality", "population")


def shipped_population() -> PopulationTable:
    text = resources.files("kulkuri.reports.data").joinpath(SHIPPED).read_text("utf-8")
    return PopulationTable(SHIPPED_SOURCE, parse_population(text, SHIPPED).populations)


def load_population(path: Path | str) -> PopulationTable:
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise PopulationTableError(f"{path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise PopulationTableError(f"{path}: not UTF-8 text") from None
    return parse_population(text, str(path))


def parse_population(text: str, source: str) -> PopulationTable:
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [name.strip() for name in reader.fieldnames or ()]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise PopulationTableError(
            f"{source}: the header row needs the columns {', '.join(REQUIRED)}; "
            f"missing {', '.join(missing)}"
        )
    reader.fieldnames = header
    problems: list[str] = []
    populations: dict[str, int] = {}
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        name = (row.get("municipality") or "").strip()
        raw = (row.get("population") or "").strip()
        if not name:
            problems.append(f"line {line}: no municipality")
            continue
        if name in first_line:
            problems.append(f"line {line}: {name} is already on line {first_line[name]}")
            continue
        first_line[name] = line
        if not (raw.isascii() and raw.isdigit()) or int(raw) == 0:
            problems.append(f"line {line}: population {raw!r} of {name} is not a whole number > 0")
            continue
        populations[name] = int(raw)
    if not populations and not problems:
        problems.append("no municipalities listed")
    if problems:
        raise PopulationTableError(
            f"{source}: invalid population table:\n  " + "\n  ".join(problems)
        )
    return PopulationTable(source, populations)
