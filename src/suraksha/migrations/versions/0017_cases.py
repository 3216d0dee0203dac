"""Cases: the FIR, the investigation clock and sealed identity (issue 12).

The offence table (BNS and POCSO sections) and the clock rules (BNSS s193(2): 60 days, alerts at 30, 45 and 55 days
and on breach) are seeded from the shipped data (`data/offences/`, read through `suraksha.cases.offences`), as
maintained data administrators change afterwards.

Revision ID: 0017_cases
Revises: 0016_position_history
Create Date: 2026-12-03 07:00:00.000000
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

from suraksha.cases.offences import shipped_rules, shipped_sections

revision = '0017_cases'
down_revision = '0016_position_history'
branch_labels = None
depends_on = None


def upgrade() -> None:
    sections = op.create_table(
        'offence_sections',
        sa.Column('code', sa.String(length=24), nullable=False),
        sa.Column('act', sa.String(length=8), nullable=False),
        sa.Column('section', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('sexual_offence', sa.Boolean(), nullable=False),
        sa.Column('woman_officer_required', sa.Boolean(), nullable=False),
        sa.Column('clock_class', sa.String(length=32), nullable=True),
        sa.Column('registrable', sa.Boolean(), nullable=False),
        sa.Column('source', sa.String(length=300), server_default='', nullable=False),
        sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_offence_sections')),
    )
    rules = op.create_table(
        'clock_rules',
        sa.Column('offence_class', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=200), server_default='', nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('points', sa.JSON(), nullable=False),
        sa.Column('source', sa.String(length=600), server_default='', nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('offence_class', name=op.f('pk_clock_rules')),
    )
    op.create_table(
        'fir_counters',
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last_serial', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_fir_counters_station_id_stations')),
        sa.PrimaryKeyConstraint('station_id', 'year', name=op.f('pk_fir_counters')),
    )
    op.create_table(
        'cases',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('fir_number', sa.String(length=32), nullable=False),
        sa.Column('zero_fir_number', sa.String(length=32), nullable=True),
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('city', sa.String(length=64), nullable=True),
        sa.Column('state', sa.String(length=2), nullable=True),
        sa.Column('registered_station_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('zero_fir', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('jurisdiction_station_id', sa.Integer(), nullable=True),
        sa.Column('sections', sa.JSON(), nullable=False),
        sa.Column('sexual_offence', sa.Boolean(), nullable=False),
        sa.Column('clock_class', sa.String(length=32), nullable=True),
        sa.Column('occurred_at', sa.DateTime(), nullable=False),
        sa.Column('place', sa.String(length=300), nullable=False),
        sa.Column('place_lat', sa.Float(), nullable=True),
        sa.Column('place_lon', sa.Float(), nullable=True),
        sa.Column('summary_sealed', sa.Text(), nullable=False),
        sa.Column('pseudonym', sa.String(length=64), nullable=False),
        sa.Column('victim_name_sealed', sa.Text(), nullable=False),
        sa.Column('victim_phone_sealed', sa.Text(), nullable=True),
        sa.Column('victim_address_sealed', sa.Text(), nullable=True),
        sa.Column('victim_age', sa.Integer(), nullable=True),
        sa.Column('victim_language', sa.String(length=8), nullable=False),
        sa.Column('woman_officer', sa.String(length=120), nullable=True),
        sa.Column('incident_tracking', sa.String(length=9), nullable=True),
        sa.Column('registered_by', sa.String(length=64), nullable=False),
        sa.Column('registered_at', sa.DateTime(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=True),
        sa.Column('signature_due_at', sa.DateTime(), nullable=True),
        sa.Column('signed_at', sa.DateTime(), nullable=True),
        sa.Column('deadline_days', sa.Integer(), nullable=True),
        sa.Column('deadline_at', sa.DateTime(), nullable=True),
        sa.Column('io_username', sa.String(length=64), nullable=True),
        sa.Column('io_assigned_at', sa.DateTime(), nullable=True),
        sa.Column('stopped_at', sa.DateTime(), nullable=True),
        sa.Column('stopped_by', sa.String(length=64), nullable=True),
        sa.Column('report_reference', sa.String(length=120), nullable=True),
        sa.Column('report_filed_on', sa.Date(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_cases_station_id_stations')),
        sa.ForeignKeyConstraint(['registered_station_id'], ['stations.id'],
                                name=op.f('fk_cases_registered_station_id_stations')),
        sa.ForeignKeyConstraint(['jurisdiction_station_id'], ['stations.id'],
                                name=op.f('fk_cases_jurisdiction_station_id_stations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
        sa.UniqueConstraint('fir_number', name=op.f('uq_cases_fir_number')),
        sa.UniqueConstraint('zero_fir_number', name=op.f('uq_cases_zero_fir_number')),
        sa.UniqueConstraint('pseudonym', name=op.f('uq_cases_pseudonym')),
    )
    with op.batch_alter_table('cases') as batch:
        batch.create_index(batch.f('ix_cases_station_id'), ['station_id'], unique=False)
        batch.create_index(batch.f('ix_cases_state'), ['state'], unique=False)
        batch.create_index(batch.f('ix_cases_incident_tracking'), ['incident_tracking'], unique=False)
        batch.create_index(batch.f('ix_cases_io_username'), ['io_username'], unique=False)
        batch.create_index('ix_cases_open_deadline', ['status', 'deadline_at'], unique=False)
    op.create_table(
        'case_accused',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('known', sa.Boolean(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=True),
        sa.Column('age', sa.Integer(), nullable=True),
        sa.Column('sex', sa.String(length=16), nullable=True),
        sa.Column('description', sa.String(length=300), server_default='', nullable=False),
        sa.Column('registry_person_id', sa.Integer(), nullable=True),
        sa.Column('registry_linked_by', sa.String(length=64), nullable=True),
        sa.Column('registry_linked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_accused_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_accused')),
        sa.UniqueConstraint('case_id', 'position', name='uq_case_accused_case_position'),
    )
    with op.batch_alter_table('case_accused') as batch:
        batch.create_index(batch.f('ix_case_accused_case_id'), ['case_id'], unique=False)
    op.create_table(
        'case_log',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_log_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_log')),
    )
    with op.batch_alter_table('case_log') as batch:
        batch.create_index('ix_case_log_case_at', ['case_id', 'at'], unique=False)
        batch.create_index('ix_case_log_kind_at', ['kind', 'at'], unique=False)
    op.create_table(
        'case_timers',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('point', sa.String(length=16), nullable=True),
        sa.Column('notify', sa.JSON(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('fired_at', sa.DateTime(), nullable=True),
        sa.Column('cancelled_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_timers_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_timers')),
        sa.UniqueConstraint('case_id', 'kind', 'point', name='uq_case_timers_case_kind_point'),
    )
    with op.batch_alter_table('case_timers') as batch:
        batch.create_index(batch.f('ix_case_timers_case_id'), ['case_id'], unique=False)
        batch.create_index('ix_case_timers_due', ['due_at'], unique=False)
    op.create_table(
        'case_unsealings',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('granted', sa.Boolean(), nullable=False),
        sa.Column('refused_code', sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_unsealings_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_unsealings')),
    )
    with op.batch_alter_table('case_unsealings') as batch:
        batch.create_index(batch.f('ix_case_unsealings_case_id'), ['case_id'], unique=False)

    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(sections, [
        {'code': s.code, 'act': s.act, 'section': s.section, 'title': s.title, 'sexual_offence': s.sexual_offence,
         'woman_officer_required': s.woman_officer_required, 'clock_class': s.clock_class,
         'registrable': s.registrable, 'source': source, 'active': True, 'updated_by': 'suraksha', 'updated_at': now}
        for s, source in shipped_sections()])
    found, source = shipped_rules()
    op.bulk_insert(rules, [
        {'offence_class': r.offence_class, 'title': r.title, 'days': r.days, 'source': source[:600],
         'points': [{'point': p.point, 'after_days': p.after_days, 'notify': list(p.notify)} for p in r.points],
         'updated_by': 'suraksha', 'updated_at': now} for r in found])


def downgrade() -> None:
    for table in ('case_unsealings', 'case_timers', 'case_log', 'case_accused', 'cases', 'fir_counters',
                  'clock_rules', 'offence_sections'):
        op.drop_table(table)
