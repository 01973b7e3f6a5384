"""One row per nightly re-assignment: the day it prepared, how far it got, what it saved.

``day`` (the local day whose pull lists the run prepared) is the key, so a day is re-assigned
at most once: a run that finds its day finished does nothing. A run handles titles in
``bib_id`` order and commits a batch at a time together with the batch's figures and
``last_bib_id``, so a run cut short resumes after the last title it committed and the
figures count each title once. Costs are in metres, as ``TransportCosts`` gives them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from alembic import op

from kulkuri.shared.db.schema import checked_schema

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade(*, schema: str) -> None:
    s = checked_schema(schema)
    op.execute(
        f"""
        CREATE TABLE {s}.reassignment_runs (
            day              date PRIMARY KEY,
            cutoff           timestamptz NOT NULL,
            started_at       timestamptz NOT NULL,
            finished_at      timestamptz,
            last_bib_id      text,
            titles           integer NOT NULL DEFAULT 0,
            titles_changed   integer NOT NULL DEFAULT 0,
            holds_reassigned integer NOT NULL DEFAULT 0,
            holds_filled     integer NOT NULL DEFAULT 0,
            cost_before_m    bigint NOT NULL DEFAULT 0,
            cost_after_m     bigint NOT NULL DEFAULT 0,
            decisions        integer NOT NULL DEFAULT 0,
            solve_s          double precision NOT NULL DEFAULT 0
        )"""
    )


def downgrade(*, schema: str) -> None:
    s = checked_schema(schema)
    op.execute(f"DROP TABLE {s}.reassignment_runs")
