"""Simulator benchmark: how fast it produces events, and how long a simulated day takes
through the whole system.

1. Producing. The simulation of one Lastu service day and its eve (catalogue, loans out,
   the day's patrons; no system answering, as ``--dry-run``) is run and its circulation
   events sent through the simulator's producer (``CirculationProducer``: the project's
   producer, ``acks=all``, one awaited send per event) to a private Tansu broker: ``sim``,
   from the first event built to the last acknowledged. ``generate`` builds the same events
   without sending them. ``raw`` sends the same events, encoded beforehand, with a plain
   ``AIOKafkaProducer`` (``common.produce``): the ceiling of client and broker. The three run
   ``--repeats`` times in alternating order; medians are reported, and sim/raw.
2. A day through the whole system. For each network of ``--networks``, on a fresh broker
   and database: the holds, transport and routing services, the lane worker and the HTTP
   API in one process, as ``kulkuri up`` runs them, and ``run_simulated_day`` at ``--speed``
   as its demo: wall time from the first seeding event to the end of the simulated day
   (seeding, the eve, the cut-off and plan, the vans and the day), with what it did.

Run from the repository root::

    .venv/bin/python bench/simulator.py [--scale 0.02] [--repeats 3] [--speed 1800]
        [--networks Lastu,Helmet] [--output bench/results/simulator.json]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from common import (
    RESULTS_DIR,
    Environment,
    Mark,
    RunResult,
    bench_environment,
    machine_summary,
    print_runs,
    produce,
    run_repeats,
    run_summary,
    write_results,
)
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from kulkuri.cli.stack import serve
from kulkuri.holds.bootstrap import build_service as build_holds
from kulkuri.holds.config import HoldsConfig
from kulkuri.routing.bootstrap import build_service as build_routing
from kulkuri.routing.config import RoutingConfig
from kulkuri.shared.auth import TokenAuthority, authority_from
from kulkuri.shared.events import CirculationEvent, EventCodec
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import tune_gc_for_batches
from kulkuri.shared.settings import KafkaSettings
from kulkuri.simulator import SimulationConfig, SimulationSummary, run_simulated_day
from kulkuri.simulator.adapters.network_data import load_network
from kulkuri.simulator.adapters.producer import CirculationProducer
from kulkuri.simulator.core.config import HELSINKI, default_first_day
from kulkuri.simulator.core.simulation import Simulation
from kulkuri.transport.bootstrap import build_service as build_transport
from kulkuri.transport.config import TransportConfig
from kulkuri.transport.lanes.process import LaneWorkerProcess

DEFAULT_OUTPUT = RESULTS_DIR / "simulator.json"
T = TypeVar("T")
VARIANTS = ("generate", "sim", "raw")


def simulated_events(config: SimulationConfig) -> list[CirculationEvent]:
    """One day's stream as ``--dry-run`` makes it."""
    network = load_network(config.network, config.behaviour, config.zone)
    today = datetime.now(UTC).astimezone(HELSINKI).date()
    simulation = Simulation(config, network, default_first_day(today))
    events = list(simulation.start())
    while simulation.next_at is not None:
        step = simulation.step()
        events.extend(step.events)
        if step.finished:
            break
    return events


async def run_generate(config: SimulationConfig) -> RunResult:
    first = Mark.now()
    events = simulated_events(config)
    return RunResult("generate", len(events), 1, first, Mark.now())


async def run_sim(env: Environment, config: SimulationConfig) -> RunResult:
    first = Mark.now()
    async with CirculationProducer(env.bootstrap, KafkaSettings()) as producer:
        events = simulated_events(config)
        await producer.send(events)
        await producer.flush()
    return RunResult("sim", len(events), 1, first, Mark.now())


async def run_raw(env: Environment, config: SimulationConfig, run: int) -> RunResult:
    encoded = [(e.partition_key(), EventCodec.encode(e)) for e in simulated_events(config)]
    first = Mark.now()
    await produce(env.bootstrap, f"bench-simulator-raw-{run}", encoded)
    return RunResult("raw", len(encoded), 1, first, Mark.now())


async def producing(args: argparse.Namespace) -> dict[str, Any]:
    async with bench_environment("simulator") as env:
        runs = 0

        async def run_one(variant: str, run: int) -> RunResult:
            nonlocal runs
            runs += 1
            config = SimulationConfig(network="Lastu", scale=args.scale, run=f"bench{run}")
            if variant == "generate":
                return await run_generate(config)
            if variant == "sim":
                return await run_sim(env, config)
            return await run_raw(env, config, run)

        results = await run_repeats(VARIANTS, args.repeats, run_one)
    summary: dict[str, Any] = {"producing_network": "Lastu", "producing_scale": args.scale}
    summary["producing_events"] = results["sim"][0].events
    for variant in VARIANTS:
        summary.update(run_summary(variant, results[variant]))
    summary["ratio_sim_to_raw"] = round(
        summary["sim_events_per_s"] / summary["raw_events_per_s"], 3
    )
    return summary


# -- a day through the whole system ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


SystemJob = Callable[[str, TokenAuthority, KafkaSettings], Awaitable[T]]


async def through_the_stack(
    env: Environment,
    network: str,
    job: SystemJob[T],
    *,
    routing_time_limit_s: float | None = None,
    lanes: LaneWorkerProcess | None = None,
) -> T:
    """The holds, transport and routing services, the lane worker and the HTTP API in one
    process, as ``kulkuri up`` runs them, on ``env``'s broker and database, until ``job``
    (given the API's base URL, the token authority and the Kafka settings) is done.
    ``lanes``: the lane worker to run (default: one on ``env``'s broker)."""
    kafka = KafkaSettings(bootstrap_servers=env.bootstrap)
    config = HoldsConfig(kafka=kafka)
    config.database.url = env.db_url
    config.http.port = _free_port()
    config.holds.consortium = network
    config.auth.token_secret = SecretStr(secrets.token_urlsafe(32))
    transport_config = TransportConfig(
        kafka=kafka, database=config.database, http=config.http, auth=config.auth
    )
    transport_config.transport.network = network
    routing_config = RoutingConfig(
        kafka=kafka, database=config.database, http=config.http, auth=config.auth
    )
    routing_config.routing.network = network
    if routing_time_limit_s is not None:
        routing_config.routing.time_limit_s = routing_time_limit_s
    registry = CollectorRegistry()
    metrics = MessagingMetrics(registry)
    db, broker = env.db_url, env.bootstrap
    holds = build_holds(config, database_url=db, bootstrap_servers=broker, metrics=metrics)
    transport = build_transport(
        transport_config, database_url=db, bootstrap_servers=broker, metrics=metrics
    )
    routing = build_routing(
        routing_config, database_url=db, bootstrap_servers=broker, metrics=metrics
    )
    lanes = lanes or LaneWorkerProcess(env.bootstrap)
    await asyncio.to_thread(lanes.start)
    outcome: list[T] = []
    base = f"http://{config.http.host}:{config.http.port}"

    async def run_job() -> None:
        authority = authority_from(config.auth)
        assert authority is not None
        outcome.append(await job(base, authority, kafka))

    async def done() -> None:
        while not outcome:  # noqa: ASYNC110 (the job's result; serve bounds nothing else)
            await asyncio.sleep(0.5)

    try:
        await serve(
            [holds.runtime, transport.runtime, routing.runtime],
            registry,
            config.http,
            routers=[*holds.routers, *transport.routers, *routing.routers],
            jobs=[run_job],
            until=done,
        )
    finally:
        await asyncio.to_thread(lanes.stop)
    return outcome[0]


async def day_through_the_stack(
    env: Environment, network: str, speed: float, seed: int
) -> SimulationSummary:
    """The services as ``kulkuri up`` runs them, with the simulated day as its demo."""

    async def demo(base: str, authority: TokenAuthority, kafka: KafkaSettings) -> SimulationSummary:
        return await run_simulated_day(
            env.bootstrap,
            api_base=base,
            authority=authority,
            network=network,
            speed=speed,
            seed=seed,
            kafka=kafka,
            progress=lambda text: print(f"  {network}: {text}", flush=True),
        )

    return await through_the_stack(env, network, demo)


async def whole_days(args: argparse.Namespace) -> dict[str, Any]:
    summary: dict[str, Any] = {"day_speed": args.speed}
    for network in args.networks:
        async with bench_environment(f"simulator_{network.lower()}") as env:
            began = time.perf_counter()
            day = await day_through_the_stack(env, network, args.speed, args.seed)
            print("\n".join(f"  {line}" for line in day.lines()), flush=True)
        key = network.lower()
        summary |= {
            f"{key}_day": day.first_day.isoformat(),
            f"{key}_day_wall_s": day.wall_s,
            f"{key}_services_and_day_wall_s": round(time.perf_counter() - began, 1),
            f"{key}_seeding_wall_s": day.seeding_wall_s,
            f"{key}_events_sent": day.events_sent,
            f"{key}_holds_placed": day.events.get("hold-placed", 0),
            f"{key}_vans": sum(day.plans.values()),
            f"{key}_van_stops": day.work["van_stops"],
            f"{key}_crates_loaded": day.work["crates_loaded"],
            f"{key}_copies_received": day.work["received"],
            f"{key}_scans_refused": sum(day.refused_scans.values()),
            f"{key}_most_behind_s": round(day.most_behind_s, 2),
            f"{key}_unsettled_waits": day.unsettled,
        }
    return summary


# -- command line ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=0.02, help="Lastu share, producing part")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each producing loop")
    parser.add_argument("--speed", type=float, default=1800.0, help="speed of the whole days")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--networks", default="Lastu,Helmet", help="whole days; '' for none")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results")
    args = parser.parse_args(argv)
    args.networks = [n for n in args.networks.split(",") if n]
    if not 0 < args.scale <= 1 or args.repeats < 1 or args.speed <= 0:
        parser.error("--scale must be in (0, 1], --repeats and --speed positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    tune_gc_for_batches()  # as in the services' process, which the simulator shares in up
    summary = asyncio.run(producing(args))
    print()
    print(
        f"{summary['producing_events']:,} events of a simulated Lastu day, median of {args.repeats}"
    )
    print_runs(summary, VARIANTS)
    print(f"sim/raw {summary['ratio_sim_to_raw']:.3f}")
    summary |= asyncio.run(whole_days(args))
    summary |= machine_summary()
    summary["database"] = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "local server"
    write_results(args.output, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
