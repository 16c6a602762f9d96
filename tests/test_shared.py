"""What sessions showing the same census share (nrdash.shared, issue 30): keyed by the census version, its personal
data, the rows in error and the filters; never an editor's view for a viewer; computed once when a room asks at
the same moment; bounded. Real stores (SQLite) and real AppTest sessions."""
from __future__ import annotations

import json
import threading

import pytest
from streamlit.testing.v1 import AppTest

from nrdash import shared
from nrdash.filters import Filters
from nrdash.store import Store
from nrdash.ui import page_context, source
from tests.appstore import fresh_store, signed_in
from tests.conftest import ROOT, actors_sheet
from tests.principals import OP

EPCI = "241700434"
HEADER_P = ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Commune", "Référent", "Contact"]


def census(*rows) -> bytes:
    return actors_sheet([list(r) for r in rows], HEADER_P)


V1 = census(["Atelier Vélo", "Associations du NR", 1, "Aytré", "Hugo Guérin", "hugo@example.org"],
            ["Mairie de Lagord", "Commune", 2, "Lagord", "Ana Lopez", "ana@example.org"],
            ["Garage Solidaire", "PME", 3, "Aytré", "Léo Marchand", "leo@example.org"])
V2 = census(["Atelier Vélo", "Associations du NR", 2, "Aytré", "Hugo Guérin", "hugo@example.org"])


@pytest.fixture(autouse=True)
def fresh_cache():
    shared.CACHE.clear()
    yield
    shared.CACHE.clear()


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'nrdash.db'}", seed_sample=False)
    s.publish(OP, EPCI, V1, "v1.xlsx")
    yield s
    s.close()


# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------
def test_the_key_names_the_version_its_file_the_rows_in_error_and_the_filters(store):
    v1 = store.open_version(OP, EPCI, 1)
    store.publish(OP, EPCI, V2, "v2.xlsx")
    v2 = store.open_version(OP, EPCI, 2)
    key = shared.view_key(v1, EPCI, 1, False, Filters())
    assert key == shared.view_key(store.open_version(OP, EPCI, 1), EPCI, 1, False, Filters())
    assert key.census == ("store", EPCI, 1, v1.census.sha256)
    assert shared.view_key(v2, EPCI, 2, False, Filters()).census == ("store", EPCI, 2, v2.census.sha256)
    assert v1.census.sha256 != v2.census.sha256
    others = [shared.view_key(v1, EPCI, 1, True, Filters()),
              shared.view_key(v1, EPCI, 1, False, Filters(families=("Entreprises",))),
              shared.view_key(v1, EPCI, 1, False, Filters(include_non_residents=False)),
              shared.view_key(v2, EPCI, 2, False, Filters())]
    assert all(o != key for o in others) and len(set(others)) == len(others)


def test_a_sessions_own_census_is_not_shared(store):
    from nrdash.dataset import Dataset

    ds = store.open_version(OP, EPCI, 1)
    for origin in ("upload", "draft"):
        own = Dataset(ds.census, origin, ds.territory, ds.territory_problem)
        assert shared.view_key(own, EPCI, None, False, Filters()) is None
        assert shared.view(own, None, False, Filters()).actors is not shared.view(own, None, False,
                                                                                      Filters()).actors


# ---------------------------------------------------------------------------------------------
# Privacy
# ---------------------------------------------------------------------------------------------
def test_a_viewer_never_gets_an_editors_view(store):
    editor, viewer = store.open_version(OP, EPCI, 1, personal=True), store.open_version(OP, EPCI, 1)
    assert "referent" in editor.census.actors and "referent" not in viewer.census.actors
    ek = shared.view_key(editor, EPCI, 1, False, Filters())
    vk = shared.view_key(viewer, EPCI, 1, False, Filters())
    assert ek.personal and not vk.personal and ek != vk  # the key says whether the census carries personal data
    seen = shared.view(editor, ek, False, Filters())  # the editor opens the page first
    assert set(seen.actors["referent"]) == {"Hugo Guérin", "Ana Lopez", "Léo Marchand"}
    shared.derived(editor, ek, "names", lambda: sorted(editor.census.actors["referent"]))
    got = shared.view(viewer, vk, False, Filters())
    assert "referent" not in got.actors and "contact" not in got.actors
    assert shared.derived(viewer, vk, "names", lambda: "the viewer's own") == "the viewer's own"
    # Even under one key (a caller that got the key wrong), an entry serves only the census it was computed from.
    assert "referent" not in shared.view(viewer, ek, False, Filters()).actors


def test_after_an_erasure_the_editors_shared_view_is_not_served(store):
    before = store.open_version(OP, EPCI, 1, personal=True)
    key = shared.view_key(before, EPCI, 1, False, Filters())
    assert "Ana Lopez" in set(shared.view(before, key, False, Filters()).actors["referent"])
    assert store.erase_person(OP, EPCI, "Ana Lopez") == 1
    after = store.open_version(OP, EPCI, 1, personal=True)
    assert shared.view_key(after, EPCI, 1, False, Filters()) == key  # same version, same file
    assert "Ana Lopez" not in set(shared.view(after, key, False, Filters()).actors["referent"].dropna())


# ---------------------------------------------------------------------------------------------
# The cache itself
# ---------------------------------------------------------------------------------------------
def test_the_cache_is_bounded_in_entries_and_bytes():
    source = object()
    cache = shared.SharedCache(max_entries=3, max_bytes=10_000)
    for i in range(5):
        cache.get(i, source, lambda i=i: f"value {i}")
    assert len(cache) == 3 and cache.get(0, source, lambda: "again") == "again"  # the oldest went first
    assert cache.get(4, source, lambda: "recomputed") == "value 4"
    cache.get("big", source, lambda: "x" * 6_000)
    cache.get("big too", source, lambda: "z" * 6_000)  # both do not fit: the older one goes
    assert cache.bytes <= 10_000 and cache.get("big", source, lambda: "gone") == "gone"
    assert cache.get("huge", source, lambda: "y" * 20_000) == "y" * 20_000  # served, not kept
    assert cache.bytes <= 10_000 and cache.get("huge", source, lambda: "not kept") == "not kept"
    assert shared.MAX_ENTRIES > 0 and shared.MAX_BYTES > 0 and shared.CACHE.max_bytes == shared.MAX_BYTES


def test_a_room_asking_at_once_computes_once(monkeypatch):
    """Twenty sessions ask for the same value while it is being computed: one computes, nineteen wait for it."""
    n, calls, ready = 20, [], threading.Condition()
    waiting = [0]
    release = threading.Event()

    class CountedEvent(threading.Event):
        def wait(self, timeout=None):
            with ready:
                waiting[0] += 1
                ready.notify_all()
            return super().wait(timeout)

    monkeypatch.setattr(shared, "_Event", CountedEvent)
    cache = shared.SharedCache()

    def compute():
        with ready:
            calls.append(1)
            ready.notify_all()
        release.wait()
        return "figure"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", None, compute))) for _ in range(n)]
    for t in threads:
        t.start()
    with ready:  # every session is either computing or waiting for the one that computes
        assert ready.wait_for(lambda: len(calls) + waiting[0] >= n or len(calls) > 1, timeout=60)
    release.set()
    for t in threads:
        t.join(60)
    assert results == ["figure"] * n and len(calls) == 1


# ---------------------------------------------------------------------------------------------
# In the app
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def db(tmp_path, monkeypatch):
    yield fresh_store(tmp_path, monkeypatch, ("v1.xlsx", V1))
    source.store.clear()


def run(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def ctx_of(at: AppTest) -> page_context.Context:
    assert not at.exception, at.exception
    return at.session_state[page_context.CONTEXT_KEY]


def test_sessions_of_one_view_share_it_an_editors_stays_apart(db, monkeypatch):
    first, second = ctx_of(run(territoire=EPCI)), ctx_of(run(territoire=EPCI))
    assert first.share_key == second.share_key and first.share_key.census[:3] == ("store", EPCI, 1)
    assert second.actors is first.actors and second.categories is first.categories  # one view, not two copies
    assert len(second.actors) == 3
    filtered = ctx_of(run(territoire=EPCI, famille="Entreprises"))
    assert filtered.share_key != first.share_key and list(filtered.actors["name"]) == ["Garage Solidaire"]
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    signed_in(monkeypatch, "marie@x.fr")
    editor = ctx_of(run(territoire=EPCI))
    assert editor.share_key.personal and set(editor.actors["referent"]) == {"Hugo Guérin", "Ana Lopez",
                                                                             "Léo Marchand"}
    workshop = ctx_of(run(territoire=EPCI, atelier="1"))  # an editor in mode atelier: no personal data
    assert not workshop.share_key.personal and "referent" not in workshop.actors
    signed_in(monkeypatch, None)
    viewer = ctx_of(run(territoire=EPCI))
    assert viewer.actors is first.actors and "referent" not in viewer.actors and "contact" not in viewer.actors


def test_the_shared_figure_is_the_one_of_its_mode(db):
    ctx_of(run(territoire=EPCI))
    ctx_of(run(territoire=EPCI, atelier="1"))
    figures = {name[2:5]: value[0] for (key, name), (_, value, _) in shared.CACHE._entries.items()
               if isinstance(key, shared.ViewKey) and isinstance(name, tuple) and name[:2] == ("chart", "home_levels")}
    assert len(figures) == 2
    fonts = {mode[1]: json.loads(r.json)["layout"]["font"].get("size") for mode, r in figures.items()}
    assert fonts == {False: fonts[False], True: 21} and fonts[False] != 21  # mode atelier's type, only there
