"""Why the allocation domain rejects an event; every rejection names the entity it is about.

Hierarchy::

    RejectedEvent            bad input: the handler dead-letters the event and keeps consuming
    ├── UnknownItem          no such copy of this title
    ├── UnknownHold          no such hold on this title
    └── ContradictsState     the event cannot be applied to the state safely

``kulkuri.holds.domain.model.UnknownLibrary`` (a library outside the consortium) is bad input
of the same kind. The aggregate checks everything before it changes anything, so a rejected
event leaves it exactly as it was. Contradictions that can be handled safely are not errors:
they are recorded as ``Anomaly`` decisions and the event is applied.
"""

from __future__ import annotations


class RejectedEvent(Exception):
    """An event the aggregate refuses; ``entity`` is the id it is about."""

    def __init__(self, message: str, entity: str) -> None:
        super().__init__(message)
        self.entity = entity


class UnknownItem(RejectedEvent):
    def __init__(self, item_id: str, bib_id: str) -> None:
        super().__init__(f"item {item_id!r} is not a copy of title {bib_id!r}", item_id)
        self.bib_id = bib_id


class UnknownHold(RejectedEvent):
    def __init__(self, hold_id: str, bib_id: str) -> None:
        super().__init__(f"hold {hold_id!r} is not a hold on title {bib_id!r}", hold_id)
        self.bib_id = bib_id


class ContradictsState(RejectedEvent):
    """``reason`` says what the event claims and why the state forbids it."""

    def __init__(self, entity: str, reason: str) -> None:
        super().__init__(f"{entity!r}: {reason}", entity)
        self.reason = reason
