"""Why the transport domain rejects a command; every rejection names the transfer or item.

Hierarchy::

    RejectedCommand          bad input: HTTP 409/404, or a dead letter; nothing was changed
    ├── IllegalTransition    the transfer's status does not allow the action
    ├── UnknownTransfer      no transfer with this id
    ├── NoOpenTransfer       a scanned item has no open transfer
    ├── ConflictingRequest   a transfer id requested again with other details
    └── InvalidRequest       a transfer request that cannot describe a journey

Every check runs before anything changes, so a rejected command leaves the state as it was.
"""

from __future__ import annotations


class RejectedCommand(Exception):
    """A command the domain refuses; ``entity`` is the id it is about."""

    def __init__(self, message: str, entity: str) -> None:
        super().__init__(message)
        self.entity = entity


class IllegalTransition(RejectedCommand):
    """``status`` is the transfer's status, ``action`` what was tried, ``expected`` what
    would have been accepted now."""

    def __init__(self, transfer_id: str, status: str, action: str, expected: str) -> None:
        super().__init__(
            f"transfer {transfer_id} is {status}; expected {expected} before {action}",
            transfer_id,
        )
        self.status = status
        self.action = action
        self.expected = expected


class UnknownTransfer(RejectedCommand):
    def __init__(self, transfer_id: str) -> None:
        super().__init__(f"no transfer {transfer_id!r} was requested", transfer_id)


class NoOpenTransfer(RejectedCommand):
    def __init__(self, item_id: str) -> None:
        super().__init__(
            f"item {item_id!r} has no open transfer; expected a scan of an item in transit",
            item_id,
        )


class ConflictingRequest(RejectedCommand):
    """``differences`` names the fields that differ from the first request."""

    def __init__(self, transfer_id: str, differences: list[str]) -> None:
        super().__init__(
            f"transfer {transfer_id} was already requested with other "
            f"{', '.join(differences)}; expected the same details or a new transfer id",
            transfer_id,
        )
        self.differences = differences


class InvalidRequest(RejectedCommand):
    def __init__(self, transfer_id: str, reason: str) -> None:
        super().__init__(f"transfer {transfer_id}: {reason}", transfer_id)
        self.reason = reason
