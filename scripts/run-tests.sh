#!/usr/bin/env bash
# The whole suite, with a real PostgreSQL for the store/API tests. pytest exits 5 when it ran no test: that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CIVICAI_TEST_POSTGRES_URL:-}" ]; then
  if url=$(bash .ci/start-postgres.sh | tail -n 1) && [ -n "$url" ]; then
    export CIVICAI_TEST_POSTGRES_URL="$url"
  elif [ -n "${CI:-}" ]; then
    echo "error: PostgreSQL could not be started, and CI must test the store on it" >&2
    exit 1
  else
    echo "warning: PostgreSQL could not be started; PostgreSQL tests will skip" >&2
  fi
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/pytest -q "$@"
