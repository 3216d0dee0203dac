"""The unassigned alarm's timer reads P1s still new by partial indexes: those whose first wait has not alarmed
(`ix_incidents_alarm_due`, by `received_at`) and those reopened (`ix_incidents_p1_reopened`, by `reopened_at`).
Through the open-queue index it walked every new P1 already alarmed, oldest first, at every step: with a backlog of
thousands it took the writer away from intake (bench/intake_http.py, issue 14).

Revision ID: 0027_alarm_due_indexes
Revises: 0026_outbound_in_doubt
Create Date: 2026-12-04 18:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0027_alarm_due_indexes'
down_revision = '0026_outbound_in_doubt'
branch_labels = None
depends_on = None

FIRST_WAIT = sa.text("status = 'new' AND priority = 1 AND unassigned_alarm_at IS NULL")
REOPENED = sa.text("status = 'new' AND priority = 1 AND reopened_at IS NOT NULL")


def upgrade() -> None:
    op.create_index('ix_incidents_alarm_due', 'incidents', ['received_at'], sqlite_where=FIRST_WAIT,
                    postgresql_where=FIRST_WAIT)
    op.create_index('ix_incidents_p1_reopened', 'incidents', ['reopened_at'], sqlite_where=REOPENED,
                    postgresql_where=REOPENED)


def downgrade() -> None:
    op.drop_index('ix_incidents_p1_reopened', table_name='incidents')
    op.drop_index('ix_incidents_alarm_due', table_name='incidents')
