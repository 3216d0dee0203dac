"""Forensic labs and requests (issue 12, point 3).

The laboratories (Maharashtra's state and regional forensic science laboratories, and the central ones) are seeded
from the shipped list (`data/forensics/labs.csv`, read through `suraksha.cases.forensics.labs`), as maintained data
administrators change afterwards.

Revision ID: 0018_forensics
Revises: 0017_cases
Create Date: 2026-12-03 10:30:00.000000
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

from suraksha.cases.forensics.labs import shipped_labs

revision = '0018_forensics'
down_revision = '0017_cases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    labs = op.create_table(
        'forensic_labs',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('code', sa.String(length=24), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('state', sa.String(length=2), nullable=False),
        sa.Column('city', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('turnaround_days', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=600), server_default='', nullable=False),
        sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_forensic_labs')),
        sa.UniqueConstraint('code', name=op.f('uq_forensic_labs_code')),
    )
    op.create_table(
        'forensic_requests',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('lab_id', sa.Integer(), nullable=False),
        sa.Column('sample_kind', sa.String(length=16), nullable=False),
        sa.Column('description', sa.String(length=300), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('requested_by', sa.String(length=64), nullable=False),
        sa.Column('sent_on', sa.Date(), nullable=True),
        sa.Column('received_on', sa.Date(), nullable=True),
        sa.Column('result_on', sa.Date(), nullable=True),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('conclusive', sa.Boolean(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_forensic_requests_case_id_cases')),
        sa.ForeignKeyConstraint(['lab_id'], ['forensic_labs.id'], name=op.f('fk_forensic_requests_lab_id_forensic_labs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_forensic_requests')),
    )
    with op.batch_alter_table('forensic_requests') as batch:
        batch.create_index(batch.f('ix_forensic_requests_case_id'), ['case_id'], unique=False)
        batch.create_index('ix_forensic_requests_case_open', ['case_id', 'result_on'], unique=False)
        batch.create_index('ix_forensic_requests_overdue', ['result_on', 'due_on'], unique=False)

    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(labs, [
        {'code': lab.code, 'name': lab.name, 'state': lab.state, 'city': lab.city, 'kind': lab.kind,
         'turnaround_days': lab.turnaround_days, 'source': source, 'active': True, 'updated_by': 'suraksha',
         'updated_at': now} for lab, source in shipped_labs()])


def downgrade() -> None:
    op.drop_table('forensic_requests')
    op.drop_table('forensic_labs')
