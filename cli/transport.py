"""``kulkuri transport``: run the transport service, and mint access tokens for its API."""

from __future__ import annotations

from datetime import timedelta

import typer
from rich.console import Console

from kulkuri.cli.stack import run_alone
from kulkuri.shared.auth import Role, authority_from
from kulkuri.shared.settings import AuthSettings
from kulkuri.transport.bootstrap import build_service
from kulkuri.transport.config import TransportConfig

transport_app = typer.Typer(help="The transport service.", no_args_is_help=True)
console = Console(stderr=True)


@transport_app.command("run")
def transport_run() -> None:
    """Run the transport service alone (one per container), on the configured broker and DB."""
    run_alone(TransportConfig(), build_service)


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
