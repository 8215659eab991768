#!/usr/bin/env bash
# Run once by the postgres image on a new data volume (/docker-entrypoint-initdb.d): the
# warehouse gets a database and an owner of its own beside Airflow's metadata database.
set -euo pipefail

: "${CAMPAIGN_OPS_DB_PASSWORD:?缺少 CAMPAIGN_OPS_DB_PASSWORD（见 .env.example）}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
    -v warehouse_password="$CAMPAIGN_OPS_DB_PASSWORD" <<'SQL'
CREATE ROLE campaign_ops LOGIN PASSWORD :'warehouse_password';
CREATE DATABASE campaign_ops OWNER campaign_ops ENCODING 'UTF8' TEMPLATE template0;
SQL
