#!/usr/bin/env bash
# Runs every check and test suite against the real PostgreSQL and MariaDB, starting them if needed.
source "$(dirname "$0")/lib.sh"
ensure_pnpm
ensure_deps
ensure_postgres
ensure_mariadb
ensure_chromium
echo "› typecheck";          pnpm --silent typecheck
echo "› lint";               pnpm --silent lint
echo "› build";              pnpm --silent build >/dev/null
# The summary reporter adds each run's counts to this file; the last line printed covers all suites.
KEEL_TEST_TOTALS=$(mktemp)
export KEEL_TEST_TOTALS
trap 'rm -f "$KEEL_TEST_TOTALS"' EXIT
status=0
echo "› tests"
CI=true pnpm --silent test || status=1
echo "› hard tests (crashes, restarts, faults, fuzzing)"
CI=true pnpm --silent test:hard || status=1
exit $status
