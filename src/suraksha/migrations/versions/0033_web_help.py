"""The public help form (issue 9, point 4): each form token used, with a keyed digest of the submission sent under
it, so that a retry is answered again and another submission under the same token is refused.

Revision ID: 0033_web_help
Revises: 0032_noise
Create Date: 2026-12-04 23:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

import suraksha.adapters.db

revision = '0033_web_help'
down_revision = '0032_noise'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_form_uses',
        sa.Column('nonce', sa.String(length=24), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('used_at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('nonce', name=op.f('pk_web_form_uses')),
    )
    op.create_index('ix_web_form_uses_used_at', 'web_form_uses', ['used_at'])


def downgrade() -> None:
    op.drop_index('ix_web_form_uses_used_at', table_name='web_form_uses')
    op.drop_table('web_form_uses')
