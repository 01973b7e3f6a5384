"""Bytes ⇄ events: one pydantic pass parses JSON, picks the class by ``type`` and validates.

Decoding failures become :class:`InvalidEventError` with a reason category, so the consumer
can dead-letter them without inspecting pydantic internals.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Generic, TypeVar, Union

from pydantic import Field, TypeAdapter, ValidationError

from kulkuri.shared.errors import InvalidEventError
from kulkuri.shared.events.envelope import CloudEvent

EventT = TypeVar("EventT", bound=CloudEvent)

_UNKNOWN_TYPE_ERRORS = {"union_tag_invalid"}
_BAD_JSON_ERRORS = {"json_invalid", "json_type", "model_type"}


class EventCodec(Generic[EventT]):
    """Decodes the event types one topic may carry and encodes any event."""

    def __init__(self, event_classes: Iterable[type[EventT]]) -> None:
        self.event_classes: dict[str, type[EventT]] = {cls.TYPE: cls for cls in event_classes}
        if not self.event_classes:
            raise ValueError("a codec needs at least one event class")
        classes = tuple(self.event_classes.values())
        union: Any = classes[0] if len(classes) == 1 else Union[classes]  # noqa: UP007
        target: Any = Annotated[union, Field(discriminator="type")] if len(classes) > 1 else union
        self._adapter: TypeAdapter[EventT] = TypeAdapter(target)

    def decode(self, raw: bytes | None) -> EventT:
        if not raw:
            raise InvalidEventError("bad_json", "empty message value")
        try:
            event = self._adapter.validate_json(raw)
        except ValidationError as exc:
            raise _invalid_event(exc, known=sorted(self.event_classes)) from None
        if event.__pydantic_extra__:
            problems = event.extension_problems()
            if problems:
                raise InvalidEventError("schema_violation", "; ".join(problems))
        return event

    @staticmethod
    def encode(event: CloudEvent) -> bytes:
        return event.model_dump_json(exclude_none=True).encode()


def _invalid_event(exc: ValidationError, known: list[str]) -> InvalidEventError:
    first = exc.errors(include_url=False)[0]
    kind = first["type"]
    if kind in _BAD_JSON_ERRORS and not first["loc"]:
        return InvalidEventError("bad_json", first["msg"])
    if kind in _UNKNOWN_TYPE_ERRORS:
        return InvalidEventError(
            "unknown_type",
            f"type {first.get('ctx', {}).get('tag')!r} is not one of {', '.join(known)}",
        )
    # A codec of one event class has no discriminated union: a wrong type fails its literal.
    for error in exc.errors(include_url=False):
        if error["type"] == "literal_error" and error["loc"] == ("type",):
            return InvalidEventError(
                "unknown_type", f"type {error['input']!r} is not one of {', '.join(known)}"
            )
    details = "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or '<event>'}: {error['msg']}"
        for error in exc.errors(include_url=False)[:5]
    )
    return InvalidEventError("schema_violation", details)
