"""Noise without losing the real ones (issue 9, docs/adr/0009): an incident's noise kind (blank, silent, abusive,
prank, test; null: genuine), and what intake saw of the number when it opened (a callback after a blank or silent
contact; earlier non-genuine incidents).

Revision ID: 0032_noise
Revises: 0031_societies
Create Date: 2026-12-04 23:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0032_noise'
down_revision = '0031_societies'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incidents') as batch:
        batch.add_column(sa.Column('noise_kind', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('callback_after_blank', sa.Boolean(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('repeat_noise', sa.Boolean(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('incidents') as batch:
        batch.drop_column('repeat_noise')
        batch.drop_column('callback_after_blank')
        batch.drop_column('noise_kind')
