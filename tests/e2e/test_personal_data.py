"""Personal data (Référent, Contact) are never SENT to a browser that may not see them (issue 14): every websocket
frame and every HTTP response of an anonymous viewer's visit of every page is read, and none holds a referent's
name or a contact of the census. The same reading of an editor's session finds them (the check can fail)."""
from __future__ import annotations

import pytest

from nrdash.store import Store
from nrdash.ui import PAGES, url_path
from tests.conftest import SAMPLE
from tests.e2e.harness import goto, streamlit_server, wait_idle
from tests.principals import OP

EPCI = "241700434"
PASSWORD = "un mot de passe long"
SECRET = "secret de test des données personnelles"


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    data = tmp_path_factory.mktemp("personal")
    s = Store(f"sqlite:///{data / 'nrdash.db'}", seed_sample=False)
    s.add_user(OP, "admin@exemple.fr", PASSWORD)
    s.add_user(OP, "ed@exemple.fr", PASSWORD, "éditeur", EPCI)
    s.publish(OP, EPCI, SAMPLE.read_bytes(), "recensement.xlsx")
    # A new territory opens closed (issue 25): opened, as its administrator would, for the visitors of these tests.
    s.set_territory(OP, EPCI, anonymous_read=True)
    s.close()
    with streamlit_server(env={"NRDASH_DATA_DIR": str(data), "STREAMLIT_SERVER_COOKIE_SECRET": SECRET}) as url:
        yield url


def _record(page) -> list[bytes]:
    """Everything the server sends this page: websocket frames and HTTP response bodies."""
    got: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived",
                                          lambda f: got.append(f if isinstance(f, bytes) else f.encode())))

    def body(response):
        try:
            got.append(response.body())
        except Exception:  # a redirect or a body already gone: nothing to read
            pass

    page.on("response", body)
    return got


def _personal(sample_census) -> list[bytes]:
    values = [v for c in ("referent", "contact") for v in sample_census.actors[c].dropna().astype(str) if len(v) >= 5]
    assert len(values) > 100  # the sample does hold personal data
    return [v.encode() for v in values]


def _visit_every_page(page, url: str) -> None:
    for path, _, _ in PAGES:
        goto(page, f"{url}/{url_path(path)}?territoire={EPCI}")
        wait_idle(page)
    goto(page, f"{url}/recensement?territoire={EPCI}")
    with page.expect_download() as dl:  # the export a viewer may take
        page.get_by_role("button", name="acteurs filtrés (.csv)").click()
    dl.value.path()


def test_a_viewer_never_receives_referents_or_contacts(shared, page, sample_census):
    sent = _record(page)
    _visit_every_page(page, shared)
    everything = b"".join(sent)
    assert len(everything) > 100_000 and "Atelier".encode() in everything  # the census itself was sent
    assert [v.decode() for v in _personal(sample_census) if v in everything] == []


def test_an_editor_does_receive_them(shared, page, sample_census):
    page.goto(f"{shared}/connexion?suivant=/recensement%3Fterritoire%3D{EPCI}")
    page.get_by_label("Adresse électronique").fill("ed@exemple.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    sent = _record(page)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    wait_idle(page)
    page.get_by_text("Modifier le recensement").click()  # the editor's grid holds Référent and Contact
    wait_idle(page)
    page.locator('[data-testid="stDataFrame"]').last.locator("canvas").first.wait_for(state="visible", timeout=20_000)
    everything = b"".join(sent)
    assert [v for v in _personal(sample_census) if v in everything]  # the check above can find them
