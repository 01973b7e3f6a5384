"""Bearer tokens on FastAPI routes: the caller's ``Principal``, or a 401/403 that says why.

401: no token, or one that is malformed, expired, or not signed with our key. 403: a valid
token whose role (or library) may not make this call. Which role may call what is the table
in docs/security.md; tests/security walks it against the running services.

Error bodies have the shape every kulkuri API uses: ``{"detail": {"reason", "message"}}``.
"""

# No "from __future__ import annotations": FastAPI resolves the dependencies' annotations.

from collections.abc import Callable
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from kulkuri.shared.auth import API_ROLES, InvalidToken, Principal, Role, TokenAuthority

_bearer = HTTPBearer(auto_error=False, description="A kulkuri access token (JWT).")


class Problem(BaseModel):
    """The body of every refusal ``problem`` makes: a machine-readable ``reason`` and a
    sentence, as ``{"detail": {"reason": ..., "message": ...}}``."""

    detail: dict[str, str]


class InvalidRequest(BaseModel):
    """FastAPI's own 422 body: where the request broke its schema, and how."""

    detail: list[dict[str, Any]]


class UnreadableBody(BaseModel):
    """FastAPI's own 400 body, for a body that cannot be read as JSON at all (not UTF-8)."""

    detail: str


_MODEL: dict[int, Any] = {400: UnreadableBody, 422: Problem | InvalidRequest}
_MEANING = {
    400: "The body cannot be read as JSON.",
    401: "No token, or one that is malformed, expired or signed with another key.",
    403: "The token's role or library may not make this call.",
    404: "What the path names is not known.",
    409: "The request conflicts with the state (a scan out of order, say).",
    422: "The request breaks its schema, or names what the service cannot take.",
    501: "The configured engine cannot do this.",
    503: "The service has not started yet.",
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the refusals a route may answer: ``problem``'s body, and
    FastAPI's own for a body it cannot read (400) or validate (422)."""
    return {
        status: {
            "model": _MODEL.get(status, Problem),
            "description": _MEANING[status],
        }
        for status in statuses
    }


def documented_beside_html(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``documented`` for a route that answers HTML: its refusals are still JSON (FastAPI
    would file a ``model`` under the route's media type)."""
    problem_schema: dict[str, Any] = {"$ref": "#/components/schemas/Problem"}
    invalid = {"anyOf": [problem_schema, {"$ref": "#/components/schemas/HTTPValidationError"}]}
    return {
        status: {
            "description": _MEANING[status],
            "content": {
                "application/json": {"schema": invalid if status == 422 else problem_schema}
            },
        }
        for status in statuses
    }


# Every guarded route may answer these.
REFUSALS = documented(401, 403, 503)


def problem(status: int, reason: str, message: str) -> HTTPException:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return HTTPException(status, detail={"reason": reason, "message": message}, headers=headers)


def authenticator(authority: TokenAuthority | None) -> Callable[..., Principal]:
    """A dependency returning the caller's ``Principal``: 401 without a valid token, 403 for
    a role that calls no HTTP endpoint (an integration's channel is Kafka)."""

    def principal(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None:
            raise problem(401, "no_token", "expected an 'Authorization: Bearer <token>' header")
        if authority is None:
            raise problem(401, "tokens_disabled", "this service has no token secret")
        try:
            found = authority.verify(credentials.credentials)
        except InvalidToken as exc:
            raise problem(401, "invalid_token", f"the token was refused: {exc}") from exc
        if found.role not in API_ROLES:
            raise problem(
                403, "wrong_role", f"{found.role} tokens call no HTTP endpoint; they use Kafka"
            )
        return found

    return principal


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise problem(
            403, "wrong_role", f"this token is a {principal.role} token; expected {allowed}"
        )


def require_library(principal: Principal, library: str) -> None:
    """403 unless the caller may read or plan for ``library``: its staff or a coordinator."""
    if principal.role is Role.COORDINATOR:
        return
    if principal.role is Role.STAFF and principal.library == library:
        return
    raise problem(403, "wrong_library", f"{who(principal)}; expected staff of {library}")


def who(principal: Principal) -> str:
    """The caller, as a 403's message names it."""
    if principal.role is Role.STAFF:
        return f"this token is for library {principal.library}"
    return f"this is a {principal.role} token"


def pool_getter(
    provider: Callable[[], asyncpg.Pool | None], service: str
) -> Callable[[], asyncpg.Pool]:
    """The runtime's pool, or a 503 while the service has not started yet."""

    def pool() -> asyncpg.Pool:
        found = provider()
        if found is None:
            raise problem(503, "not_started", f"the {service} service has no database pool yet")
        return found

    return pool
