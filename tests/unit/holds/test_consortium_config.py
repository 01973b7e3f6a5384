"""A consortium edits its TOML config; kulkuri loads it or says which key is wrong."""

from __future__ import annotations

from datetime import date, time

import pytest

from kulkuri.holds.adapters.config_format import format_day, parse_day
from kulkuri.holds.adapters.consortium_config import (
    SAMPLE_LASTU,
    ConsortiumConfigError,
    load_consortium_config,
    parse_consortium_config,
    write_sample_config,
)
from kulkuri.holds.domain.consortium import CollectionPolicy, QueueOrder
from kulkuri.shared.libraries import load_outlets

HEADER = """
format_version = 1

[consortium]
name = "Test"
version = "1"
"""

RULES = """
[transport]
circuity = 1.3
{overrides}

[queue]
order = "strict"
local_priority_days = 0

[collections]
default_policy = "return_to_owner"

[collections.policies]
adult-fiction = "{policy}"

[formats]
digital = ["ebook"]
"""

LIBRARY = """
[[libraries]]
id = "{id}"
name = "Library {id}"
municipality = "Lahti"
lat = 60.98
lon = 25.66

[libraries.hours]
mon = "{monday}"
tue = "08:00-19:00"
wed = "08:00-19:00"
thu = "08:00-19:00"
fri = "08:00-19:00"
sat = "10:00-16:00"
sun = "closed"

[libraries.hours.exceptions]
2026-12-24 = "closed"
"""

DISABLED = """
[[transport.overrides]]
from = "85910"
to = "85520"
disabled = true
"""


def config(
    *,
    header: str = HEADER,
    overrides: str = "",
    policy: str = "floating",
    ids: tuple[str, ...] = ("85910", "85520"),
    monday: str = "08:00-19:00",
) -> str:
    libraries = "".join(LIBRARY.format(id=i, monday=monday) for i in ids)
    return header + RULES.format(overrides=overrides, policy=policy) + libraries


def test_the_shipped_lastu_sample_loads_with_its_19_libraries() -> None:
    lastu = load_consortium_config(SAMPLE_LASTU)
    assert lastu.name == "Lastu"
    assert len(lastu.libraries) == 19
    assert lastu.library("85910").name == "Lahden pääkirjasto"
    assert lastu.queue_policy.order is QueueOrder.STRICT
    assert lastu.policy_for("young-adult") is CollectionPolicy.REBALANCE
    assert not lastu.needs_transport("celia")
    assert lastu.costs.overrides == {}


def test_the_national_network_is_every_outlet_of_the_directory() -> None:
    finland = parse_consortium_config(write_sample_config("Finland"), source="<Finland>")

    assert finland.name == "Finland"
    assert len(finland.libraries) == len(load_outlets(None)) == 720
    assert {"85910", "84924"} <= set(finland.libraries)


def test_the_shipped_lastu_sample_is_what_the_generator_writes_today() -> None:
    expected = write_sample_config("Lastu")
    assert SAMPLE_LASTU.read_text("utf-8") == expected, (
        "services/holds/sample/lastu.toml is stale: regenerate it with "
        "`python -m kulkuri.holds.adapters.consortium_config Lastu`"
    )


def test_lahti_main_library_is_closed_on_sundays_in_the_sample() -> None:
    lastu = load_consortium_config(SAMPLE_LASTU)
    sunday, monday = date(2026, 11, 29), date(2026, 11, 30)
    assert "85910" not in lastu.open_sources_on(sunday)
    assert lastu.opening_hours["85910"].periods_on(monday) == ((time(8), time(19)),)


def test_a_valid_config_becomes_the_domain_consortium() -> None:
    consortium = parse_consortium_config(config(overrides=DISABLED))
    assert consortium.costs.cost("85910", "85520") is None
    assert consortium.costs.cost("85520", "85910") is not None
    assert not consortium.opening_hours["85910"].is_open_on(date(2026, 12, 24))
    assert consortium.digital_formats == {"ebook"}


def test_a_day_can_have_several_periods() -> None:
    periods = parse_day("10:00-12:00, 13:00-19:00")
    assert periods == ((time(10), time(12)), (time(13), time(19)))
    assert format_day(periods) == "10:00-12:00, 13:00-19:00"
    assert parse_day("closed") == () and format_day(()) == "closed"


BAD_CONFIGS = [
    pytest.param(
        config(overrides=DISABLED.replace("85520", "99999")),
        ["transport.overrides[0].to", "99999", "not one of the [[libraries]]"],
        id="override-names-unknown-library",
    ),
    pytest.param(
        config(overrides=DISABLED.replace("disabled = true", "cost_m = -5")),
        ["transport.overrides[0].cost_m", "greater than or equal to 0"],
        id="negative-cost",
    ),
    pytest.param(
        config(overrides=DISABLED.replace("disabled = true", "")),
        ["transport.overrides[0]", "either cost_m"],
        id="override-without-cost",
    ),
    pytest.param(
        config(overrides=DISABLED + DISABLED),
        ["transport.overrides[1]", "given twice"],
        id="override-given-twice",
    ),
    pytest.param(
        config(monday="08:00-25:00"),
        ["libraries[0].hours.mon (library 85910)", "25:00"],
        id="hour-25",
    ),
    pytest.param(
        config(monday="19:00-08:00"),
        ["libraries[0].hours.mon", "closes before it opens"],
        id="closes-before-opening",
    ),
    pytest.param(
        config(monday="all day"),
        ["libraries[0].hours.mon", "'all day'"],
        id="hours-not-periods",
    ),
    pytest.param(
        config(ids=("85910", "85520", "85910")),
        ["libraries[2].id", "'85910' is already libraries[0]"],
        id="duplicate-library-id",
    ),
    pytest.param(
        config(policy="float"),
        ["collections.policies.adult-fiction", "'floating', 'return_to_owner' or 'rebalance'"],
        id="unknown-policy",
    ),
    pytest.param(
        config().replace("circuity", "circuty"),
        ["transport.circuty", "Extra inputs are not permitted"],
        id="misspelt-key",
    ),
    pytest.param(
        config().replace("circuity = 1.3", "circuity = 0.8"),
        ["transport.circuity", "greater than or equal to 1"],
        id="circuity-below-one",
    ),
    pytest.param(
        config().replace("local_priority_days = 0", "local_priority_days = 7"),
        ["queue", 'local_priority_days must be 0 with order = "strict"'],
        id="strict-queue-with-priority-days",
    ),
    pytest.param(
        config().replace("2026-12-24", "2026-02-30"),
        ["libraries[0].hours.exceptions.2026-02-30 (the key)"],
        id="impossible-exception-date",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD_CONFIGS)
def test_a_bad_config_is_refused_naming_the_offending_key(text: str, expected: list[str]) -> None:
    with pytest.raises(ConsortiumConfigError) as refused:
        parse_consortium_config(text, source="test.toml")
    message = str(refused.value)
    assert message.startswith("test.toml: ")
    for fragment in expected:
        assert fragment in message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(HEADER.replace("= 1\n", "= 2\n", 1), "format_version = 2 is not", id="v2"),
        pytest.param(HEADER.replace("format_version = 1", ""), "is missing", id="missing"),
        pytest.param(HEADER.replace("= 1\n", '= "1"\n', 1), "= '1' is not", id="string"),
    ],
)
def test_only_format_version_1_is_read(header: str, expected: str) -> None:
    with pytest.raises(ConsortiumConfigError, match=expected) as refused:
        parse_consortium_config(config(header=header))
    assert "this kulkuri reads format_version = 1" in str(refused.value)


def test_a_file_that_is_not_toml_is_refused_with_its_name() -> None:
    with pytest.raises(ConsortiumConfigError, match=r"^lastu\.toml: not valid TOML"):
        parse_consortium_config("format_version = = 1", source="lastu.toml")


def test_a_config_error_is_a_value_error() -> None:
    assert issubclass(ConsortiumConfigError, ValueError)
