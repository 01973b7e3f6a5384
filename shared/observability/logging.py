"""Structured JSON logs; every line logged while an event is handled carries its id."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from pythonjsonlogger.json import JsonFormatter

from kulkuri.shared.settings import LogSettings

_event_id: ContextVar[str | None] = ContextVar("kulkuri_event_id", default=None)
_service: ContextVar[str | None] = ContextVar("kulkuri_service", default=None)


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.event_id = _event_id.get()
        record.service = _service.get()
        return True


def bind_event_id(event_id: str) -> Token[str | None]:
    """The hot-path form of :func:`event_context` (no generator per event)."""
    return _event_id.set(event_id)


def unbind_event_id(token: Token[str | None]) -> None:
    _event_id.reset(token)


@contextmanager
def event_context(event_id: str) -> Iterator[None]:
    token = bind_event_id(event_id)
    try:
        yield
    finally:
        unbind_event_id(token)


def set_service(name: str) -> None:
    _service.set(name)


def configure_logging(settings: LogSettings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter())
    if settings.format == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(event_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(event_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level.upper())
