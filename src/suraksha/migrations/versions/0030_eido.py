"""Incidents between control rooms (issue 9, NENA EIDO): the partner agencies an administrator keeps (and which may
receive a victim's details), the audit of every export, and each imported document with the incident it became.

Revision ID: 0030_eido
Revises: 0029_calls
Create Date: 2026-12-04 23:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

import suraksha.adapters.db

revision = '0030_eido'
down_revision = '0029_calls'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'partner_agencies',
        sa.Column('agency_id', sa.String(length=128), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('may_receive_victim_details', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('updated_at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('agency_id', name=op.f('pk_partner_agencies')),
    )
    op.create_table(
        'eido_exports',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('to_agency', sa.String(length=128), nullable=True),
        sa.Column('victim_details', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_eido_exports_incident_id_incidents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_eido_exports')),
    )
    op.create_index('ix_eido_exports_incident_at', 'eido_exports', ['incident_id', 'at'])
    op.create_table(
        'eido_imports',
        sa.Column('eido_id', sa.String(length=256), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('sender_agency', sa.String(length=256), nullable=False),
        sa.Column('sender_tracking', sa.String(length=256), nullable=True),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('imported_at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.Column('imported_by', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_eido_imports_incident_id_incidents')),
        sa.PrimaryKeyConstraint('eido_id', name=op.f('pk_eido_imports')),
        sa.UniqueConstraint('incident_id', name=op.f('uq_eido_imports_incident_id')),
    )


def downgrade() -> None:
    op.drop_table('eido_imports')
    op.drop_index('ix_eido_exports_incident_at', table_name='eido_exports')
    op.drop_table('eido_exports')
    op.drop_table('partner_agencies')
