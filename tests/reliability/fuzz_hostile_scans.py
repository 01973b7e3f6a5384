"""Hostile scans for the transport service on ``kulkuri.scans.v1``: broken records, reads of
barcodes and crates it does not know, reads at libraries outside the network, and reads of
real copies and crates out of their order.

The real ones are anchors: crates packed at Hollola and loaded onto a van before the flood,
each with the copies inside. The valid scans of the flood unload them at the hub; no
hostile scan may move them anywhere else, whichever arrives first."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from tests.reliability.fuzz_hostile import (
    TIME,
    Draft,
    JsonObject,
    broken_bytes,
    envelope,
    mutated,
    on_the_wire,
    reasons,
)
from tests.reliability.fuzz_hostile_circulation import MEMBERS, STRANGERS

SCAN = "kulkuri.scans.scan-recorded.v1"


@dataclass(frozen=True)
class LoadedCrate:
    crate_id: str
    items: list[str]
    destination: str  # where its copies are received


def scan(kind: str, barcode: str, library: str, **extra: str) -> JsonObject:
    data = {"kind": kind, "barcode": barcode, "library": library, "scanned_at": TIME}
    return envelope(SCAN, {**data, **extra})


fresh_barcodes = st.integers(min_value=0, max_value=10**6).map(lambda n: f"fzs-{n}")
fresh_crates = st.integers(min_value=0, max_value=10**6).map(lambda n: f"C-fz-{n}")
members = st.sampled_from(MEMBERS)
strangers = st.sampled_from(STRANGERS)


@st.composite
def broken(draw: st.DrawFn) -> Draft:
    base = scan(draw(st.sampled_from(["pulled", "received"])), draw(fresh_barcodes), draw(members))
    if draw(st.booleans()):
        return draw(broken_bytes(base))
    return draw(mutated(base, frozenset({"scanned_at"})))


@st.composite
def unknown_barcodes(draw: st.DrawFn) -> Draft:
    barcode, crate, library = draw(fresh_barcodes), draw(fresh_crates), draw(members)
    no_transfer = reasons("no_open_transfer", "unknown_transfer")
    choices = [
        ("unknown copy pulled", no_transfer, scan("pulled", barcode, library)),
        ("unknown copy received", no_transfer, scan("received", barcode, library)),
        ("unknown copy packed", no_transfer, scan("packed", barcode, library, crate_id=crate)),
        (
            "unknown crate loaded",
            reasons("unknown_crate"),
            scan("loaded", crate, library, van_run="r-fz"),
        ),
        ("unknown crate unloaded", reasons("unknown_crate"), scan("unloaded", crate, library)),
    ]
    what, allowed, body = draw(st.sampled_from(choices))
    return Draft(what, allowed, body, key=body["data"]["barcode"].encode())


@st.composite
def against_anchors(draw: st.DrawFn, crates: list[LoadedCrate]) -> Draft:
    """Reads of the anchors' real copies and crates that must change nothing."""
    crate = draw(st.sampled_from(crates))
    item, stranger = draw(st.sampled_from(crate.items)), draw(strangers)
    elsewhere = reasons("unknown_library")
    choices = [
        (
            "crate unloaded outside the network",
            elsewhere,
            scan("unloaded", crate.crate_id, stranger),
        ),
        (
            "crate loaded outside the network",
            elsewhere,
            scan("loaded", crate.crate_id, stranger, van_run="r-fz"),
        ),
        ("copy pulled outside the network", elsewhere, scan("pulled", item, stranger)),
        ("copy received outside the network", elsewhere, scan("received", item, stranger)),
        (
            "copy received before its crate arrived",
            reasons("illegal_transition"),
            scan("received", item, crate.destination),
        ),
    ]
    what, allowed, body = draw(st.sampled_from(choices))
    return Draft(what, allowed, body, key=body["data"]["barcode"].encode())


def hostile_scans(crates: list[LoadedCrate]) -> st.SearchStrategy[Draft]:
    return on_the_wire(st.one_of(broken(), broken(), unknown_barcodes(), against_anchors(crates)))
