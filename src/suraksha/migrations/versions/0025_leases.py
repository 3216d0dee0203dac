"""Leases: work that exactly one server process does at a time (the outbox relay), taken over when its holder dies
(issue 13: several app nodes on one database; `adapters/leases.py`).

Revision ID: 0025_leases
Revises: 0024_positions_store
Create Date: 2026-12-04 14:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import suraksha.adapters.db

revision = '0025_leases'
down_revision = '0024_positions_store'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'leases',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('holder', sa.String(length=128), nullable=False),
        sa.Column('expires_at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_leases')),
    )


def downgrade() -> None:
    op.drop_table('leases')
