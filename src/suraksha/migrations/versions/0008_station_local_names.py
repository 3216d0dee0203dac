"""Stations' names in Hindi and Marathi (the directory shows and searches them), filled in for the stations whose
names ship with Suraksha (data/jurisdictions/station_names_hi_mr.csv).

Revision ID: 0008_station_local_names
Revises: 0007_follow_up_index
Create Date: 2026-12-02 19:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

from suraksha.stations.local_names import known

revision = '0008_station_local_names'
down_revision = '0007_follow_up_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stations') as batch:
        batch.add_column(sa.Column('name_hi', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('name_mr', sa.String(length=200), nullable=True))
    stations = sa.table('stations', sa.column('city', sa.String()), sa.column('name', sa.String()),
                        sa.column('name_hi', sa.String()), sa.column('name_mr', sa.String()))
    for (city, name), (hi, mr) in known().items():
        op.execute(stations.update().where(stations.c.city == city).where(stations.c.name == name)
                   .values(name_hi=hi or None, name_mr=mr or None))


def downgrade() -> None:
    with op.batch_alter_table('stations') as batch:
        batch.drop_column('name_mr')
        batch.drop_column('name_hi')
