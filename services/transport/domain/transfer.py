"""One copy's journey between libraries: the ``Transfer`` aggregate and its lifecycle.

    waiting -> requested -> pulled -> packed -> loaded -> unloaded -> received
                                         ^         ^          |
                                         |         +----------+  (crate carried whole via a hub)
                                         +--------------------+  (repacked at a hub)

``waiting``: queued behind an earlier open transfer of the same copy (see ``item_queue``).
Any open transfer can be cancelled or re-targeted; one that is requested or on its way can be
marked missing. Re-targeted to the library it has not left yet (``stays_put``), the copy needs
no van: staff there scan it received where it stands. Each method checks first and changes
after, so a rejected action leaves the transfer unchanged; every change appends a ``Step`` to
``history``, which is never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum

from kulkuri.transport.domain.errors import IllegalTransition, InvalidRequest


class TransferStatus(StrEnum):
    WAITING = "waiting"  # behind an earlier open transfer of the same copy
    REQUESTED = "requested"  # on the pull list of from_library
    PULLED = "pulled"  # fetched from the shelf
    PACKED = "packed"  # in a crate
    LOADED = "loaded"  # on a van run
    UNLOADED = "unloaded"  # off the van at a hub or at the destination
    RECEIVED = "received"  # scanned in at the destination
    CANCELLED = "cancelled"
    MISSING = "missing"


ENDED = frozenset({TransferStatus.RECEIVED, TransferStatus.CANCELLED, TransferStatus.MISSING})
# The copy has not left the library it is going from: on the shelf, in hand, or in a crate
# no van has taken yet.
NOT_YET_LEFT = frozenset({TransferStatus.REQUESTED, TransferStatus.PULLED, TransferStatus.PACKED})
RECEIVED_WHERE_IT_STOOD = "received where it stood: it had not left"
# Missing can be declared for a copy the staff look for: on the pull list or on its way.
MAY_GO_MISSING = frozenset(
    {
        TransferStatus.REQUESTED,
        TransferStatus.PULLED,
        TransferStatus.PACKED,
        TransferStatus.LOADED,
        TransferStatus.UNLOADED,
    }
)


class TransferReason(StrEnum):
    """Why the copy travels; the values of ``reason`` in ``transfer-requested``."""

    HOLD = "hold"
    RETURN_TO_OWNER = "return_to_owner"
    REBALANCE = "rebalance"


@dataclass(frozen=True)
class TransferRequest:
    """What ``kulkuri.holds.transfer-requested.v1`` asks for."""

    transfer_id: str
    item_id: str
    bib_id: str
    from_library: str
    to_library: str
    reason: TransferReason
    hold_id: str | None = None

    def __post_init__(self) -> None:
        if self.transfer_id.rpartition(":")[0] != self.item_id:
            raise InvalidRequest(self.transfer_id, f"expected an id of item {self.item_id}")
        if self.from_library == self.to_library:
            raise InvalidRequest(self.transfer_id, "expected two different libraries")

    def differences(self, other: TransferRequest) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]


@dataclass(frozen=True)
class Step:
    """One entry of a transfer's history: the status it reached, when, where, and how."""

    status: TransferStatus
    at: datetime
    where: str | None = None  # a library id
    detail: str = ""


@dataclass
class Transfer:
    request: TransferRequest  # as first requested; never changes
    status: TransferStatus
    to_library: str  # the destination now: re-targeting changes it
    reason: TransferReason
    hold_id: str | None
    history: list[Step] = field(default_factory=list)
    waiting_behind: str | None = None  # the transfer of the same copy that runs first
    crate_id: str | None = None
    van_run: str | None = None
    location: str | None = None  # the library where the copy was last seen

    @classmethod
    def create(cls, request: TransferRequest, at: datetime, behind: str | None) -> Transfer:
        status = TransferStatus.WAITING if behind else TransferStatus.REQUESTED
        detail = f"waiting behind {behind}" if behind else "requested"
        return cls(
            request=request,
            status=status,
            to_library=request.to_library,
            reason=request.reason,
            hold_id=request.hold_id,
            history=[Step(status, at, request.from_library, detail)],
            waiting_behind=behind,
            location=request.from_library,
        )

    @property
    def transfer_id(self) -> str:
        return self.request.transfer_id

    @property
    def item_id(self) -> str:
        return self.request.item_id

    @property
    def bib_id(self) -> str:
        return self.request.bib_id

    @property
    def from_library(self) -> str:
        return self.request.from_library

    @property
    def is_open(self) -> bool:
        return self.status not in ENDED

    @property
    def stays_put(self) -> bool:
        """Going to the library it has not left (re-targeted there: its hold was cancelled
        and its owner is where it stands, say): staff receive it there, no van takes it."""
        return self.status in NOT_YET_LEFT and self.location == self.to_library

    def activate(self, at: datetime, after: str) -> None:
        """The transfer it waited behind ended: it goes on the pull list."""
        self._require({TransferStatus.WAITING}, "activating", "a waiting transfer")
        self.waiting_behind = None
        self._step(TransferStatus.REQUESTED, at, self.location, f"active after {after} ended")

    def wait_behind(self, transfer_id: str) -> None:
        self._require({TransferStatus.WAITING}, "queueing", "a waiting transfer")
        self.waiting_behind = transfer_id

    def pull(self, at: datetime, library: str) -> None:
        self._require_active("pulling")
        self._require({TransferStatus.REQUESTED}, "pulling", "a requested transfer")
        self._require_at(library, self.from_library, "pulling")
        self._step(TransferStatus.PULLED, at, library, "pulled from the shelf")

    def pack(self, crate_id: str, at: datetime) -> None:
        """Into a crate: after the pull, or again at a hub where the copy was unloaded."""
        at_destination = {TransferStatus.PULLED, TransferStatus.UNLOADED}
        if self.status in at_destination and self.location == self.to_library:
            raise IllegalTransition(
                self.transfer_id, f"{self.status} at its destination", "packing", "a receive"
            )
        allowed = {TransferStatus.PULLED, TransferStatus.UNLOADED}
        self._require(allowed, "packing", "a pull from the shelf or an unload at a hub")
        self.crate_id = crate_id
        self._step(TransferStatus.PACKED, at, self.location, f"crate {crate_id}")

    def load(self, run_id: str, at: datetime) -> None:
        if self.status is TransferStatus.UNLOADED and self.location == self.to_library:
            raise IllegalTransition(
                self.transfer_id, "unloaded at its destination", "loading", "a receive"
            )
        allowed = {TransferStatus.PACKED, TransferStatus.UNLOADED}
        self._require(allowed, "loading", "packing into a crate")
        self.van_run = run_id
        self._step(TransferStatus.LOADED, at, self.location, f"van run {run_id}")

    def unload(self, at: datetime, library: str) -> None:
        self._require({TransferStatus.LOADED}, "unloading", "a load onto a van run")
        self._step(TransferStatus.UNLOADED, at, library, f"off van run {self.van_run}")

    def receive(self, at: datetime, library: str) -> None:
        """Scanned in at the destination: unloaded there, or standing there all along."""
        if self.stays_put:
            self._require_at(library, self.to_library, "receiving")
            self.crate_id = None  # taken out of a crate no van took, if it was packed
            self._step(TransferStatus.RECEIVED, at, library, RECEIVED_WHERE_IT_STOOD)
            return
        self._require({TransferStatus.UNLOADED}, "receiving", "an unload at the destination")
        if self.location != self.to_library:
            raise IllegalTransition(
                self.transfer_id,
                f"unloaded at {self.location}",
                "receiving",
                f"a load onto a van run to {self.to_library}",
            )
        self._require_at(library, self.to_library, "receiving")
        self._step(TransferStatus.RECEIVED, at, library, "received")

    def cancel(self, reason: str, at: datetime) -> None:
        self._require_open("cancelling")
        self._step(TransferStatus.CANCELLED, at, self.location, f"cancelled: {reason}")

    def retarget(
        self,
        to_library: str,
        at: datetime,
        *,
        reason: TransferReason | None = None,
        hold_id: str | None = None,
    ) -> None:
        """The destination changes; status and history stay."""
        self._require_open("re-targeting")
        if to_library == self.to_library:
            raise IllegalTransition(
                self.transfer_id,
                f"already going to {to_library}",
                "re-targeting",
                "another destination",
            )
        old, self.to_library = self.to_library, to_library
        if reason is not None:  # the copy now travels for this reason (and hold)
            self.reason, self.hold_id = reason, hold_id
        self._step(self.status, at, self.location, f"re-targeted from {old} to {to_library}")

    def mark_missing(self, at: datetime) -> None:
        expected = "a requested transfer or one on its way"
        self._require(MAY_GO_MISSING, "marking missing", expected)
        self._step(TransferStatus.MISSING, at, self.location, "missing")

    def _require(
        self, allowed: set[TransferStatus] | frozenset[TransferStatus], action: str, expected: str
    ) -> None:
        if self.status not in allowed:
            raise IllegalTransition(self.transfer_id, self.status, action, expected)

    def _require_open(self, action: str) -> None:
        if not self.is_open:
            raise IllegalTransition(self.transfer_id, self.status, action, "an open transfer")

    def _require_active(self, action: str) -> None:
        if self.status is TransferStatus.WAITING:
            expected = f"transfer {self.waiting_behind} of the same item to end"
            raise IllegalTransition(self.transfer_id, self.status, action, expected)

    def _require_at(self, library: str, expected: str, action: str) -> None:
        if library != expected:
            raise IllegalTransition(
                self.transfer_id, f"scanned at {library}", action, f"a scan at {expected}"
            )

    def _step(self, status: TransferStatus, at: datetime, where: str | None, detail: str) -> None:
        self.status = status
        self.location = where
        self.history.append(Step(status, at, where, detail))
