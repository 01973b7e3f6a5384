"""Pure domain of the transport service: standard library only.

``Transfer`` is one copy's journey between libraries; ``TransportLedger`` keeps the transfers
and the rule that an item's transfers run one after another.
"""

from kulkuri.transport.domain.errors import (
    ConflictingRequest,
    IllegalTransition,
    InvalidRequest,
    NoOpenTransfer,
    RejectedCommand,
    UnknownTransfer,
)
from kulkuri.transport.domain.item_queue import (
    TransferActivated,
    TransferQueued,
    TransportLedger,
)
from kulkuri.transport.domain.transfer import (
    Step,
    Transfer,
    TransferReason,
    TransferRequest,
    TransferStatus,
)

__all__ = [
    "ConflictingRequest",
    "IllegalTransition",
    "InvalidRequest",
    "NoOpenTransfer",
    "RejectedCommand",
    "Step",
    "Transfer",
    "TransferActivated",
    "TransferQueued",
    "TransferReason",
    "TransferRequest",
    "TransferStatus",
    "TransportLedger",
    "UnknownTransfer",
]
