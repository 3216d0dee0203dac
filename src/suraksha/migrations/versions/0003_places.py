"""places: states and union territories, districts and cities, seeded from the shipped data

Revision ID: 0003_places
Revises: 0002_registry
Create Date: 2026-11-23 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

from suraksha.places.model import seed_rows


revision = '0003_places'
down_revision = '0002_registry'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('places',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('aliases', sa.Text(), server_default='[]', nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_places')),
    sa.UniqueConstraint('kind', 'key', name='uq_places_kind_key')
    )
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.create_index('ix_places_kind_state', ['kind', 'state_code'], unique=False)

    # The same rows PlaceService.ensure_seeded() adds: read from the shipped data files via places.model.
    rows = sa.table('places',
                    sa.column('kind', sa.String()), sa.column('key', sa.String()), sa.column('name', sa.String()),
                    sa.column('state_code', sa.String()), sa.column('aliases', sa.Text()),
                    sa.column('time_zone', sa.String()))
    op.bulk_insert(rows, seed_rows())


def downgrade() -> None:
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.drop_index('ix_places_kind_state')

    op.drop_table('places')
