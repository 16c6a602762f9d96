#!/usr/bin/env bash
# Installs everything the tests need (.venv, Debian's chromium, PostgreSQL, HAProxy, LibreOffice), checks the code
# with ruff (settings in pyproject.toml), then runs the tests. The arguments are pytest's.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's chromium (browser tests), PostgreSQL (the store's tests start a cluster of their own on loopback) and
# HAProxy (tests/e2e/test_replicas.py: two replicas behind it, as deploy/haproxy.cfg).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
# LibreOffice converts the .odt briefing to PDF, poppler's pdftotext reads it (tests/test_report_odt.py).
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "${missing[*]} absent(s) : installez-les (sudo apt-get install ${missing[*]}) pour les tests navigateur, PostgreSQL, HAProxy et LibreOffice." >&2
  fi
fi
bash scripts/install.sh requirements-dev.txt
if ! .venv/bin/python -m ruff check .; then
  echo "Le code ne passe pas ruff (ci-dessus) : corrigez-le, ou lancez .venv/bin/python -m ruff check --fix . pour les corrections sûres, puis relancez bash scripts/test.sh." >&2
  exit 1
fi
# On two processes (pytest-xdist; the tests of a file stay together, in order, each process has its own data folder,
# PostgreSQL instance and servers): NRDASH_TEST_WORKERS=1 runs them in one.
workers=${NRDASH_TEST_WORKERS:-2}
parallel=()
# (the longest files first, in tests/conftest.py's order: not xdist's, which hands out the files with most tests first)
if [ "$workers" -gt 1 ]; then parallel=(-n "$workers" --dist loadfile --no-loadscope-reorder); fi
exec .venv/bin/python -m pytest "${parallel[@]}" "$@"
