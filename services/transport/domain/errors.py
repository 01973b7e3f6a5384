"""Why the transport domain rejects a command; every rejection names the transfer, item or
crate (``entity``).

Hierarchy::

    RejectedCommand            bad input: HTTP 409/404, or a dead letter; nothing was changed
    ├── IllegalTransition      the transfer's status does not allow the action
    ├── UnknownTransfer        no transfer with this id
    ├── NoOpenTransfer         a scanned item has no open transfer
    ├── ConflictingRequest     a transfer id requested again with other details
    ├── InvalidRequest         a transfer request that cannot describe a journey
    ├── InvalidCrate           a crate that cannot exist (capacity, id not printable)
    ├── IllegalCrateTransition the crate's status does not allow the action
    ├── CrateFull              no room in the crate for another item
    ├── WrongCrate             the crate goes elsewhere than the item
    └── ManifestMismatch       the item is (or is not) in the crate already

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


class InvalidCrate(RejectedCommand):
    def __init__(self, crate_id: str, reason: str) -> None:
        super().__init__(f"crate {crate_id!r}: {reason}", crate_id)
        self.reason = reason


class IllegalCrateTransition(RejectedCommand):
    """Like ``IllegalTransition``, for a crate: ``status`` is what the crate is now."""

    def __init__(self, crate_id: str, status: str, action: str, expected: str) -> None:
        super().__init__(
            f"crate {crate_id} is {status}; expected {expected} before {action}", crate_id
        )
        self.status = status
        self.action = action
        self.expected = expected


class CrateFull(RejectedCommand):
    def __init__(self, crate_id: str, capacity: int) -> None:
        super().__init__(
            f"crate {crate_id} is full ({capacity} of {capacity} items); "
            "expected a crate with room",
            crate_id,
        )
        self.capacity = capacity


class WrongCrate(RejectedCommand):
    """``goes_to`` is where the crate goes, ``wanted`` where the item must go."""

    def __init__(self, crate_id: str, goes_to: str, wanted: str) -> None:
        super().__init__(
            f"crate {crate_id} goes to {goes_to}; expected a crate for {wanted}", crate_id
        )
        self.goes_to = goes_to
        self.wanted = wanted


class ManifestMismatch(RejectedCommand):
    def __init__(self, crate_id: str, transfer_id: str, problem: str, expected: str) -> None:
        super().__init__(
            f"crate {crate_id}: transfer {transfer_id} {problem}; expected {expected}", crate_id
        )
        self.transfer_id = transfer_id
