# Shared by up.sh and test.sh: make sure this machine has what Keel needs, installing what is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")

ensure_pnpm() {
  if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
    echo "› installing pnpm $pnpm_version"
    npm install --global --no-fund --no-audit "pnpm@$pnpm_version" >/dev/null
  fi
}

ensure_deps() {
  echo "› installing dependencies"
  pnpm install --frozen-lockfile --silent
}

ensure_postgres() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "› starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
    for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
  fi
}

ensure_mariadb() {
  if ! mysqladmin -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
    echo "› starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    for _ in $(seq 1 100); do mysqladmin -h 127.0.0.1 -u root ping >/dev/null 2>&1 && break; sleep 0.2; done
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "› installing Debian's chromium (for the browser tests)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  fi
}
