#!/usr/bin/env bash
# Start a local PostgreSQL for civicai's tests and print its URL on stdout (only the URL).
#
#   export CIVICAI_TEST_POSTGRES_URL="$(bash .ci/start-postgres.sh)"
#
# Works as root on a fresh Debian 12 machine without systemd: installs Debian's PostgreSQL (15)
# when missing, creates/starts the cluster with pg_ctlcluster, creates role civicai (password civicai,
# CREATEDB so tests can make throw-away databases) and databases civicai and civicai_test.
# Idempotent: running it again on a running server only re-checks and prints the URL.
# Progress goes to stderr so that command substitution captures just the URL.
set -euo pipefail

PG_PORT="${PG_PORT:-5432}"
PG_USER=civicai
PG_PASSWORD=civicai
PG_TEST_DB=civicai_test
URL="postgresql+psycopg://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${PG_TEST_DB}"

log() { echo "start-postgres: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (it installs packages and switches to the postgres user)"
  exit 1
fi

# 1. Install the server if it is not there (Debian 12 ships PostgreSQL 15).
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing PostgreSQL with apt-get (not found)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y postgresql >&2
fi

# The newest installed major version (15 on Debian 12).
PG_VERSION="${PG_VERSION:-$(ls /usr/lib/postgresql | sort -V | tail -n 1)}"
PG_BIN="/usr/lib/postgresql/${PG_VERSION}/bin"
log "using PostgreSQL ${PG_VERSION}"

# 2. Make sure a cluster exists (the package's postinst normally creates 15/main).
if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "${PG_VERSION}/main"; then
  log "creating cluster ${PG_VERSION}/main on port ${PG_PORT}"
  pg_createcluster --port "${PG_PORT}" "${PG_VERSION}" main >&2
fi

# 3. Start it if it is down (no systemd needed: pg_ctlcluster drives pg_ctl as user postgres).
status="$(pg_lsclusters -h | awk -v v="${PG_VERSION}" '$1==v && $2=="main" {print $4}')"
if [ "${status}" != "online" ]; then
  log "starting cluster ${PG_VERSION}/main"
  # pg_ctl (behind pg_ctlcluster) ignores a stale postmaster.pid left by a killed container.
  pg_ctlcluster "${PG_VERSION}" main start >&2 || {
    log "pg_ctlcluster failed; last log lines:"
    tail -n 20 "/var/log/postgresql/postgresql-${PG_VERSION}-main.log" >&2 || true
    exit 1
  }
fi

# 4. Wait until it accepts TCP connections on 127.0.0.1.
for _ in $(seq 1 60); do
  if "${PG_BIN}/pg_isready" -q -h 127.0.0.1 -p "${PG_PORT}"; then break; fi
  sleep 0.5
done
if ! "${PG_BIN}/pg_isready" -q -h 127.0.0.1 -p "${PG_PORT}"; then
  log "server did not become ready on 127.0.0.1:${PG_PORT}"
  tail -n 20 "/var/log/postgresql/postgresql-${PG_VERSION}-main.log" >&2 || true
  exit 1
fi

# 5. Role and databases, created only when missing.
psql_admin() { su postgres -c "psql -X -q -v ON_ERROR_STOP=1 -p ${PG_PORT} -d postgres $*" >&2; }
psql_admin "-c \"DO \\\$\\\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_USER}') THEN
    CREATE ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}';
  ELSE
    ALTER ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}';
  END IF;
END \\\$\\\$;\""
for db in civicai "${PG_TEST_DB}"; do
  exists="$(su postgres -c "psql -X -tA -p ${PG_PORT} -d postgres -c \"SELECT 1 FROM pg_database WHERE datname = '${db}'\"")"
  if [ "${exists}" != "1" ]; then
    log "creating database ${db}"
    su postgres -c "createdb -p ${PG_PORT} -O ${PG_USER} ${db}" >&2
  fi
done

# 6. Prove the URL works with the password over TCP before handing it out.
PGPASSWORD="${PG_PASSWORD}" "${PG_BIN}/psql" -X -tA -h 127.0.0.1 -p "${PG_PORT}" -U "${PG_USER}" -d "${PG_TEST_DB}" \
  -c "SELECT 1" >/dev/null
log "ready"
echo "${URL}"
