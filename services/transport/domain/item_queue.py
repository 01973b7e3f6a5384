"""An item's transfers run one at a time: the ``TransportLedger``.

A transfer requested for a copy that already has an open transfer waits behind it (status
``waiting``) and goes on the pull list when the earlier one ends (received, cancelled or
missing); the earlier one is never cancelled to make room. Requests are idempotent on the
transfer id. The ledger records ``TransferQueued`` and ``TransferActivated`` in ``decisions``
for the handler layer to publish or log; it never publishes them itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from kulkuri.transport.domain.errors import ConflictingRequest, NoOpenTransfer, UnknownTransfer
from kulkuri.transport.domain.transfer import Transfer, TransferReason, TransferRequest


@dataclass(frozen=True)
class TransferQueued:
    """``transfer_id`` waits until ``behind``, the same copy's open transfer, ends."""

    transfer_id: str
    item_id: str
    behind: str


@dataclass(frozen=True)
class TransferActivated:
    """``transfer_id`` stopped waiting because ``after`` ended."""

    transfer_id: str
    item_id: str
    after: str


Decision = TransferQueued | TransferActivated


@dataclass
class TransportLedger:
    transfers: dict[str, Transfer] = field(default_factory=dict)
    open_by_item: dict[str, list[str]] = field(default_factory=dict)  # first one is active
    decisions: list[Decision] = field(default_factory=list)

    def request(self, request: TransferRequest, at: datetime) -> Transfer:
        """Create the transfer; the same request again changes nothing."""
        existing = self.transfers.get(request.transfer_id)
        if existing is not None:
            differences = existing.request.differences(request)
            if differences:
                raise ConflictingRequest(request.transfer_id, differences)
            return existing
        queue = self.open_by_item.setdefault(request.item_id, [])
        behind = queue[0] if queue else None
        transfer = Transfer.create(request, at, behind)
        self.transfers[request.transfer_id] = transfer
        queue.append(request.transfer_id)
        if behind is not None:
            self.decisions.append(TransferQueued(request.transfer_id, request.item_id, behind))
        return transfer

    def get(self, transfer_id: str) -> Transfer:
        try:
            return self.transfers[transfer_id]
        except KeyError:
            raise UnknownTransfer(transfer_id) from None

    def active_for(self, item_id: str) -> Transfer:
        """The transfer a scan of this copy's barcode is about."""
        queue = self.open_by_item.get(item_id)
        if not queue:
            raise NoOpenTransfer(item_id)
        return self.transfers[queue[0]]

    def waiting_for(self, item_id: str) -> list[Transfer]:
        return [self.transfers[t] for t in self.open_by_item.get(item_id, [])[1:]]

    def pull(self, transfer_id: str, at: datetime, library: str) -> Transfer:
        return self._apply(transfer_id, at, lambda t: t.pull(at, library))

    def pack(self, transfer_id: str, crate_id: str, at: datetime) -> Transfer:
        return self._apply(transfer_id, at, lambda t: t.pack(crate_id, at))

    def load(self, transfer_id: str, run_id: str, at: datetime) -> Transfer:
        return self._apply(transfer_id, at, lambda t: t.load(run_id, at))

    def unload(self, transfer_id: str, at: datetime, library: str) -> Transfer:
        return self._apply(transfer_id, at, lambda t: t.unload(at, library))

    def receive(self, transfer_id: str, at: datetime, library: str) -> Transfer:
        return self._apply(transfer_id, at, lambda t: t.receive(at, library))

    def cancel(self, transfer_id: str, reason: str, at: datetime) -> Transfer:
        return self._apply(transfer_id, at, lambda t: t.cancel(reason, at))

    def mark_missing(self, transfer_id: str, at: datetime) -> Transfer:
        return self._apply(transfer_id, at, lambda t: t.mark_missing(at))

    def retarget(
        self,
        transfer_id: str,
        to_library: str,
        at: datetime,
        *,
        reason: TransferReason | None = None,
        hold_id: str | None = None,
    ) -> Transfer:
        def action(transfer: Transfer) -> None:
            transfer.retarget(to_library, at, reason=reason, hold_id=hold_id)

        return self._apply(transfer_id, at, action)

    def _apply(
        self, transfer_id: str, at: datetime, action: Callable[[Transfer], None]
    ) -> Transfer:
        transfer = self.get(transfer_id)
        action(transfer)
        if not transfer.is_open:
            self._release(transfer, at)
        return transfer

    def _release(self, ended: Transfer, at: datetime) -> None:
        """Take an ended transfer out of its copy's queue; the next one becomes active."""
        queue = self.open_by_item[ended.item_id]
        was_active = queue[0] == ended.transfer_id
        queue.remove(ended.transfer_id)
        if not queue:
            del self.open_by_item[ended.item_id]
            return
        head = self.transfers[queue[0]]
        if was_active:
            head.activate(at, after=ended.transfer_id)
            self.decisions.append(
                TransferActivated(head.transfer_id, head.item_id, ended.transfer_id)
            )
        for waiting in queue[1:]:
            self.transfers[waiting].wait_behind(head.transfer_id)
