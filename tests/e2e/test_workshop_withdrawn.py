"""A workshop link withdrawn while a projector shows it (issue 23 §1), in a real browser: revoked by the command
line (``python -m nrdash link revoke ID``), or past its expiry, the session it opened shows « Ce lien d'atelier a été
révoqué. » or « Ce lien d'atelier a expiré. » at its next run — a page of the menu, in the same session — and nothing
of the census (no figure, no count, no actor's name)."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from nrdash.links import locked_link_path
from nrdash.store import Store, schema
from tests.conftest import ROOT, SAMPLE
from tests.e2e.harness import goto, open_sidebar, streamlit_server, wait_idle
from tests.principals import OP

EPCI = "241700434"


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    data = tmp_path_factory.mktemp("atelier")
    s = Store(f"sqlite:///{data / 'nrdash.db'}", seed_sample=False)
    s.publish(OP, EPCI, SAMPLE.read_bytes(), "recensement.xlsx")
    s.close()
    with streamlit_server(env={"NRDASH_DATA_DIR": str(data), "NRDASH_DATABASE_URL": ""}) as url:
        yield url, data


def projector(page, url: str, token: str) -> None:
    goto(page, url + locked_link_path(EPCI, token))
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    main = page.get_by_test_id("stMain").inner_text()
    assert "150" in main and "a été révoqué" not in main  # the census, its count of actors


def next_run(page) -> None:
    """The projector's next run, in the same session (no reload): another page of the menu."""
    open_sidebar(page)  # mode atelier folds the sidebar
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Engagement", exact=True).click()
    page.wait_for_url("**/engagement**")
    wait_idle(page, timeout=60_000)


def shows_nothing_of_the_census(page, message: str) -> None:
    page.wait_for_function(f"document.body.innerText.includes({message!r})", timeout=60_000)
    wait_idle(page, timeout=60_000)
    body = page.locator("body").inner_text()
    assert message in body and "Demandez-en un nouveau à l'équipe projet." in body
    assert page.locator(".js-plotly-plot").count() == 0 and "150 acteurs" not in body
    assert "Atelier" not in page.get_by_test_id("stMain").inner_text().replace("Ce lien d'atelier", "")
    assert page.js_errors == []


def test_a_link_revoked_by_the_command_line_stops_the_open_projector(instance, page, artifacts):
    url, data = instance
    s = Store(f"sqlite:///{data / 'nrdash.db'}", migrate=False)
    token = s.create_workshop_token(OP, EPCI, "Atelier du 12 mars")
    s.close()
    projector(page, url, token)
    revoke = subprocess.run([sys.executable, "-m", "nrdash", "link", "revoke", str(token.id)], cwd=ROOT,
                            env={**os.environ, "NRDASH_DATA_DIR": str(data), "NRDASH_DATABASE_URL": ""},
                            capture_output=True, text=True, timeout=120)
    assert revoke.returncode == 0, revoke.stderr
    next_run(page)
    shows_nothing_of_the_census(page, "Ce lien d'atelier a été révoqué.")
    page.screenshot(path=artifacts / "atelier-lien-revoque.png")
    goto(page, url + locked_link_path(EPCI, token))  # the link opened anew: the same answer
    shows_nothing_of_the_census(page, "Ce lien d'atelier a été révoqué.")


def test_a_link_past_its_expiry_stops_the_open_projector(instance, page):
    url, data = instance
    s = Store(f"sqlite:///{data / 'nrdash.db'}", migrate=False)
    try:
        token = s.create_workshop_token(OP, EPCI, "Stand", days=1)
        projector(page, url, token)
        with s.engine.begin() as conn:  # the day has passed (the expiry as the link's row holds it)
            conn.execute(schema.workshop_tokens.update().where(schema.workshop_tokens.c.id == token.id).values(
                expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)))
    finally:
        s.close()
    next_run(page)
    shows_nothing_of_the_census(page, "Ce lien d'atelier a expiré.")
