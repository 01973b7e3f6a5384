"""Inbox, outbox, and the routing service's state: each day's demand and its plans.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from alembic import op

from kulkuri.shared.db.schema import drop_messaging_tables_v1, messaging_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade(*, schema: str) -> None:
    for statement in messaging_tables_v1(schema):
        op.execute(statement)
    # The latest lane demand per day (a re-published day replaces it). planned_version: the
    # plan made from it, null until the planner has taken it.
    op.execute(
        f"""
        CREATE TABLE {schema}.demand (
            service_day     date PRIMARY KEY,
            lanes           jsonb NOT NULL,
            received_at     timestamptz NOT NULL,
            source_event    text NOT NULL,
            planned_version integer
        )"""
    )
    # Every plan and re-plan of a day, kept: the latest version is the day's plan.
    op.execute(
        f"""
        CREATE TABLE {schema}.plans (
            service_day date NOT NULL,
            version     integer NOT NULL,
            plan        jsonb NOT NULL,
            reason      text NOT NULL,
            planned_at  timestamptz NOT NULL,
            PRIMARY KEY (service_day, version)
        )"""
    )


def downgrade(*, schema: str) -> None:
    op.execute(f"DROP TABLE {schema}.plans")
    op.execute(f"DROP TABLE {schema}.demand")
    for statement in drop_messaging_tables_v1(schema):
        op.execute(statement)
