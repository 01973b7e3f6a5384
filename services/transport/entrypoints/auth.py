"""Who may call the transport API: bearer tokens checked against the role an endpoint needs.

``staff`` tokens name one library and may act only there; ``driver`` tokens load and unload
crates anywhere; ``coordinator`` tokens read and plan for every library. See
:mod:`kulkuri.shared.auth` for the tokens themselves.
"""

# No "from __future__ import annotations": FastAPI resolves the dependencies' annotations.

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kulkuri.shared.auth import InvalidToken, Principal, Role, TokenAuthority

_bearer = HTTPBearer(auto_error=False, description="A kulkuri access token (JWT).")


def problem(status: int, reason: str, message: str) -> HTTPException:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return HTTPException(status, detail={"reason": reason, "message": message}, headers=headers)


def authenticator(authority: TokenAuthority | None) -> Callable[..., Principal]:
    """A dependency returning the caller's ``Principal``; 401 without a valid token."""

    def principal(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None:
            raise problem(401, "no_token", "expected an 'Authorization: Bearer <token>' header")
        if authority is None:
            raise problem(
                401, "tokens_disabled", "this service has no token secret (TRANSPORT_TOKEN_SECRET)"
            )
        try:
            return authority.verify(credentials.credentials)
        except InvalidToken as exc:
            raise problem(401, "invalid_token", f"the token was refused: {exc}") from exc

    return principal


def require_library(principal: Principal, library: str) -> None:
    """403 unless the caller may read or plan for ``library``: its staff or a coordinator."""
    if principal.role is Role.COORDINATOR:
        return
    if principal.role is Role.STAFF and principal.library == library:
        return
    raise problem(403, "wrong_library", f"{_who(principal)}; expected staff of {library}")


def require_scanner(principal: Principal, library: str, *, crate_scan: bool) -> None:
    """403 unless the caller may scan at ``library``: its own staff, or a driver for crate
    loads and unloads. Coordinators plan; they do not scan."""
    if principal.role is Role.STAFF and principal.library == library:
        return
    if principal.role is Role.DRIVER and crate_scan:
        return
    expected = f"a staff token of {library}" + (" or a driver token" if crate_scan else "")
    raise problem(403, "wrong_library", f"{_who(principal)}; expected {expected}")


def _who(principal: Principal) -> str:
    if principal.role is Role.STAFF:
        return f"this token is for library {principal.library}"
    return f"this is a {principal.role} token"


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise problem(
            403, "wrong_role", f"this token is a {principal.role} token; expected {allowed}"
        )
