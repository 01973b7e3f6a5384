"""Requests on the lane worker's control topic: timer ticks and on-demand publications.

Every publication goes through this one-partition topic, so publications are handled one at a
time, in order, by whichever worker holds it, and the "published" table beside it is
co-partitioned with it. The timer sends a :class:`Tick` with its clock's time; an operator
(``kulkuri lanes publish``), a test or the benchmark sends :class:`Publish` for one day, or a
:class:`Tick` with a chosen time to see the cut-off rule act without waiting for 06:00.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer

from kulkuri.shared.messaging.security import client_security
from kulkuri.shared.settings import KafkaSettings
from kulkuri.transport.lanes.settings import LaneSettings


@dataclass(frozen=True)
class Tick:
    """Publish today's demand if ``now`` is past today's cut-off and it is not yet published."""

    now: dt.datetime


@dataclass(frozen=True)
class Publish:
    """Publish ``day``'s demand now, even if it was published before (a new publication)."""

    day: dt.date


Command = Tick | Publish


def encode_command(command: Command) -> dict[str, Any]:
    match command:
        case Tick(now):
            return {"action": "tick", "now": now.isoformat()}
        case Publish(day):
            return {"action": "publish", "day": day.isoformat()}


def decode_command(value: Any) -> Command:
    """Raises ``ValueError`` for anything that is not a command this version knows."""
    if not isinstance(value, dict):
        raise ValueError(f"a command is a JSON object, not {type(value).__name__}")
    action = value.get("action")
    try:
        if action == "tick":
            now = dt.datetime.fromisoformat(value["now"])
            if now.tzinfo is None:
                raise ValueError("a tick's time needs a UTC offset")
            return Tick(now)
        if action == "publish":
            return Publish(dt.date.fromisoformat(value["day"]))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"malformed {action} command: {exc!r}") from exc
    raise ValueError(f"unknown action {action!r}")


async def send_commands(
    bootstrap_servers: str,
    settings: LaneSettings,
    commands: list[Command],
    *,
    kafka: KafkaSettings | None = None,
) -> None:
    """Send commands to the worker (no idempotent producer: Tansu has none); ``kafka``: the
    security options to connect with (``None``: plaintext)."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=False,
        **client_security(kafka),
    )
    await producer.start()
    try:
        for command in commands:
            value = json.dumps(encode_command(command)).encode()
            await producer.send_and_wait(settings.control_topic, value, key=b"lanes")
    finally:
        await producer.stop()
