"""Escalation (issue 10): a unit acknowledges its dispatch, or is released when it does not; a unit out of service
says why; a P1 left without a unit raises an alarm once per wait.

Revision ID: 0011_escalation
Revises: 0010_handsets
Create Date: 2026-12-03 02:40:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = '0011_escalation'
down_revision = '0010_handsets'
branch_labels = None
depends_on = None

STATUSES = ('available', 'dispatched', 'acknowledged', 'en_route', 'on_scene', 'out_of_service')


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    with op.batch_alter_table('assignments') as batch:
        batch.add_column(sa.Column('acknowledged_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('released_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('release_reason', sa.String(length=300), nullable=True))
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('status_reason', sa.String(length=300), nullable=True))
        batch.drop_constraint(op.f('ck_units_status'), type_='check')
        batch.create_check_constraint(op.f('ck_units_status'), f"status IN ({_quoted(STATUSES)})")
    with op.batch_alter_table('incidents') as batch:
        batch.add_column(sa.Column('unassigned_alarm_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('incidents') as batch:
        batch.drop_column('unassigned_alarm_at')
    op.execute("UPDATE units SET status = 'dispatched' WHERE status = 'acknowledged'")
    with op.batch_alter_table('units') as batch:
        batch.drop_constraint(op.f('ck_units_status'), type_='check')
        batch.create_check_constraint(op.f('ck_units_status'),
                                      f"status IN ({_quoted(s for s in STATUSES if s != 'acknowledged')})")
        batch.drop_column('status_reason')
    with op.batch_alter_table('assignments') as batch:
        batch.drop_column('release_reason')
        batch.drop_column('released_at')
        batch.drop_column('acknowledged_at')
