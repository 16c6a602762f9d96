#!/usr/bin/env bash
# Installs everything the tests need (.venv, and Debian's chromium for the browser tests) and runs them all.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium absent : installez-le (sudo apt-get install chromium) pour les tests navigateur." >&2
  fi
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements-dev.txt
bash scripts/geo.sh .venv/bin/python
exec .venv/bin/python -m pytest "$@"
