"""The outbox relay's index: the unpublished events by id (a partial index, `published_at IS NULL`), so that its
search for the oldest unpublished events reads only those, whatever the number of events already published; it
replaces the index on every event's `published_at`, which only that search used.

Revision ID: 0009_unpublished_events_index
Revises: 0008_station_local_names
Create Date: 2026-12-03 02:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = '0009_unpublished_events_index'
down_revision = '0008_station_local_names'
branch_labels = None
depends_on = None

UNPUBLISHED = sa.text('published_at IS NULL')


def upgrade() -> None:
    op.drop_index('ix_events_published_at', table_name='events')
    op.create_index('ix_events_unpublished', 'events', ['id'], sqlite_where=UNPUBLISHED,
                    postgresql_where=UNPUBLISHED)


def downgrade() -> None:
    op.drop_index('ix_events_unpublished', table_name='events')
    op.create_index('ix_events_published_at', 'events', ['published_at'])
