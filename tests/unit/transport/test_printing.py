"""Printed lists are A4 pages, one library per page, with names escaped; an empty list says
so in words; crate labels carry a Code 128 barcode that scans back as the crate id; views
turn into plain JSON."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
from barcode.charsets.code128 import CODES

from kulkuri.transport.adapters.printing import (
    BARCODE_OPTIONS,
    barcode_svg,
    render_crate_labels,
    render_packing_lists,
    render_pull_lists,
    render_receiving_lists,
)
from kulkuri.transport.domain import Crate
from kulkuri.transport.service_layer.views import (
    CrateLabelView,
    PackedCrate,
    PackedItem,
    PackingListView,
    PullLine,
    PullListView,
    ReceivingLine,
    ReceivingListView,
)
from tests.unit.transport.transfers import HEINOLA, HOLLOLA, HUB, LAHTI, at

DAY = date(2026, 8, 3)
CRATE = "K-85910-20260803-0007"
SNEAKY = "<script>alert(1)</script> & Co"


def pull_view(library: str = LAHTI, name: str = "Lahden pääkirjasto") -> PullListView:
    line = PullLine("i1", "b1", "i1:1", HOLLOLA, "Hollola", "hold", "84.2 MAN", "h1")
    return PullListView(
        library, name, DAY, (line, PullLine("i2", "b2", "i2:1", HEINOLA, "Heinola", "rebalance"))
    )


def label(
    route: str | None = "R3", stop: str | None = "S07", name: str = "Hollola"
) -> CrateLabelView:
    return CrateLabelView(CRATE, LAHTI, HOLLOLA, name, HUB, route, stop, DAY, 12, 40, "Hub")


def pages(html: str) -> int:
    return len(re.findall(r'<section class="page\b', html))


def test_a_printed_list_is_a4_with_one_page_per_library() -> None:
    html = render_pull_lists([pull_view(), pull_view(HEINOLA, "Heinolan kaupunginkirjasto")])

    assert "@page { size: A4; margin: 12mm }" in html
    assert ".page { break-after: page }" in html
    assert pages(html) == 2
    assert html.index("Lahden pääkirjasto") < html.index("Heinolan kaupunginkirjasto")


def test_the_pull_list_shows_the_shelf_location_when_known() -> None:
    html = render_pull_lists([pull_view()])

    assert "84.2 MAN" in html
    assert re.search(r"<td>—</td>\s*<td>i2</td>", html)
    assert "rebalance" in html and "return to owner" not in html


@pytest.mark.parametrize(
    ("render", "view", "wording"),
    [
        (render_pull_lists, PullListView(LAHTI, "Lahti", DAY), "Nothing to pull today"),
        (render_packing_lists, PackingListView(LAHTI, "Lahti", DAY), "Nothing to pack today"),
        (
            render_receiving_lists,
            ReceivingListView(LAHTI, "Lahti", DAY),
            "Nothing to receive today",
        ),
    ],
    ids=["pull", "packing", "receiving"],
)
def test_an_empty_list_says_there_is_nothing_to_do(
    render: Callable[[Sequence[Any]], str], view: object, wording: str
) -> None:
    html = render([view])

    assert wording in html
    assert pages(html) == 1
    assert "<table>" not in html


def test_names_from_library_systems_are_escaped() -> None:
    html = render_pull_lists([pull_view(name=SNEAKY)]) + render_crate_labels([label(name=SNEAKY)])

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html


def test_the_packing_list_shows_each_crate_with_its_contents() -> None:
    items = (
        PackedItem("i1", "b1", "i1:1", HOLLOLA, "Hollola"),
        PackedItem("i2", "b2", "i2:1", HEINOLA, "Heinola"),
    )
    whole = PackedCrate(CRATE, HUB, "Hub", HOLLOLA, 40, items[:1], "Hollola")
    mixed = PackedCrate("K-85910-20260803-0008", HUB, "Hub", None, 40, items)
    html = render_packing_lists([PackingListView(LAHTI, "Lahti", DAY, (whole, mixed))])

    assert f"Crate {CRATE} → Hub" in html
    assert "for Hollola, carried whole" in html
    assert "mixed, unpacked at the hub" in html
    assert "1 / 40" in html and "2 / 40" in html
    assert html.count("<tr>") == 2 + 3  # two heading rows, three items


def test_the_receiving_list_shows_when_each_copy_is_expected() -> None:
    lines = (
        ReceivingLine(
            "i1",
            "b1",
            "i1:1",
            LAHTI,
            "Lahti",
            CRATE,
            "run-3",
            "loaded",
            datetime(2026, 8, 3, 13, 40, tzinfo=UTC),
        ),
        ReceivingLine("i2", "b2", "i2:1", HEINOLA, "Heinola", None, None, "packed", None),
    )
    html = render_receiving_lists([ReceivingListView(HOLLOLA, "Hollola", DAY, lines)])

    assert "2026-08-03 13:40" in html
    assert CRATE in html and "run-3" in html
    assert re.search(r"<td>packed</td>\s*<td>—</td>", html)


def test_the_receiving_list_marks_copies_that_stay_here_to_be_scanned_in() -> None:
    on_shelf = ReceivingLine("i1", "b1", "i1:1", HOLLOLA, "Hollola", None, None, "requested", None)
    in_crate = ReceivingLine("i2", "b2", "i2:1", HOLLOLA, "Hollola", CRATE, None, "packed", None)
    lines = (
        dataclasses.replace(on_shelf, stays_here=True),
        dataclasses.replace(in_crate, stays_here=True),
    )
    html = render_receiving_lists([ReceivingListView(HOLLOLA, "Hollola", DAY, lines)])

    assert re.search(r"<td>stays here: never left \(requested\)</td>\s*<td>here now</td>", html)
    assert "stays here: never left (packed, take it out of its crate)" in html
    assert lines[0].to_json()["stays_here"] is True


def test_two_crate_labels_fit_on_a_page() -> None:
    html = render_crate_labels([label(), label(), label()])

    assert pages(html) == 2
    assert html.count('<div class="label">') == 3


def test_a_label_shows_destination_route_and_stop_code() -> None:
    html = render_crate_labels([label()])

    assert '<p class="destination">Hollola</p>' in html
    assert "Route R3 · Stop S07" in html
    assert "via Hub" in html
    assert "12 / 40 items" in html


def test_a_label_without_a_route_says_not_routed_yet() -> None:
    html = render_crate_labels([label(route=None, stop=None)])

    assert "not routed yet" in html
    assert "Route" not in html


def test_the_label_barcode_is_an_inline_svg_of_the_crate_id() -> None:
    html = render_crate_labels([label(), label()])

    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)
    assert len(svgs) == 2
    assert "<?xml" not in html and 'id="barcode_group"' not in html
    assert f">{CRATE}</text>" in svgs[0]
    assert decode_code128(svgs[0]) == CRATE


@pytest.mark.parametrize("value", [CRATE, "K-HUB-20260803-0001", "K-1"])
def test_the_barcode_scans_back_as_the_value(value: str) -> None:
    assert decode_code128(barcode_svg(value)) == value


def decode_code128(svg: str) -> str:
    """Read the bars back: module widths -> 11-module symbols -> Code 128 sets B and C."""
    module = float(BARCODE_OPTIONS["module_width"])
    bars = [
        (round(float(x) / module), round(float(width) / module))
        for x, width in re.findall(r'<rect x="([\d.]+)mm" y="[\d.]+mm" width="([\d.]+)mm"', svg)
    ]
    first = bars[0][0]
    modules = ["0"] * (bars[-1][0] + bars[-1][1] - first)
    for x, width in bars:
        modules[x - first : x - first + width] = ["1"] * width
    bits = "".join(modules)
    assert bits.endswith("11")  # the stop symbol's final bar
    symbols = [CODES.index(bits[i : i + 11]) for i in range(0, len(bits) - 13, 11)]
    start, *data, check = symbols
    assert (start + sum(i * v for i, v in enumerate(data, start=1))) % 103 == check
    charset = {103: "A", 104: "B", 105: "C"}[start]
    text = ""
    for value in data:
        if value in (99, 100, 101):
            charset = {99: "C", 100: "B", 101: "A"}[value]
        elif charset == "C":
            text += f"{value:02d}"
        else:
            text += chr(value + 32)
    return text


def test_views_turn_into_plain_json_with_iso_dates() -> None:
    data = pull_view().to_json()

    assert json.loads(json.dumps(data)) == data
    assert data["day"] == "2026-08-03"
    assert data["lines"][0] == {
        "item_id": "i1",
        "bib_id": "b1",
        "transfer_id": "i1:1",
        "to_library": HOLLOLA,
        "to_library_name": "Hollola",
        "reason": "hold",
        "shelf_location": "84.2 MAN",
        "hold_id": "h1",
    }
    assert label(route=None).to_json()["route_code"] is None


def test_a_crate_label_is_made_from_the_crate() -> None:
    crate = Crate.open(CRATE, LAHTI, HUB, HOLLOLA, DAY, 40, at(0))
    crate.add("i1:1", HUB, HOLLOLA)

    view = CrateLabelView.for_crate(crate, {HOLLOLA: "Hollola", HUB: "Hub"}, "R3", None)

    assert view == CrateLabelView(
        CRATE, LAHTI, HOLLOLA, "Hollola", HUB, "R3", None, DAY, 1, 40, "Hub"
    )
    assert view.via_hub
