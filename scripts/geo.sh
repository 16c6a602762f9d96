#!/usr/bin/env bash
# Offline geography sources from the package registries, then the compact cache (data/geo/).
# Usage: scripts/geo.sh PYTHON
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-python3}
if [ ! -f .geo/node_modules/@etalab/decoupage-administratif/data/communes.json ]; then
  if command -v npm >/dev/null 2>&1; then
    npm install --silent --no-audit --no-fund --prefix .geo @etalab/decoupage-administratif@6.0.0 >/dev/null
  else
    echo "npm absent : la carte et le placement des acteurs par commune seront indisponibles." >&2
  fi
fi
"$PY" -m pip install --quiet --no-deps -r requirements-geo.txt
"$PY" -m nrdash geo build --if-missing || echo "Cache géographique non construit : voir le message ci-dessus." >&2
