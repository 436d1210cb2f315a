#!/usr/bin/env bash
# Installs what is missing and starts Keel on embedded defaults (PGlite + the built-in PVE simulator).
source "$(dirname "$0")/lib.sh"
ensure_pnpm
ensure_deps
echo "› building the dashboard"
pnpm build >/dev/null
exec pnpm --silent start
