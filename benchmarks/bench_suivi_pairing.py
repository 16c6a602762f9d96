"""What the Suivi page's manual pairing sends to the browser, and what its search costs, with many gone and new
actors.

    python benchmarks/bench_suivi_pairing.py [--actors 10000] [--search 100000]

1. Two published versions of --actors actors each, no name in common (every actor gone or new, one kept), opened
   by an editor in AppTest: the serialised size of the pairing section's widgets (search boxes, lists, captions),
   of the whole page, and what one list would weigh if it offered every gone actor (a type-ahead list over all of
   them sends every label).
2. The search itself on --search gone actors (pure functions, no Streamlit): folding the names and communes once
   per comparison, then one query.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["Nom de l'acteur", "Famille d'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Commune",
          "Date de mise à jour"]
COMMUNES = ["Aytré", "Lagord", "La Rochelle", "Périgny", "Puilboreau", "Nieul-sur-Mer"]


def census(prefix: str, n: int) -> bytes:
    from tests.conftest import actors_sheet

    day = dt.date.today()
    rows = [[f"{prefix} structure {i:06d}", "Organismes associatifs", "Association", i % 4, COMMUNES[i % 6], day]
            for i in range(n)]
    rows.append(["Mairie de Lagord", "Acteurs publics & semi-publics", "Commune", 2, "Lagord", day])
    return actors_sheet(rows, HEADER)


def walk(node):
    children = getattr(node, "children", None)
    if children:
        for child in children.values():
            yield from walk(child)
    elif getattr(node, "proto", None) is not None:
        yield node


def page_sizes(n: int) -> None:
    import os

    import pytest

    tmp = Path(tempfile.mkdtemp(prefix="nrdash-bench-pairing-"))
    os.environ["NRDASH_DATA_DIR"] = str(tmp)
    mp = pytest.MonkeyPatch()
    from streamlit.testing.v1 import AppTest

    from nrdash import suivi as sv
    from nrdash.ui import source
    from nrdash.ui import suivi as suivi_ui
    from tests.appstore import EPCI, fresh_store, signed_in
    from tests.principals import OP

    t = time.perf_counter()
    db = fresh_store(tmp, mp, ("a.xlsx", census("Ancienne", n)), ("b.xlsx", census("Nouvelle", n)))
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    signed_in(mp, "marie@x.fr")
    print(f"two versions of {n:,} actors published in {time.perf_counter() - t:.1f} s")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.query_params["territoire"] = EPCI
    at.run()
    at.switch_page("pages/suivi.py").run()
    assert not at.exception, at.exception
    elements = list(walk(at._tree))
    total = sum(e.proto.ByteSize() for e in elements)
    keys = {"suivi_pair_a_q", "suivi_pair_b_q", "suivi_pair_a", "suivi_pair_b", "suivi_unpair_q", "suivi_unpair"}
    pairing = sum(e.proto.ByteSize() for e in elements if getattr(e, "key", None) in keys)
    select_a = at.selectbox(key="suivi_pair_a")
    cmp = at.session_state[suivi_ui.CMP_CACHE_KEY][1]
    every = sv.pairing_options(cmp, "a", cmp.gone)
    all_labels = sum(len(label.encode()) + 4 for _, label in every)  # + a protobuf string's tag and length
    print(f"page as an editor: {total / 1024:.0f} KiB of element messages; pairing widgets {pairing / 1024:.1f} KiB "
          f"({len(select_a.options)} options in a list; {len(cmp.gone):,} gone, {len(cmp.new):,} new)")
    print(f"one list offering every gone actor instead: {all_labels / 1024:.0f} KiB of labels alone")
    source.store.clear()
    mp.undo()


def search_cost(n: int) -> None:
    import numpy as np
    import pandas as pd

    from nrdash.search import matching, search_keys

    names = pd.Series([f"Ancienne structure {i:06d}" for i in range(n)])
    communes = pd.Series([COMMUNES[i % 6] for i in range(n)])
    t = time.perf_counter()
    texts = search_keys(names, communes)
    fold = time.perf_counter() - t
    t = time.perf_counter()
    found = np.arange(n)[matching(texts, "structure 04999 perigny")]
    query = time.perf_counter() - t
    print(f"search over {n:,} actors: fold once {fold * 1000:.0f} ms, one query {query * 1000:.0f} ms "
          f"({len(found)} found)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actors", type=int, default=10000)
    parser.add_argument("--search", type=int, default=100000)
    args = parser.parse_args()
    search_cost(args.search)
    page_sizes(args.actors)


if __name__ == "__main__":
    main()
