#!/usr/bin/env bash
# Installs what nrdash needs in .venv, only when it is missing or the requirements changed since the last install
# (a stamp of the requirement files): a start with everything installed touches no network and prints nothing,
# so the app starts at once in a council room without network.
# Usage: scripts/install.sh requirements.txt        (the app)
#        scripts/install.sh requirements-dev.txt    (the tests)
set -euo pipefail
cd "$(dirname "$0")/.."
REQ=${1:-requirements.txt}
PY=${PYTHON:-python3}
STAMP=".venv/.nrdash-$(basename "$REQ" .txt)"
want=$(cat "$REQ" requirements.txt requirements-geo.txt scripts/geo.sh scripts/install.sh | sha256sum | cut -d' ' -f1)
geo_ready() {
  local f
  for f in communes.parquet contours.parquet epci.parquet meta.json; do [ -f "data/geo/$f" ] || return 1; done
}
if [ -x .venv/bin/python ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ] && geo_ready; then
  exit 0
fi

say() { printf '%s\n' "$*" >&2; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed() { say "Échec de l'installation ($1). Dernières lignes :"; tail -n 20 "$log" >&2; exit 1; }
begin=$SECONDS
say "Installation des dépendances de nrdash (première fois, ou dépendances modifiées) :"
if [ ! -x .venv/bin/python ]; then
  say "  1/4 environnement Python (.venv)"
  "$PY" -m venv .venv >"$log" 2>&1 || failed "création de .venv"
else
  say "  1/4 environnement Python (.venv) : déjà là"
fi
say "  2/4 pip"
.venv/bin/python -m pip install --quiet --upgrade pip >"$log" 2>&1 || failed "mise à jour de pip"
say "  3/4 bibliothèques ($REQ), quelques minutes la première fois :"
.venv/bin/python -m pip install --progress-bar off -r "$REQ" 2>&1 | tee "$log" \
  | sed -un 's/^Collecting \([^ ]*\).*/        · \1/p' >&2 || failed "bibliothèques"
say "  4/4 géographie hors ligne (communes, codes postaux, contours)"
bash scripts/geo.sh .venv/bin/python >"$log" 2>&1 || failed "géographie"
grep -h "npm absent\|non construit" "$log" >&2 || true
echo "$want" > "$STAMP"
say "Dépendances installées en $((SECONDS - begin)) s."
