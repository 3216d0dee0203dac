"""The phones that carry helpline numbers (issue 8): handsets, kept per number, and every change to them.

Revision ID: 0010_handsets
Revises: 0009_unpublished_events_index
Create Date: 2026-12-03 02:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_handsets'
down_revision = '0009_unpublished_events_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'handsets',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('model', sa.String(length=120), nullable=False),
        sa.Column('sim_number', sa.String(length=22), nullable=False),
        sa.Column('given_on', sa.Date(), nullable=False),
        sa.Column('free_until', sa.Date(), nullable=True),
        sa.Column('donor', sa.String(length=200), nullable=False),
        sa.Column('note', sa.String(length=500), server_default='', nullable=False),
        sa.Column('retired_on', sa.Date(), nullable=True),
        sa.Column('retired_reason', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('remind_at', sa.DateTime(), nullable=True),
        sa.Column('reminded_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_handsets_number', 'handsets', ['number'])
    op.create_index('ix_handsets_remind_at', 'handsets', ['remind_at'])
    op.create_table(
        'handset_changes',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('handset_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=True),
        sa.Column('change', sa.String(length=16), nullable=False),
        sa.Column('detail', sa.String(length=1000), server_default='', nullable=False),
        sa.Column('changed_by', sa.String(length=64), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['handset_id'], ['handsets.id']),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_handset_changes_handset_id', 'handset_changes', ['handset_id'])
    op.create_index('ix_handset_changes_number', 'handset_changes', ['number'])


def downgrade() -> None:
    op.drop_index('ix_handset_changes_number', table_name='handset_changes')
    op.drop_index('ix_handset_changes_handset_id', table_name='handset_changes')
    op.drop_table('handset_changes')
    op.drop_index('ix_handsets_remind_at', table_name='handsets')
    op.drop_index('ix_handsets_number', table_name='handsets')
    op.drop_table('handsets')
