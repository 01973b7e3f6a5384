"""``kulkuri transport``: run the transport service, and mint access tokens for its API."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import typer
from prometheus_client import CollectorRegistry
from rich.console import Console

from kulkuri.cli.local_parts import database_for
from kulkuri.cli.stack import serve
from kulkuri.shared.auth import Role, authority_from
from kulkuri.shared.observability.logging import configure_logging
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.settings import AuthSettings
from kulkuri.transport.bootstrap import build_service
from kulkuri.transport.config import TransportConfig

transport_app = typer.Typer(help="The transport service.", no_args_is_help=True)
console = Console(stderr=True)


@transport_app.command("run")
def transport_run() -> None:
    """Run the transport service alone (one per container), on the configured broker and DB."""
    config = TransportConfig()
    configure_logging(config.log)
    if not config.kafka.bootstrap_servers:
        raise typer.BadParameter("set KAFKA_BOOTSTRAP_SERVERS (or use 'kulkuri up' locally)")
    asyncio.run(_run(config))


async def _run(config: TransportConfig) -> None:
    assert config.kafka.bootstrap_servers is not None
    registry = CollectorRegistry()
    service = build_service(
        config,
        database_url=await database_for(config.database),
        bootstrap_servers=config.kafka.bootstrap_servers,
        metrics=MessagingMetrics(registry),
    )
    await serve([service.runtime], registry, config.http, routers=service.routers)


@transport_app.command("token")
def transport_token(
    role: Role = typer.Argument(..., help="staff, driver or coordinator."),
    library: str | None = typer.Option(None, help="The library of a staff token."),
    hours: float = typer.Option(12.0, help="How long the token is valid."),
) -> None:
    """Print an access token signed with AUTH_TOKEN_SECRET."""
    authority = authority_from(AuthSettings())
    if authority is None:
        raise typer.BadParameter("set AUTH_TOKEN_SECRET (at least 32 bytes)")
    try:
        token = authority.issue(role, library=library, ttl=timedelta(hours=hours))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    print(token)
