"""DDL shared by every service's first migration: the inbox and the outbox.

Each service keeps these tables in its own schema. The functions are versioned (``_v1``)
and never changed once released: a later change gets a new function and a new migration,
so that old migrations keep meaning what they meant.
"""

from __future__ import annotations

import re

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def checked_schema(schema: str) -> str:
    """Schema names are spliced into SQL, so only plain lowercase identifiers are allowed."""
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"not a plain schema name: {schema!r}")
    return schema


def messaging_tables_v1(schema: str) -> list[str]:
    s = checked_schema(schema)
    return [
        f"""
        CREATE TABLE {s}.inbox (
            event_key   text PRIMARY KEY,
            received_at timestamptz NOT NULL DEFAULT now()
        )""",
        f"""
        CREATE TABLE {s}.outbox (
            seq          bigserial PRIMARY KEY,
            id           text NOT NULL UNIQUE,
            topic        text NOT NULL,
            key          bytea,
            value        bytea NOT NULL,
            headers      jsonb NOT NULL DEFAULT '[]'::jsonb,
            created_at   timestamptz NOT NULL DEFAULT now(),
            published_at timestamptz
        )""",
        # The relay only ever scans unpublished rows, in order.
        f"CREATE INDEX outbox_unpublished ON {s}.outbox (seq) WHERE published_at IS NULL",
        f"CREATE INDEX inbox_received_at ON {s}.inbox (received_at)",
    ]


def drop_messaging_tables_v1(schema: str) -> list[str]:
    s = checked_schema(schema)
    return [f"DROP TABLE {s}.outbox", f"DROP TABLE {s}.inbox"]
