"""Commands on the lane worker's control topic: what is accepted and what is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kulkuri.transport.lanes.commands import Command, Publish, Tick, decode_command, encode_command


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(Tick(dt.datetime(2026, 8, 3, 6, 1, tzinfo=dt.UTC)), id="tick"),
        pytest.param(Publish(dt.date(2026, 8, 3)), id="publish"),
    ],
)
def test_a_command_survives_its_json_form(command: Command) -> None:
    assert decode_command(encode_command(command)) == command


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(["tick"], id="not-an-object"),
        pytest.param({"action": "reset"}, id="unknown-action"),
        pytest.param({"action": "tick"}, id="tick-without-time"),
        pytest.param({"action": "tick", "now": "2026-08-03T06:00:00"}, id="naive-time"),
        pytest.param({"action": "publish", "day": "3.8.2026"}, id="bad-day"),
    ],
)
def test_anything_else_is_refused(value: Any) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies by case
        decode_command(value)
