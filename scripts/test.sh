#!/usr/bin/env bash
# Runs every check and test suite against the real PostgreSQL and MariaDB, starting them if needed.
source "$(dirname "$0")/lib.sh"
ensure_pnpm
ensure_deps
ensure_postgres
ensure_mariadb
echo "› typecheck";          pnpm --silent typecheck
echo "› lint";               pnpm --silent lint
echo "› build";              pnpm --silent build >/dev/null
echo "› tests"
# The last line vitest prints is "N passed, N failed, N skipped" (test/summary-reporter.ts).
CI=true pnpm --silent test
