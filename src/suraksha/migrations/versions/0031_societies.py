"""Housing-society alerts (issue 9, point 5): the societies a station registered, their coordinators (numbers
sealed, with a keyed fingerprint; one number coordinates one society at a time), and on each incident the society
whose coordinator raised it.

Revision ID: 0031_societies
Revises: 0030_eido
Create Date: 2026-12-04 23:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import suraksha.adapters.db

revision = '0031_societies'
down_revision = '0030_eido'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'societies',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('city', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=2), nullable=True),
        sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_societies_station_id_stations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_societies')),
    )
    op.create_index(op.f('ix_societies_station_id'), 'societies', ['station_id'], unique=False)
    op.create_table(
        'society_coordinators',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('society_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('phone_sealed', sa.Text(), nullable=False),
        sa.Column('phone_fingerprint', sa.String(length=64), nullable=False),
        sa.Column('added_by', sa.String(length=64), nullable=False),
        sa.Column('added_at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.Column('removed_by', sa.String(length=64), nullable=True),
        sa.Column('removed_at', suraksha.adapters.db.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['society_id'], ['societies.id'],
                                name=op.f('fk_society_coordinators_society_id_societies')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_society_coordinators')),
    )
    op.create_index(op.f('ix_society_coordinators_society_id'), 'society_coordinators', ['society_id'], unique=False)
    op.create_index('ix_society_coordinators_phone', 'society_coordinators', ['phone_fingerprint'], unique=True,
                    sqlite_where=sa.text('removed_at IS NULL'), postgresql_where=sa.text('removed_at IS NULL'))
    with op.batch_alter_table('incidents') as batch:
        batch.add_column(sa.Column('society_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('society_name', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('incidents') as batch:
        batch.drop_column('society_name')
        batch.drop_column('society_id')
    op.drop_index('ix_society_coordinators_phone', table_name='society_coordinators')
    op.drop_index(op.f('ix_society_coordinators_society_id'), table_name='society_coordinators')
    op.drop_table('society_coordinators')
    op.drop_index(op.f('ix_societies_station_id'), table_name='societies')
    op.drop_table('societies')
