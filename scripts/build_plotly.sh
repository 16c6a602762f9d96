#!/usr/bin/env bash
# Build assets/js/plotly-nrdash.min.js: plotly.js with only the traces nrdash draws (see nrdash/plotting.py).
#
#     bash scripts/build_plotly.sh        (needs node and npm; the result is committed, the app never builds it)
#
# Streamlit's own plotly chart ships all of plotly.js: 4.7 MB, 1.06 MB once Brotli-compressed, for every first
# visit of a chart page. nrdash draws bars, heatmaps, sunbursts and scatter plots (in plotly.js's core): the same
# plotly.js, assembled from its own modules as its documentation describes for partial bundles, is 1.3 MB, 0.36 MB
# Brotli-compressed. Same version as the plotly Python package's (figures are built for it).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
PLOTLYJS="$("$PY" -c 'import plotly.offline as o; print(o.get_plotlyjs_version())')"
ESBUILD=0.28.2
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "plotly.js@$PLOTLYJS" "esbuild@$ESBUILD"
cat > entry.mjs <<'JS'
import Plotly from "plotly.js/lib/core";
import bar from "plotly.js/lib/bar";
import heatmap from "plotly.js/lib/heatmap";
import sunburst from "plotly.js/lib/sunburst";
import fr from "plotly.js/lib/locales/fr";
Plotly.register([bar, heatmap, sunburst, fr]);
export default Plotly;
JS
npx esbuild entry.mjs --bundle --minify --format=esm --legal-comments=eof --log-level=warning --define:global=globalThis \
    --banner:js="/*! plotly.js v$PLOTLYJS, partial build for nrdash (scatter, bar, heatmap, sunburst; fr locale) | Copyright 2012-2026, Plotly, Inc. | MIT License */" \
    --outfile=out/plotly-nrdash.min.js
cp out/plotly-nrdash.min.js "$ROOT/assets/js/plotly-nrdash.min.js"
cat > "$ROOT/assets/js/plotly-nrdash.json" <<JSON
{"plotly.js": "$PLOTLYJS", "esbuild": "$ESBUILD", "traces": ["scatter", "bar", "heatmap", "sunburst"], "locales": ["fr"], "license": "MIT (plotly.js, see the end of the file)"}
JSON
ls -l "$ROOT/assets/js/"
