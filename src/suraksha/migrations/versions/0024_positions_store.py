"""The positions' history leaves the main database for the positions' store (issue 10, point 9): on SQLite a file of
its own (`<database>-positions.db`), so that the fleet's 5,000 fixes a second and their pruning never hold the write
lock intake's commits need; on PostgreSQL unlogged tables (`dispatch/position_store.py`, created by `suraksha db
upgrade` after the migrations). The history is a rolling window of minutes: it is dropped, not copied. Units keep the
position on their row, which each unit's latest fix in the store now supersedes; on PostgreSQL the units' pages no
longer need room for a rewrite every ten seconds.

Revision ID: 0024_positions_store
Revises: 0023_registry_changes
Create Date: 2026-12-04 11:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import suraksha.adapters.db

revision = '0024_positions_store'
down_revision = '0023_registry_changes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table('unit_positions')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE units RESET (fillfactor)")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        # the store's tables share this database: the units take back their latest fixes
        op.execute("ALTER TABLE units SET (fillfactor = 50)")
        if sa.inspect(op.get_bind()).has_table('unit_fixes'):
            op.execute("UPDATE units SET lon = f.lon, lat = f.lat, position_at = f.recorded_at FROM unit_fixes AS f"
                       " WHERE units.id = f.unit_id"
                       " AND (units.position_at IS NULL OR units.position_at < f.recorded_at)")
        op.execute("DROP TABLE IF EXISTS unit_fixes")
        op.execute("DROP TABLE IF EXISTS unit_positions")
    op.create_table(
        'unit_positions',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('recorded_at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.Column('received_at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_positions')),
    )
    op.create_index('ix_unit_positions_received_at', 'unit_positions', ['received_at'])
