"""The incident's life: its state, a log of everything that happened, dispositions, proposed locations;
the state of every station, unit and incident (from the places table).

Revision ID: 0004_incident_life
Revises: 0003_places
Create Date: 2026-12-02 13:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

from suraksha.incidents.model import DEFAULT_DISPOSITIONS

revision = '0004_incident_life'
down_revision = '0003_places'
branch_labels = None
depends_on = None

def _incident_columns() -> tuple[sa.Column, ...]:
    return (
        sa.Column('state', sa.String(length=2), nullable=True),
        sa.Column('language', sa.String(length=8), nullable=True),
        sa.Column('location_accuracy_m', sa.Float(), nullable=True),
        sa.Column('proposed_lon', sa.Float(), nullable=True),
        sa.Column('proposed_lat', sa.Float(), nullable=True),
        sa.Column('proposed_at', sa.DateTime(), nullable=True),
        sa.Column('disposition_code', sa.String(length=32), nullable=True),
        sa.Column('closed_by', sa.String(length=64), nullable=True),
        sa.Column('reopened_at', sa.DateTime(), nullable=True),
    )


def upgrade() -> None:
    with op.batch_alter_table('stations') as batch:
        batch.add_column(sa.Column('state', sa.String(length=2), nullable=True))
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('state', sa.String(length=2), nullable=True))
        batch.create_index('ix_units_state', ['state'])
    with op.batch_alter_table('incidents') as batch:
        for column in _incident_columns():
            batch.add_column(column)
        batch.create_index('ix_incidents_state', ['state'])
    with op.batch_alter_table('inbound_messages') as batch:
        batch.add_column(sa.Column('channel', sa.String(length=16), server_default='sms', nullable=False))
    op.create_table(
        'incident_log',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_log_incident_id_incidents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_log')),
    )
    op.create_index('ix_incident_log_incident_at', 'incident_log', ['incident_id', 'at'])
    dispositions = op.create_table(
        'dispositions',
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=False),
        sa.Column('outcome', sa.String(length=300), nullable=False),
        sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
        sa.Column('position', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_dispositions')),
    )
    op.bulk_insert(dispositions, [{"code": d.code, "label": d.label, "outcome": d.outcome, "active": True,
                                   "position": i} for i, d in enumerate(DEFAULT_DISPOSITIONS)])
    # Every station, unit and incident gets its state from its city (the places table).
    op.execute("UPDATE stations SET state = (SELECT p.state_code FROM places p WHERE p.kind = 'city' "
               "AND p.key = stations.city)")
    op.execute("UPDATE units SET state = (SELECT s.state FROM stations s WHERE s.id = units.home_station_id)")
    op.execute("UPDATE incidents SET state = (SELECT p.state_code FROM places p WHERE p.kind = 'city' "
               "AND p.key = incidents.city)")


def downgrade() -> None:
    op.drop_table('dispositions')
    op.drop_index('ix_incident_log_incident_at', table_name='incident_log')
    op.drop_table('incident_log')
    with op.batch_alter_table('inbound_messages') as batch:
        batch.drop_column('channel')
    with op.batch_alter_table('incidents') as batch:
        batch.drop_index('ix_incidents_state')
        for column in reversed(_incident_columns()):
            batch.drop_column(column.name)
    with op.batch_alter_table('units') as batch:
        batch.drop_index('ix_units_state')
        batch.drop_column('state')
    with op.batch_alter_table('stations') as batch:
        batch.drop_column('state')
