"""A version per title, so a consumer may keep titles in memory between batches.

``titles.version`` takes a fresh value of the ``title_versions`` sequence each time a
transaction writes a title's rows. A sequence never hands out a value twice, even to a
transaction that rolls back, so a title held in memory with the version it was loaded or
saved under is still exactly what the database has while the two versions are equal.

``holds.ordinal`` now comes from the ``hold_ordinals`` sequence when a hold is first
written and never changes, so a title whose closed holds stay in the database (and out of
memory) can add holds without renumbering the others.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from alembic import op

from kulkuri.shared.db.schema import checked_schema

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade(*, schema: str) -> None:
    s = checked_schema(schema)
    op.execute(f"CREATE SEQUENCE {s}.title_versions")
    op.execute(f"CREATE TABLE {s}.titles (bib_id text PRIMARY KEY, version bigint NOT NULL)")
    op.execute(
        f"""INSERT INTO {s}.titles (bib_id, version)
            SELECT bib_id, nextval('{s}.title_versions')
              FROM (SELECT bib_id FROM {s}.items UNION SELECT bib_id FROM {s}.holds) known"""
    )
    # Existing holds keep their order: ordinals after every one in use.
    op.execute(f"CREATE SEQUENCE {s}.hold_ordinals")
    op.execute(
        f"SELECT setval('{s}.hold_ordinals', GREATEST(1, (SELECT max(ordinal) FROM {s}.holds)))"
    )


def downgrade(*, schema: str) -> None:
    s = checked_schema(schema)
    op.execute(f"DROP SEQUENCE {s}.hold_ordinals")
    op.execute(f"DROP TABLE {s}.titles")
    op.execute(f"DROP SEQUENCE {s}.title_versions")
