"""Response-time targets (issue 10), as data an administrator edits, seeded with the states' published targets;
and each station's area class (urban unless set).

Revision ID: 0012_response_targets
Revises: 0011_escalation
Create Date: 2026-12-03 03:00:00.000000
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

revision = '0012_response_targets'
down_revision = '0011_escalation'
branch_labels = None
depends_on = None

# (state, area class, minutes, source): the states' own targets (docs/dispatch.md lists the sources).
PUBLISHED = [
    ('MH', 'urban', 10, 'Maharashtra 112: 10 minutes urban'),
    ('MH', 'rural', 15, 'Maharashtra 112: 15 minutes rural'),
    ('MP', 'urban', 5, 'MP Dial 100 target, CAG audit 2015-20: 5 minutes urban'),
    ('MP', 'rural', 30, 'MP Dial 100 target, CAG audit 2015-20: 30 minutes rural'),
    ('PB', 'urban', 8, 'Punjab 112 target 7-8 minutes (2025)'),
    ('PB', 'rural', 8, 'Punjab 112 target 7-8 minutes (2025)'),
]


def upgrade() -> None:
    targets = op.create_table(
        'response_targets',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('state', sa.String(length=2), nullable=False),
        sa.Column('area_class', sa.String(length=8), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=True),
        sa.Column('category', sa.String(length=32), nullable=True),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=300), server_default='', nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('state', 'area_class', 'priority', 'category', name='uq_response_targets_rule'),
    )
    op.create_table(
        'station_areas',
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('area_class', sa.String(length=8), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('station_id'),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(targets, [{'state': s, 'area_class': a, 'priority': None, 'category': None, 'minutes': m,
                              'source': src, 'updated_by': 'suraksha', 'updated_at': now}
                             for s, a, m, src in PUBLISHED])


def downgrade() -> None:
    op.drop_table('station_areas')
    op.drop_table('response_targets')
