"""What the store's check of the acting principal costs per operation, in one warm process.

    python benchmarks/bench_access.py [--calls 200]

Store.open_version (cache warm) and Store.versions on the sample published to a territory, for three principals:
the operator (no database read for its rights), an anonymous visitor (the territory's row) and an account with
an editor's role (its user and role rows too). Process time per call, best of 5 rounds; SQLite in a temporary
file.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    from nrdash import store as st

    code, data = "241700434", (ROOT / "data" / "recensement-exemple.xlsx").read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        s = st.Store(f"sqlite:///{tmp}/nrdash.db", seed_sample=False)
        op = st.Principal.operator()
        s.add_user(op, "admin@exemple.fr", "motdepasse-long")
        s.add_user(op, "ed@exemple.fr", "motdepasse-long", "éditeur", code)
        s.publish(op, code, data, "recensement.xlsx")
        s.set_territory(op, code, anonymous_read=True)  # a new territory opens closed: opened for the visitor
        principals = {"exploitant": op, "anonyme": st.Principal.anonymous("192.0.2.1"),
                      "compte éditeur": st.Principal.account("ed@exemple.fr")}
        for name, who in principals.items():
            for label, call in (("open_version", lambda who=who: s.open_version(who, code)),
                                ("versions", lambda who=who: s.versions(who, code))):
                call()
                rounds = []
                for _ in range(5):
                    t = time.process_time()
                    for _ in range(args.calls):
                        call()
                    rounds.append((time.process_time() - t) / args.calls)
                print(f"{name:15s} {label:13s} {min(rounds) * 1000:.2f} ms de CPU par appel")
        s.close()


if __name__ == "__main__":
    main()
