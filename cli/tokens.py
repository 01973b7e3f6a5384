"""``kulkuri token``: mint an access token for any service's API (docs/security.md)."""

from __future__ import annotations

from datetime import timedelta

import typer

from kulkuri.shared.auth import Role, authority_from
from kulkuri.shared.settings import AuthSettings


def issue_token(
    role: Role = typer.Argument(
        ..., help="staff, driver, coordinator, operator or integration (docs/security.md)."
    ),
    library: str | None = typer.Option(None, help="The library of a staff token."),
    hours: float = typer.Option(12.0, min=0.01, help="How long the token is valid."),
) -> None:
    """Print an access token signed with AUTH_TOKEN_SECRET (valid on every service)."""
    authority = authority_from(AuthSettings())
    if authority is None:
        raise typer.BadParameter("set AUTH_TOKEN_SECRET (at least 32 bytes)")
    try:
        token = authority.issue(role, library=library, ttl=timedelta(hours=hours))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    print(token)
