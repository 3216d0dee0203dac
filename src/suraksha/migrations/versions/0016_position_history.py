"""Positions of many units (issue 10, point 9): each response's track is kept by its assignment (`response_tracks`),
the history of every fix only for a rolling window, read in the order written (by `received_at`, pruned oldest
first) and no longer indexed by unit (that index cost a random write for every fix). The tracks of earlier
responses are copied from the history before its index by unit goes; they are closed (`track_closed_at`), and the
open ones (assignments under way, or that ended a moment ago) are found by a partial index.

Revision ID: 0016_position_history
Revises: 0015_volunteers
Create Date: 2026-12-03 07:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = '0016_position_history'
down_revision = '0015_volunteers'
branch_labels = None
depends_on = None

TRACK_OPEN = sa.text('track_closed_at IS NULL')


def upgrade() -> None:
    op.create_table(
        'response_tracks',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'],
                                name=op.f('fk_response_tracks_assignment_id_assignments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_response_tracks')),
    )
    op.create_index('ix_response_tracks_assignment_recorded', 'response_tracks', ['assignment_id', 'recorded_at'])
    op.create_index('ix_response_tracks_recorded_at', 'response_tracks', ['recorded_at'])
    with op.batch_alter_table('assignments') as batch:
        batch.add_column(sa.Column('track_closed_at', sa.DateTime(), nullable=True))
    # Earlier responses keep their tracks: their units' fixes from dispatch until they ended (or until now).
    op.execute(
        "INSERT INTO response_tracks (assignment_id, unit_id, lon, lat, recorded_at)"
        " SELECT a.id, p.unit_id, p.lon, p.lat, p.recorded_at FROM assignments AS a"
        " JOIN unit_positions AS p ON p.unit_id = a.unit_id AND p.recorded_at >= a.dispatched_at"
        " AND (a.cleared_at IS NULL OR p.recorded_at <= a.cleared_at)")
    op.execute("UPDATE assignments SET track_closed_at = cleared_at WHERE cleared_at IS NOT NULL")
    op.create_index('ix_assignments_track_open', 'assignments', ['unit_id'], sqlite_where=TRACK_OPEN,
                    postgresql_where=TRACK_OPEN)
    op.drop_index('ix_unit_positions_unit_recorded', table_name='unit_positions')
    op.create_index('ix_unit_positions_received_at', 'unit_positions', ['received_at'])


def downgrade() -> None:
    op.drop_index('ix_unit_positions_received_at', table_name='unit_positions')
    op.create_index('ix_unit_positions_unit_recorded', 'unit_positions', ['unit_id', 'recorded_at'])
    op.drop_index('ix_assignments_track_open', table_name='assignments')
    with op.batch_alter_table('assignments') as batch:
        batch.drop_column('track_closed_at')
    op.drop_index('ix_response_tracks_recorded_at', table_name='response_tracks')
    op.drop_index('ix_response_tracks_assignment_recorded', table_name='response_tracks')
    op.drop_table('response_tracks')
