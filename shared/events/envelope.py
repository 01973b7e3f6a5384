"""The CloudEvents 1.0 envelope, in structured JSON mode.

Every event kulkuri reads or writes is one JSON object: the CloudEvents context attributes
(``id``, ``source``, ``type``, ``specversion``, ``time``, ...) plus ``data``. Concrete event
classes narrow ``type`` to one literal and ``data`` to one model, so one pydantic pass both
parses and validates an event.

The CNCF ``cloudevents`` SDK is not used on the hot path: its pydantic model keeps ``data`` as
``Any``, so it would need a second validation pass per event; the wire format is the same.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar, Final, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SPEC_VERSION: Final = "1.0"
CONTENT_TYPE: Final = "application/cloudevents+json"
# CloudEvents extension attribute names: lowercase letters and digits, at most 20.
_EXTENSION_NAME = re.compile(r"^[a-z0-9]{1,20}$")


class EventData(BaseModel):
    """Base of every event payload: strict about unknown fields so typos surface at the edge."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CloudEvent(BaseModel):
    """CloudEvents 1.0 context attributes; subclasses fix ``type`` and ``data``."""

    # Extension attributes (traceparent, partitionkey, ...) are allowed by the spec and kept.
    model_config = ConfigDict(extra="allow", frozen=True)

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]

    id: str = Field(min_length=1, max_length=200, description="Unique per source; dedupe key.")
    source: str = Field(
        min_length=1,
        max_length=500,
        description="URI-reference of the emitting system, e.g. 'urn:ils:koha:lastu'.",
    )
    specversion: Literal["1.0"]
    type: str
    time: AwareDatetime = Field(description="When the occurrence happened (RFC 3339).")
    datacontenttype: str = Field(default="application/json", pattern=r"^application/json(;.*)?$")
    dataschema: str | None = None
    subject: str | None = None
    data: Any

    def extension_problems(self) -> list[str]:
        """Extensions are for routing and tracing metadata: plain values with spec-conform
        names. This also stops a misspelt attribute from passing silently as an extension.
        (A method the codec calls only when extensions exist, not a validator on every event:
        decoding is the consumer's hot path.)"""
        problems = []
        for name, value in (self.model_extra or {}).items():
            if not _EXTENSION_NAME.match(name):
                problems.append(f"{name!r} is not a valid CloudEvents extension attribute name")
            elif not isinstance(value, str | int | bool):
                problems.append(f"extension attribute {name!r} must be a string, integer or bool")
        return problems

    @property
    def dedupe_key(self) -> str:
        """CloudEvents makes (source, id) unique; the inbox keys on both."""
        return f"{self.source} {self.id}"

    def partition_key(self) -> bytes:
        """The Kafka message key; subclasses decide what keeps related events in order."""
        return self.id.encode()

    @classmethod
    def create(
        cls,
        *,
        id: str,
        source: str,
        time: datetime,
        data: EventData,
        **extensions: Any,
    ) -> Self:
        """Build an event of this class with its fixed type."""
        return cls(
            id=id,
            source=source,
            specversion=SPEC_VERSION,
            type=cls.TYPE,
            time=time,
            data=data,
            **extensions,
        )
