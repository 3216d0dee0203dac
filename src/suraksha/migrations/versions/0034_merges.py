"""One incident per emergency (issue 9, point 6): a merged incident's survivor (`incidents.merged_into`), every
merge with what it moved so that it can be undone (`incident_merges`), and the pairs a call-taker said are not the
same emergency (`merge_rejections`).

Revision ID: 0034_merges
Revises: 0033_web_help
Create Date: 2026-12-04 23:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import suraksha.adapters.db

revision = '0034_merges'
down_revision = '0033_web_help'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incidents') as batch:
        batch.add_column(sa.Column('merged_into', sa.String(length=9), nullable=True))
    op.create_table(
        'incident_merges',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('duplicate_id', sa.Integer(), nullable=False),
        sa.Column('survivor_id', sa.Integer(), nullable=False),
        sa.Column('merged_at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.Column('merged_by', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.Column('contact_ids', sa.JSON(), nullable=False),
        sa.Column('message_ids', sa.JSON(), nullable=False),
        sa.Column('status_before', sa.String(length=16), nullable=False),
        sa.Column('priority_before', sa.Integer(), nullable=False),
        sa.Column('priority_after', sa.Integer(), nullable=False),
        sa.Column('unmerged_at', suraksha.adapters.db.UtcDateTime(), nullable=True),
        sa.Column('unmerged_by', sa.String(length=64), nullable=True),
        sa.Column('unmerge_reason', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['duplicate_id'], ['incidents.id'],
                                name=op.f('fk_incident_merges_duplicate_id_incidents')),
        sa.ForeignKeyConstraint(['survivor_id'], ['incidents.id'],
                                name=op.f('fk_incident_merges_survivor_id_incidents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_merges')),
    )
    op.create_index(op.f('ix_incident_merges_duplicate_id'), 'incident_merges', ['duplicate_id'])
    op.create_index(op.f('ix_incident_merges_survivor_id'), 'incident_merges', ['survivor_id'])
    op.create_table(
        'merge_rejections',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('first_id', sa.Integer(), nullable=False),
        sa.Column('second_id', sa.Integer(), nullable=False),
        sa.Column('at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.Column('by', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['first_id'], ['incidents.id'], name=op.f('fk_merge_rejections_first_id_incidents')),
        sa.ForeignKeyConstraint(['second_id'], ['incidents.id'], name=op.f('fk_merge_rejections_second_id_incidents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_merge_rejections')),
        sa.UniqueConstraint('first_id', 'second_id', name='uq_merge_rejections_first_id_second_id'),
    )
    op.create_index(op.f('ix_merge_rejections_second_id'), 'merge_rejections', ['second_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_merge_rejections_second_id'), table_name='merge_rejections')
    op.drop_table('merge_rejections')
    op.drop_index(op.f('ix_incident_merges_survivor_id'), table_name='incident_merges')
    op.drop_index(op.f('ix_incident_merges_duplicate_id'), table_name='incident_merges')
    op.drop_table('incident_merges')
    with op.batch_alter_table('incidents') as batch:
        batch.drop_column('merged_into')
