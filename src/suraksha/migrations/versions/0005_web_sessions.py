"""Web sessions kept on the server, so that they end at sign-out, at a password change or by an administrator;
failed sign-ins counted per account and per address, so that guessing is slowed and an account can be locked.

Revision ID: 0005_web_sessions
Revises: 0004_incident_life
Create Date: 2026-12-02 14:10:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = '0005_web_sessions'
down_revision = '0004_incident_life'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_web_sessions_account_id_accounts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_web_sessions')),
    )
    op.create_index(op.f('ix_web_sessions_account_id'), 'web_sessions', ['account_id'])
    op.create_table(
        'sign_in_failures',
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', sa.DateTime(), nullable=False),
        sa.Column('blocked_until', sa.DateTime(), nullable=True),
        sa.Column('locked', sa.Boolean(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_failures')),
    )


def downgrade() -> None:
    op.drop_table('sign_in_failures')
    op.drop_index(op.f('ix_web_sessions_account_id'), table_name='web_sessions')
    op.drop_table('web_sessions')
