#!/usr/bin/env bash
# Installs nrdash in .venv and starts the app on the embedded sample census.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements.txt
bash scripts/geo.sh .venv/bin/python
exec .venv/bin/python -m streamlit run nrdash/server.py "$@"
