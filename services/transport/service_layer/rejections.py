"""How a rejected command is named to the outside: a dead letter's reason, an HTTP status.

The reason is a short machine-readable category (a metric label, a dead-letter header, the
``reason`` of an HTTP error body); the exception's message is the sentence for people.
"""

from __future__ import annotations

import re

from kulkuri.transport.domain import (
    ConflictingRequest,
    IllegalTransition,
    InvalidRequest,
    NoOpenTransfer,
    RejectedCommand,
    UnknownTransfer,
)
from kulkuri.transport.domain.errors import (
    CrateFull,
    IllegalCrateTransition,
    InvalidCrate,
    ManifestMismatch,
    WrongCrate,
)


class UnknownCrate(RejectedCommand):
    def __init__(self, crate_id: str) -> None:
        super().__init__(
            f"no crate {crate_id!r}; expected the barcode of a crate from a packing plan",
            crate_id,
        )


class MissingScanField(RejectedCommand):
    def __init__(self, kind: str, barcode: str, field: str) -> None:
        super().__init__(f"a {kind} scan of {barcode} needs {field}", barcode)


_STATUS: dict[type[RejectedCommand], int] = {
    UnknownTransfer: 404,
    NoOpenTransfer: 404,
    UnknownCrate: 404,
    IllegalTransition: 409,
    IllegalCrateTransition: 409,
    ConflictingRequest: 409,
    CrateFull: 409,
    WrongCrate: 409,
    ManifestMismatch: 409,
    InvalidRequest: 422,
    InvalidCrate: 422,
    MissingScanField: 422,
}


def reason_of(exc: RejectedCommand) -> str:
    """``IllegalTransition`` -> ``illegal_transition``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def http_status_of(exc: RejectedCommand) -> int:
    for kind in type(exc).__mro__:
        if kind in _STATUS:
            return _STATUS[kind]
    return 409
