"""What she is told about her case, and when (issue 12, point 5): her channel, the hash of her case code and the
90-day timer per case; each update; an accused's arrest.

Revision ID: 0020_victim_updates
Revises: 0019_courts
Create Date: 2026-12-03 10:30:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0020_victim_updates'
down_revision = '0019_courts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'victim_channels',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('track_code_hash', sa.String(length=64), nullable=False),
        sa.Column('progress_due_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_victim_channels_case_id_cases')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_victim_channels')),
    )
    with op.batch_alter_table('victim_channels') as batch:
        batch.create_index('ix_victim_channels_progress_due_at', ['progress_due_at'], unique=False)
    op.create_table(
        'victim_updates',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=24), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('told_at', sa.DateTime(), nullable=True),
        sa.Column('told_by', sa.String(length=64), nullable=True),
        sa.Column('told_note', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_victim_updates_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_victim_updates')),
    )
    with op.batch_alter_table('victim_updates') as batch:
        batch.create_index('ix_victim_updates_case_at', ['case_id', 'at'], unique=False)
    op.create_table(
        'accused_arrests',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('arrested_at', sa.DateTime(), nullable=False),
        sa.Column('place', sa.String(length=300), nullable=False),
        sa.Column('recorded_by', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_accused_arrests_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_accused_arrests')),
        sa.UniqueConstraint('case_id', 'position', name='uq_accused_arrests_case_position'),
    )


def downgrade() -> None:
    op.drop_table('accused_arrests')
    with op.batch_alter_table('victim_updates') as batch:
        batch.drop_index('ix_victim_updates_case_at')
    op.drop_table('victim_updates')
    with op.batch_alter_table('victim_channels') as batch:
        batch.drop_index('ix_victim_channels_progress_due_at')
    op.drop_table('victim_channels')
