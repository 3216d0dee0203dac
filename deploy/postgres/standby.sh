#!/bin/bash
# The standby: on an empty volume, a base backup of the primary that then follows it by streaming replication
# (`-R` writes standby.signal and primary_conninfo, named standby1 for synchronous commit; the slot standby1, made by
# primary-init.sh, keeps the WAL it has not received yet). Promote it with
# `docker compose exec postgres-standby pg_ctl promote` (docs/deployment.md, failover).
set -euo pipefail

PRIMARY="host=${PRIMARY_HOST:-postgres-primary} port=${PRIMARY_PORT:-5432} user=replicator application_name=standby1"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    export PGPASSWORD="$REPLICATION_PASSWORD"
    until pg_basebackup -d "$PRIMARY" \
                        -D "$PGDATA" -R -X stream --slot=standby1; do
        echo "the primary is not ready for a base backup yet; trying again" >&2
        rm -rf "${PGDATA:?}"/*
        sleep 2
    done
    chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on
