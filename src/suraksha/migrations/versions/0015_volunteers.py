"""Volunteers near an SOS (issue 10, point 5): volunteers and their history, the call-out of each SOS (a timer
row, one per incident) and each alert to a volunteer.

Revision ID: 0015_volunteers
Revises: 0014_deadline_watch
Create Date: 2026-12-03 07:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = '0015_volunteers'
down_revision = '0014_deadline_watch'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'volunteers',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('phone_sealed', sa.Text(), nullable=False),
        sa.Column('phone_fingerprint', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('city', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=2), nullable=True),
        sa.Column('locality', sa.String(length=120), nullable=False),
        sa.Column('base_lon', sa.Float(), nullable=False),
        sa.Column('base_lat', sa.Float(), nullable=False),
        sa.Column('skills', sa.String(length=200), server_default='', nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('status_reason', sa.String(length=500), nullable=True),
        sa.Column('verified_by', sa.String(length=64), nullable=True),
        sa.Column('verified_at', sa.DateTime(), nullable=True),
        sa.Column('verification_check', sa.String(length=500), nullable=True),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.Column('available', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('available_since', sa.DateTime(), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('position_at', sa.DateTime(), nullable=True),
        sa.Column('applied_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id']),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('account_id', name=op.f('uq_volunteers_account_id')),
    )
    op.create_index('ix_volunteers_phone_fingerprint', 'volunteers', ['phone_fingerprint'], unique=True,
                    sqlite_where=sa.text("status != 'refused'"), postgresql_where=sa.text("status != 'refused'"))
    op.create_index('ix_volunteers_station_id', 'volunteers', ['station_id'])
    op.create_index('ix_volunteers_status_available', 'volunteers', ['status', 'available'])
    op.create_table(
        'volunteer_changes',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('volunteer_id', sa.Integer(), nullable=False),
        sa.Column('change', sa.String(length=16), nullable=False),
        sa.Column('detail', sa.String(length=1000), server_default='', nullable=False),
        sa.Column('changed_by', sa.String(length=64), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_volunteer_changes_volunteer_id', 'volunteer_changes', ['volunteer_id'])
    op.create_table(
        'volunteer_callouts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('alerted_at', sa.DateTime(), nullable=True),
        sa.Column('alerted', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('incident_id', name=op.f('uq_volunteer_callouts_incident_id')),
    )
    op.create_index('ix_volunteer_callouts_created_at', 'volunteer_callouts', ['created_at'])
    op.create_index('ix_volunteer_callouts_due', 'volunteer_callouts', ['alerted_at', 'due_at'])
    op.create_table(
        'volunteer_alerts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('callout_id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('volunteer_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('locality', sa.String(length=120), nullable=False),
        sa.Column('area_lat', sa.Float(), nullable=False),
        sa.Column('area_lon', sa.Float(), nullable=False),
        sa.Column('distance_band', sa.String(length=16), nullable=False),
        sa.Column('distance_m', sa.Integer(), nullable=False),
        sa.Column('alerted_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('answer', sa.String(length=16), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['callout_id'], ['volunteer_callouts.id']),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id']),
        sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('incident_id', 'volunteer_id', name='uq_volunteer_alerts_incident_volunteer'),
    )
    op.create_index('ix_volunteer_alerts_incident_id', 'volunteer_alerts', ['incident_id'])
    op.create_index('ix_volunteer_alerts_volunteer_id', 'volunteer_alerts', ['volunteer_id'])


def downgrade() -> None:
    op.drop_index('ix_volunteer_alerts_volunteer_id', table_name='volunteer_alerts')
    op.drop_index('ix_volunteer_alerts_incident_id', table_name='volunteer_alerts')
    op.drop_table('volunteer_alerts')
    op.drop_index('ix_volunteer_callouts_due', table_name='volunteer_callouts')
    op.drop_index('ix_volunteer_callouts_created_at', table_name='volunteer_callouts')
    op.drop_table('volunteer_callouts')
    op.drop_index('ix_volunteer_changes_volunteer_id', table_name='volunteer_changes')
    op.drop_table('volunteer_changes')
    op.drop_index('ix_volunteers_status_available', table_name='volunteers')
    op.drop_index('ix_volunteers_station_id', table_name='volunteers')
    op.drop_index('ix_volunteers_phone_fingerprint', table_name='volunteers')
    op.drop_table('volunteers')
