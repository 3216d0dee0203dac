"""Fast-track and special POCSO courts, allocation and hearings (issue 12, point 4).

The courts are seeded from the shipped data (`data/courts/courts.csv`, read through `suraksha.cases.courts.model`),
as maintained data administrators change afterwards (`/api/v1/courts`).

Revision ID: 0019_courts
Revises: 0018_forensics
Create Date: 2026-12-03 10:30:00.000000
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

from suraksha.cases.courts.model import shipped_courts

revision = '0019_courts'
down_revision = '0018_forensics'
branch_labels = None
depends_on = None


def upgrade() -> None:
    courts = op.create_table(
        'courts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('state', sa.String(length=2), nullable=False),
        sa.Column('district', sa.String(length=64), nullable=False),
        sa.Column('city', sa.String(length=64), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('source', sa.String(length=300), server_default='', nullable=False),
        sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_courts')),
        sa.UniqueConstraint('code', name=op.f('uq_courts_code')),
    )
    with op.batch_alter_table('courts') as batch:
        batch.create_index(batch.f('ix_courts_state'), ['state'], unique=False)
    op.create_table(
        'case_courts',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('court_id', sa.Integer(), nullable=False),
        sa.Column('allocated_at', sa.DateTime(), nullable=False),
        sa.Column('allocated_by', sa.String(length=64), nullable=False),
        sa.Column('disposed_on', sa.Date(), nullable=True),
        sa.Column('disposal', sa.String(length=12), nullable=True),
        sa.Column('disposal_detail', sa.String(length=300), nullable=True),
        sa.Column('judgment_ref', sa.String(length=120), nullable=True),
        sa.Column('convicted', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_courts_case_id_cases')),
        sa.ForeignKeyConstraint(['court_id'], ['courts.id'], name=op.f('fk_case_courts_court_id_courts')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_courts')),
    )
    with op.batch_alter_table('case_courts') as batch:
        batch.create_index(batch.f('ix_case_courts_court_id'), ['court_id'], unique=False)
    op.create_table(
        'hearings',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('court_id', sa.Integer(), nullable=False),
        sa.Column('scheduled_for', sa.Date(), nullable=False),
        sa.Column('outcome', sa.String(length=24), nullable=True),
        sa.Column('adjournment_reason', sa.String(length=500), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=True),
        sa.Column('recorded_by', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_hearings_case_id_cases')),
        sa.ForeignKeyConstraint(['court_id'], ['courts.id'], name=op.f('fk_hearings_court_id_courts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hearings')),
    )
    with op.batch_alter_table('hearings') as batch:
        batch.create_index(batch.f('ix_hearings_case_id'), ['case_id'], unique=False)
        batch.create_index('ix_hearings_scheduled_for', ['scheduled_for'], unique=False)

    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(courts, [
        {'code': c.code, 'state': c.state, 'district': c.district, 'city': c.city, 'name': c.name, 'kind': c.kind,
         'source': c.source, 'active': True, 'updated_by': 'suraksha', 'updated_at': now} for c in shipped_courts()])


def downgrade() -> None:
    for table in ('hearings', 'case_courts', 'courts'):
        op.drop_table(table)
