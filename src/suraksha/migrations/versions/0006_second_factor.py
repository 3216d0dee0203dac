"""Two-step sign-in: an authenticator secret (sealed) per account, the last time step accepted (a code is good
once), and single-use recovery codes (hashed).

Revision ID: 0006_second_factor
Revises: 0005_web_sessions
Create Date: 2026-12-02 16:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_second_factor'
down_revision = '0005_web_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('accounts') as batch:
        batch.add_column(sa.Column('totp_secret_sealed', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_recovery_codes_account_id_accounts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    )
    op.create_index(op.f('ix_recovery_codes_account_id'), 'recovery_codes', ['account_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_recovery_codes_account_id'), table_name='recovery_codes')
    op.drop_table('recovery_codes')
    with op.batch_alter_table('accounts') as batch:
        batch.drop_column('totp_last_step')
        batch.drop_column('totp_enabled_at')
        batch.drop_column('totp_secret_sealed')
