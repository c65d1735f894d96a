#!/usr/bin/env bash
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d): a
# login role the streaming replica's pg_basebackup and walreceiver use, and the pg_hba line
# that lets it ask for replication (the image's catch-all "host all all all" line does not
# cover replication connections).
set -euo pipefail
psql -v ON_ERROR_STOP=1 -v password="$REPLICATION_PASSWORD" \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
