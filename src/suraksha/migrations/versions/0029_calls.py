"""Calls logged by a call-taker (issue 9): the people recorded on a call, the caller and, kept apart, the woman it
is about, with sealed names, numbers and descriptions.

Revision ID: 0029_calls
Revises: 0028_whatsapp
Create Date: 2026-12-04 23:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import suraksha.adapters.db

revision = '0029_calls'
down_revision = '0028_whatsapp'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'incident_people',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('relation', sa.String(length=16), nullable=True),
        sa.Column('name_sealed', sa.Text(), nullable=True),
        sa.Column('phone_sealed', sa.Text(), nullable=True),
        sa.Column('age', sa.Integer(), nullable=True),
        sa.Column('details_sealed', sa.Text(), nullable=True),
        sa.Column('recorded_at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.Column('recorded_by', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name='fk_incident_people_incident_id_incidents'),
        sa.PrimaryKeyConstraint('id', name='pk_incident_people'),
    )
    op.create_index('ix_incident_people_incident_id', 'incident_people', ['incident_id'])


def downgrade() -> None:
    op.drop_index('ix_incident_people_incident_id', table_name='incident_people')
    op.drop_table('incident_people')
