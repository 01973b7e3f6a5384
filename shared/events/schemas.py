"""JSON Schema files for the event contract, generated from the pydantic models.

The pydantic models in :mod:`kulkuri.shared.events` are the single source of truth. Integrators
who connect an ILS do not read Python, so each event type is also published as a JSON Schema
(draft 2020-12) under ``schemas/`` in the repository. Those files are generated, never edited:
:func:`write_schemas` regenerates them and :func:`drifted` lets a test fail when someone
changes a model without regenerating, so the published files cannot silently fall behind.

Rendering is deterministic (sorted keys, fixed indentation, trailing newline) so that a
regeneration without model changes produces byte-identical files and a clean diff.

Regenerate with ``kulkuri schemas write`` or ``python -m kulkuri.shared.events.schemas [DIR]``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kulkuri.shared.events import ALL_EVENTS
from kulkuri.shared.events.envelope import CloudEvent

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""pydantic 2 emits draft 2020-12; saying so lets validators pick the right dialect."""

SCHEMA_ID_PREFIX = "urn:kulkuri:schema:"
"""``$id`` is a URN, not a URL: no web server hosts these files, so a URL would be a lie."""

SCHEMA_FILE_GLOB = "kulkuri.*.json"
"""Files in the schema directory that :func:`write_schemas` owns (and may delete as stale)."""

CLOUDEVENTS_REQUIRED = ("id", "source", "specversion", "type")
"""Attributes CloudEvents 1.0 requires. The models give ``specversion`` and ``type`` defaults
so that ``create()`` can fill them in, which makes pydantic list them as optional; a producer
reading the schema must still send them (the codec picks the event class by ``type``)."""

SCHEMA_EVENTS: tuple[type[CloudEvent], ...] = ALL_EVENTS
"""Every event class that gets a published schema: the circulation events kulkuri reads, the
holds service's decisions and the transport service's events."""


def schema_file_name(event_class: type[CloudEvent]) -> str:
    """``<type>.json``: the file name carries the versioned type, so v1 and v2 sit side by side."""
    return f"{event_class.TYPE}.json"


def schema_for(event_class: type[CloudEvent]) -> dict[str, Any]:
    """The JSON Schema of one whole event (envelope plus ``data``), as integrators validate it.

    Validation mode is used because the schema describes what kulkuri accepts from a producer,
    not what it serialises. ``$schema``, ``$id`` and ``title`` are set here so that every file
    is self-describing and can be referenced without knowing where it was downloaded from, and
    the CloudEvents REQUIRED attributes are marked required even where the model has a default.
    """
    schema = event_class.model_json_schema(mode="validation")
    required = set(schema.get("required", ())) | set(CLOUDEVENTS_REQUIRED)
    schema["required"] = [name for name in schema["properties"] if name in required]
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = f"{SCHEMA_ID_PREFIX}{event_class.TYPE}"
    schema["title"] = event_class.TYPE
    schema.setdefault(
        "description",
        f"CloudEvents 1.0 event of type {event_class.TYPE!r} in structured JSON mode.",
    )
    return schema


def all_schemas() -> dict[str, dict[str, Any]]:
    """Every published schema keyed by its file name, in a stable order.

    Two classes with the same ``TYPE`` would overwrite each other's file, so that is an error
    rather than a silent loss.
    """
    schemas: dict[str, dict[str, Any]] = {}
    for event_class in SCHEMA_EVENTS:
        name = schema_file_name(event_class)
        if name in schemas:
            raise ValueError(f"two event classes share the type {event_class.TYPE!r}")
        schemas[name] = schema_for(event_class)
    return dict(sorted(schemas.items()))


def render(schema: dict[str, Any]) -> str:
    """Serialise deterministically, so unchanged models give byte-identical files."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    """Bring ``directory`` in line with the models; return the paths of all schema files.

    Files are rewritten only when their content changed (so timestamps and editors are left
    alone), and ``kulkuri.*.json`` files that no model produces any more are deleted: a
    schema for a removed event type must not keep looking supported. Other files in the
    directory (such as ``README.md``) are not touched.
    """
    directory.mkdir(parents=True, exist_ok=True)
    expected = {name: render(schema) for name, schema in all_schemas().items()}
    for stale in _stale_files(directory, expected):
        stale.unlink()
    paths: list[Path] = []
    for name, text in expected.items():
        path = directory / name
        if _read(path) != text:
            path.write_text(text, encoding="utf-8", newline="\n")
        paths.append(path)
    return paths


def drifted(directory: Path) -> list[str]:
    """Names of schema files that are missing, stale or different from the models (sorted).

    An empty list means the published schemas match the code. Files are read in text mode,
    so a checkout that converted line endings to CRLF does not count as drift.
    """
    expected = {name: render(schema) for name, schema in all_schemas().items()}
    names = {path.name for path in _stale_files(directory, expected)}
    names.update(name for name, text in expected.items() if _read(directory / name) != text)
    return sorted(names)


def _stale_files(directory: Path, expected: dict[str, str]) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(
        path
        for path in directory.glob(SCHEMA_FILE_GLOB)
        if path.is_file() and path.name not in expected
    )


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def main(argv: Sequence[str]) -> int:
    """Entry point for ``python -m kulkuri.shared.events.schemas [DIR]`` (default ``schemas``)."""
    directory = Path(argv[0]) if argv else Path("schemas")
    for path in write_schemas(directory):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
