"""The database schema's history (Alembic) and the one module that registers every capability's tables."""
