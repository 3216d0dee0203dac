"""The follow-up lookup's index: a sender's fingerprint leads straight to her incidents (fingerprint, incident id),
whatever the history; it replaces the fingerprint-only index, and the incident-only one that the unique
(incident, fingerprint) constraint already provides.

Revision ID: 0007_follow_up_index
Revises: 0006_second_factor
Create Date: 2026-12-02 18:00:00.000000
"""
from alembic import op

revision = '0007_follow_up_index'
down_revision = '0006_second_factor'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incident_contacts') as batch:
        batch.drop_index('ix_incident_contacts_fingerprint')
        batch.drop_index('ix_incident_contacts_incident_id')
        batch.create_index('ix_incident_contacts_fingerprint_incident', ['fingerprint', 'incident_id'])


def downgrade() -> None:
    with op.batch_alter_table('incident_contacts') as batch:
        batch.drop_index('ix_incident_contacts_fingerprint_incident')
        batch.create_index('ix_incident_contacts_incident_id', ['incident_id'])
        batch.create_index('ix_incident_contacts_fingerprint', ['fingerprint'])
