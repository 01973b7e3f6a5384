"""Pure domain of the transport service: standard library only.

``Transfer`` is one copy's journey between libraries; ``TransportLedger`` keeps the transfers
and the rule that an item's transfers run one after another. ``legs`` says where a copy's
next van leg goes (straight, or via the hub); a ``Crate`` carries copies on a leg, and
``plan_packing`` decides which copies share a crate.
"""

from kulkuri.transport.domain.crates import Crate, CrateStatus, CrateStep, new_crate_id
from kulkuri.transport.domain.errors import (
    ConflictingRequest,
    CrateFull,
    IllegalCrateTransition,
    IllegalTransition,
    InvalidCrate,
    InvalidRequest,
    ManifestMismatch,
    NoOpenTransfer,
    RejectedCommand,
    UnknownTransfer,
    WrongCrate,
)
from kulkuri.transport.domain.item_queue import (
    TransferActivated,
    TransferQueued,
    TransportLedger,
)
from kulkuri.transport.domain.legs import PackingMode, crate_destination, next_stop
from kulkuri.transport.domain.packing import (
    Assignment,
    CopyToPack,
    NewCrate,
    PackingPlan,
    plan_packing,
)
from kulkuri.transport.domain.transfer import (
    Step,
    Transfer,
    TransferReason,
    TransferRequest,
    TransferStatus,
)

__all__ = [
    "Assignment",
    "ConflictingRequest",
    "CopyToPack",
    "Crate",
    "CrateFull",
    "CrateStatus",
    "CrateStep",
    "IllegalCrateTransition",
    "IllegalTransition",
    "InvalidCrate",
    "InvalidRequest",
    "ManifestMismatch",
    "NewCrate",
    "NoOpenTransfer",
    "PackingMode",
    "PackingPlan",
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
    "WrongCrate",
    "crate_destination",
    "new_crate_id",
    "next_stop",
    "plan_packing",
]
