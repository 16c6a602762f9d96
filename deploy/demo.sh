#!/usr/bin/env bash
# The reference deployment on this machine, for a person to try: a throw-away PostgreSQL cluster (loopback),
# two replicas of `streamlit run nrdash/web/server.py` sharing it and one cookie secret, HAProxy (deploy/haproxy.cfg)
# in front with cookie stickiness. Needs Debian's postgresql and haproxy, and the test requirements (the cluster
# is tests/pg.py's: bash scripts/install.sh requirements-dev.txt). Run as root, PostgreSQL runs as `postgres`.
#   bash deploy/demo.sh [--port 8080]      then open the printed address; Ctrl-C stops everything.
# The same code (tests/e2e/topology.py) starts the topology of tests/e2e/test_replicas.py.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m tests.e2e.topology "$@"
