"""Signed access tokens for the people and systems that call kulkuri: who they are, where
they may act.

Tokens are JSON Web Tokens signed with HMAC-SHA256 (PyJWT) and always expire. A token carries
a ``role`` and, for library staff, the one ``library`` they work at; it names no person. The
key comes from settings (a Kubernetes secret in production), never from the repository.

Roles (what each may call, endpoint by endpoint: the table in docs/security.md):

- ``staff``: scans at their own library (pull, pack, load, unload, receive) and reads that
  library's lists.
- ``driver``: loads and unloads crates at any stop of a van run.
- ``coordinator``: reads everything, plans packing and routes, reports copies missing.
- ``operator``: runs the system; reads the operational views (decision counts, overdue
  transfers, plans), writes nothing.
- ``integration``: a circulation system. Its channel is Kafka (its own broker credentials);
  it calls no HTTP endpoint, so a token of this role opens nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt

from kulkuri.shared.settings import AuthSettings

_ALGORITHM = "HS256"
# RFC 7518 asks for a key at least as long as the hash output.
MIN_SECRET_BYTES = 32


class Role(StrEnum):
    STAFF = "staff"
    DRIVER = "driver"
    COORDINATOR = "coordinator"
    OPERATOR = "operator"
    INTEGRATION = "integration"


API_ROLES = frozenset(Role) - {Role.INTEGRATION}
"""The roles that call the HTTP APIs: people at desks, in vans and at consoles."""


@dataclass(frozen=True)
class Principal:
    role: Role
    library: str | None = None  # staff only


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not signed with our key."""


class TokenAuthority:
    """Issues and verifies tokens with one secret key."""

    def __init__(self, secret: str, *, issuer: str = "kulkuri") -> None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"the token secret must be at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self.issuer = issuer

    def issue(
        self,
        role: Role,
        *,
        library: str | None = None,
        ttl: timedelta = timedelta(hours=12),
        now: datetime | None = None,
    ) -> str:
        if (role is Role.STAFF) != (library is not None):
            raise ValueError("a staff token names exactly one library; other roles none")
        issued = now or datetime.now(UTC)
        claims: dict[str, object] = {
            "iss": self.issuer,
            "role": role.value,
            "iat": issued,
            "exp": issued + ttl,
        }
        if library is not None:
            claims["library"] = library
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                issuer=self.issuer,
                options={"require": ["exp", "iss", "role"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        try:
            role = Role(claims["role"])
        except ValueError:
            raise InvalidToken(f"unknown role {claims['role']!r}") from None
        library = claims.get("library")
        if (role is Role.STAFF) != isinstance(library, str):
            raise InvalidToken("a staff token must name its library")
        return Principal(role, library if role is Role.STAFF else None)


def authority_from(settings: AuthSettings) -> TokenAuthority | None:
    """The authority for the configured key; ``None`` when no key is set."""
    if settings.token_secret is None:
        return None
    return TokenAuthority(settings.token_secret.get_secret_value(), issuer=settings.token_issuer)
