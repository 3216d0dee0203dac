"""The deadline watch (issue 10): an assignment whose unit cannot reach her before the incident's deadline is
escalated once (`at_risk_at`).

Revision ID: 0014_deadline_watch
Revises: 0013_rosters
Create Date: 2026-12-03 03:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = '0014_deadline_watch'
down_revision = '0013_rosters'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignments') as batch:
        batch.add_column(sa.Column('at_risk_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assignments') as batch:
        batch.drop_column('at_risk_at')
