"""The holds service's decisions, as the events it publishes on ``kulkuri.holds.v1``.

Event ids are derived from the circulation event that caused the decision and the
decision's place among its results, so a batch that is redone, or an event redelivered
before its effects committed, publishes the same ids again and consumers dedupe them.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from kulkuri.holds.domain import decisions as domain
from kulkuri.shared.events import holds as events
from kulkuri.shared.events.envelope import SPEC_VERSION

SOURCE = "urn:kulkuri:holds"
_ID_NAMESPACE = uuid.UUID("5a0d7c1e-8a5f-4c3e-9f0e-6b1d2c3a4b5c")

EVENT_FOR: dict[type[Any], type[events.HoldsEvent]] = {
    domain.CopyAssigned: events.CopyAssigned,
    domain.TransferRequested: events.TransferRequested,
    domain.TransferRetargeted: events.TransferRetargeted,
    domain.TransferCancelled: events.TransferCancelled,
    domain.HoldQueued: events.HoldQueued,
    domain.HoldReadyForPickup: events.HoldReadyForPickup,
    domain.HoldClosed: events.HoldClosed,
    domain.ItemShelved: events.ItemShelved,
    domain.Anomaly: events.AnomalyRecorded,
}


def _fields(decision_class: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(decision_class))


# Per decision type: its event class, that event's data class and the decision's field names
# (decisions are flat, so reading the fields directly replaces ``dataclasses.asdict``).
_SHAPES: dict[type[Any], tuple[type[events.HoldsEvent], Any, tuple[str, ...]]] = {
    decision_class: (
        event_class,
        event_class.model_fields["data"].annotation,
        _fields(decision_class),
    )
    for decision_class, event_class in EVENT_FOR.items()
}


def decision_event(
    decision: domain.Decision,
    *,
    bib_id: str,
    cause: str,
    index: int,
    decided_at: datetime,
) -> events.HoldsEvent:
    """The event for the ``index``-th decision taken while handling ``cause`` (the causing
    event's dedupe key, or a name for a scheduled job's round)."""
    event_class, data_class, names = _SHAPES[type(decision)]
    fields = {name: getattr(decision, name) for name in names}
    fields["bib_id"] = bib_id
    fields["decided_at"] = decided_at
    event_id = uuid.uuid5(_ID_NAMESPACE, f"{cause}\x1f{index}")
    # Built without validation: every field comes from a typed domain decision, and the
    # tests check each decision type's event against the validating constructor. Validation
    # stays where input is untrusted, on decode.
    return event_class.model_construct(
        id=str(event_id),
        source=SOURCE,
        specversion=SPEC_VERSION,
        type=event_class.TYPE,
        time=decided_at,
        data=data_class.model_construct(**fields),
    )
