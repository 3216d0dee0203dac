"""Rosters (issue 10): the shifts each unit is on duty, with its Nirbhaya squad's woman officer; and a log of every
change to a unit (status with incident and reason, shifts, crew).

Revision ID: 0013_rosters
Revises: 0012_response_targets
Create Date: 2026-12-03 03:20:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = '0013_rosters'
down_revision = '0012_response_targets'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'unit_shifts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('woman_officer', sa.String(length=120), nullable=True),
        sa.Column('crew', sa.String(length=300), server_default='', nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(), nullable=True),
        sa.Column('cancelled_by', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_unit_shifts_unit_id', 'unit_shifts', ['unit_id'])
    op.create_table(
        'unit_log',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('by', sa.String(length=64), nullable=False),
        sa.Column('change', sa.String(length=24), nullable=False),
        sa.Column('detail', sa.String(length=500), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_unit_log_unit_id', 'unit_log', ['unit_id'])


def downgrade() -> None:
    op.drop_index('ix_unit_log_unit_id', table_name='unit_log')
    op.drop_table('unit_log')
    op.drop_index('ix_unit_shifts_unit_id', table_name='unit_shifts')
    op.drop_table('unit_shifts')
