"""Logs are JSON, one object a line, and carry the id of the event being handled."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from kulkuri.shared.observability.logging import configure_logging, event_context
from kulkuri.shared.settings import LogSettings


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_line_logged_while_handling_an_event_carries_its_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(LogSettings(level="INFO", format="json"))
    log = logging.getLogger("kulkuri.test")
    with event_context("evt-42"):
        log.info("allocating", extra={"bib_id": "b-1"})
    log.info("idle")
    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert first["event_id"] == "evt-42"
    assert first["message"] == "allocating"
    assert first["bib_id"] == "b-1"
    assert first["level"] == "INFO"
    assert second["event_id"] is None
