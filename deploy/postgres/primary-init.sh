#!/bin/bash
# The primary's first start (the postgres image runs /docker-entrypoint-initdb.d/*.sh once, on an empty volume):
# a role for the standby's streaming replication, allowed in from the compose network, and synchronous commit with
# the standby, so that her "received" waits until the standby has the transaction (docs/deployment.md).
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
-- The standby's slot: the primary keeps the WAL the standby has not received yet.
SELECT pg_create_physical_replication_slot('standby1');
ALTER SYSTEM SET wal_level = 'replica';
ALTER SYSTEM SET max_wal_senders = 5;
ALTER SYSTEM SET max_replication_slots = 5;
-- Takes effect at the real start, after this script: during it no standby exists yet to wait for.
ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (standby1)';
ALTER SYSTEM SET synchronous_commit = 'on';
SQL

echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
