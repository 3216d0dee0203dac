"""An outbound message's attempt in progress (`sending_since`): set when a sender claims it, cleared when the
provider's answer is recorded. Found set once the claim has lapsed, the attempt is in doubt (its sender died between
the provider's answer and the record), and the provider is asked before anything is sent again (issue 13: no
outbound message sent twice; `messaging/service.py`).

Revision ID: 0026_outbound_in_doubt
Revises: 0025_leases
Create Date: 2026-12-04 17:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import suraksha.adapters.db

revision = '0026_outbound_in_doubt'
down_revision = '0025_leases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbound_messages') as batch:
        batch.add_column(sa.Column('sending_since', suraksha.adapters.db.UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbound_messages') as batch:
        batch.drop_column('sending_since')
