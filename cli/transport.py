"""``kulkuri transport``: run the transport service, and mint access tokens (for every
service's API, as ``kulkuri token`` does)."""

from __future__ import annotations

import typer
from rich.console import Console

from kulkuri.cli.stack import run_alone
from kulkuri.cli.tokens import issue_token
from kulkuri.transport.bootstrap import build_service
from kulkuri.transport.config import TransportConfig

transport_app = typer.Typer(help="The transport service.", no_args_is_help=True)
console = Console(stderr=True)


@transport_app.command("run")
def transport_run() -> None:
    """Run the transport service alone (one per container), on the configured broker and DB."""
    run_alone(TransportConfig(), build_service)


# The same command as ``kulkuri token``: one key signs every service's tokens.
transport_app.command("token")(issue_token)
