"""The consortium's way of moving copies (hub or direct, how crates are packed), applied to
transfers: where a waiting copy's next van leg goes, and what crate it belongs in."""

from __future__ import annotations

from dataclasses import dataclass

from kulkuri.transport.domain import Transfer, TransferStatus
from kulkuri.transport.domain.legs import PackingMode, crate_destination, next_stop

# A copy waits for a van in these states (unloaded only short of its destination).
_WAITING_FOR_VAN = frozenset(
    {TransferStatus.REQUESTED, TransferStatus.PULLED, TransferStatus.PACKED}
)


@dataclass(frozen=True)
class Legs:
    hub: str | None = None
    packing: PackingMode = PackingMode.BY_DESTINATION

    def stop_for(self, transfer: Transfer) -> str:
        """Where the copy's next leg goes from where it is now."""
        location = transfer.location or transfer.from_library
        return next_stop(location, transfer.to_library, self.hub, self.packing)

    def crate_destination_for(self, transfer: Transfer) -> str | None:
        return crate_destination(
            transfer.to_library, self.stop_for(transfer), self.hub, self.packing
        )

    def waiting_stop(self, transfer: Transfer) -> str | None:
        """The next stop while the copy waits for a van; ``None`` while it waits for nothing
        (behind another transfer, on a van, at its destination, or ended)."""
        if transfer.stays_put:  # staff receive it where it stands: no lane to itself
            return None
        if transfer.status in _WAITING_FOR_VAN or (
            transfer.status is TransferStatus.UNLOADED and transfer.location != transfer.to_library
        ):
            return self.stop_for(transfer)
        return None
