#!/usr/bin/env bash
# Installs nrdash in .venv when needed (scripts/install.sh: nothing is done, and no network is used, once it is
# installed) and starts the app on the embedded sample census.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh requirements.txt
# Python's small objects from glibc's malloc, which gives back what closed sessions freed (nrdash/allocator.py; the
# server would otherwise start itself again so)
export PYTHONMALLOC="${PYTHONMALLOC:-malloc}"
exec .venv/bin/python -m streamlit run nrdash/web/server.py "$@"
