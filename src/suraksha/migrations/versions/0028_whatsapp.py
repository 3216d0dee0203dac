"""WhatsApp (issue 9): a station's women helpline linked to a WhatsApp Business phone number id; the channel's own
identity on each contact (`via`: the phone number id she wrote to), so that every message to her goes back the
way she came; an outbound message's sending identity and what the provider said became of it (delivery statuses);
and the 24-hour windows in which WhatsApp lets a business answer with free text.

Revision ID: 0028_whatsapp
Revises: 0027_alarm_due_indexes
Create Date: 2026-12-04 20:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import suraksha.adapters.db

revision = '0028_whatsapp'
down_revision = '0027_alarm_due_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stations') as batch:
        batch.add_column(sa.Column('whatsapp_phone_number_id', sa.String(length=32), nullable=True))
        batch.create_unique_constraint('uq_stations_whatsapp_phone_number_id', ['whatsapp_phone_number_id'])
    with op.batch_alter_table('incident_contacts') as batch:
        batch.add_column(sa.Column('via', sa.String(length=32), nullable=True))
    with op.batch_alter_table('outbound_messages') as batch:
        batch.add_column(sa.Column('via', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('delivery_status', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('delivery_at', suraksha.adapters.db.UtcDateTime(), nullable=True))
    op.create_index('ix_outbound_messages_provider_ref', 'outbound_messages', ['provider_ref'])
    op.create_table(
        'conversation_windows',
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('via', sa.String(length=32), nullable=False),
        sa.Column('last_heard_at', suraksha.adapters.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('fingerprint', 'channel', 'via', name=op.f('pk_conversation_windows')),
    )


def downgrade() -> None:
    op.drop_table('conversation_windows')
    op.drop_index('ix_outbound_messages_provider_ref', table_name='outbound_messages')
    with op.batch_alter_table('outbound_messages') as batch:
        batch.drop_column('delivery_at')
        batch.drop_column('delivery_status')
        batch.drop_column('via')
    with op.batch_alter_table('incident_contacts') as batch:
        batch.drop_column('via')
    with op.batch_alter_table('stations') as batch:
        batch.drop_constraint('uq_stations_whatsapp_phone_number_id', type_='unique')
        batch.drop_column('whatsapp_phone_number_id')
