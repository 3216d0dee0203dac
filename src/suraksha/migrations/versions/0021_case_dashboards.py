"""What the case dashboards read (issue 12, point 7): each case's facts and the roll-up per station × cohort month ×
offence class, kept in the transaction of every change to a case; backfilled here from the cases already there
(local days in Asia/Kolkata, the zone of every shipped city).

Revision ID: 0021_case_dashboards
Revises: 0020_victim_updates
Create Date: 2026-12-03 10:30:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0021_case_dashboards'
down_revision = '0020_victim_updates'
branch_labels = None
depends_on = None

COUNTERS = (
    "registered", "with_deadline", "open", "charge_sheets", "closures", "within_deadline", "late_reports",
    "report_days_sum", "reports_with_days",
    "late_forensic_report_awaited", "late_medical_report_awaited", "late_accused_absconding",
    "late_victim_statement_pending", "late_witness_unavailable", "late_other", "late_none_recorded",
    "forensic_requests", "forensic_results", "forensic_days_sum", "forensic_on_time",
    "court_cases", "court_pending", "disposed_conviction", "disposed_acquittal", "disposed_other", "hearings",
    "adjournments",
)


def upgrade() -> None:
    op.create_table(
        'case_facts',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('city', sa.String(length=64), nullable=True),
        sa.Column('state', sa.String(length=2), nullable=True),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('offence_class', sa.String(length=16), nullable=False),
        sa.Column('since_on', sa.Date(), nullable=False),
        sa.Column('deadline_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=True),
        sa.Column('delays', sa.Integer(), nullable=False),
        sa.Column('forensic_requests', sa.Integer(), nullable=False),
        sa.Column('forensic_results', sa.Integer(), nullable=False),
        sa.Column('forensic_days', sa.Integer(), nullable=False),
        sa.Column('forensic_on_time', sa.Integer(), nullable=False),
        sa.Column('forensic_pending', sa.Integer(), nullable=False),
        sa.Column('forensic_due_on', sa.Date(), nullable=True),
        sa.Column('in_court', sa.Boolean(), nullable=False),
        sa.Column('disposal', sa.String(length=12), nullable=True),
        sa.Column('hearings', sa.Integer(), nullable=False),
        sa.Column('adjournments', sa.Integer(), nullable=False),
        sa.Column('report_days', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_facts_case_id_cases')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_facts')),
    )
    op.create_index('ix_case_facts_status_state', 'case_facts', ['status', 'state', 'month'])
    op.create_index('ix_case_facts_report_days', 'case_facts', ['status', 'month', 'state', 'report_days'])
    op.create_index('ix_case_facts_forensic_due', 'case_facts', ['forensic_due_on'])
    op.create_index('ix_case_facts_station_month', 'case_facts', ['station_id', 'month'])
    op.create_index('ix_case_facts_city_month', 'case_facts', ['city', 'month'])
    op.create_table(
        'case_rollup',
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('offence_class', sa.String(length=16), nullable=False),
        sa.Column('city', sa.String(length=64), nullable=True),
        sa.Column('state', sa.String(length=2), nullable=True),
        *(sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in COUNTERS),
        sa.PrimaryKeyConstraint('station_id', 'month', 'offence_class', name=op.f('pk_case_rollup')),
    )
    op.create_index('ix_case_rollup_state_month', 'case_rollup', ['state', 'month'])
    op.create_index('ix_case_rollup_city_month', 'case_rollup', ['city', 'month'])
    from suraksha.cases.dashboards.store import rebuild
    from suraksha.core.localtime import DEFAULT_ZONE

    rebuild(op.get_bind(), lambda _city: DEFAULT_ZONE)


def downgrade() -> None:
    op.drop_index('ix_case_rollup_city_month', table_name='case_rollup')
    op.drop_index('ix_case_rollup_state_month', table_name='case_rollup')
    op.drop_table('case_rollup')
    for name in ('ix_case_facts_city_month', 'ix_case_facts_station_month', 'ix_case_facts_forensic_due',
                 'ix_case_facts_report_days', 'ix_case_facts_status_state'):
        op.drop_index(name, table_name='case_facts')
    op.drop_table('case_facts')
