"""One read at a time per session, in a real browser against the real server (issue 23 §3, nrdash.admission).

Streamlit starts a new run of a session's script as soon as a widget changes, even while the previous run is still
in a read (its thread cannot be interrupted): a second file given to the uploader during a long read was read at the
same time as the first. Now it is refused at once with « Serveur occupé, réessayez dans un instant », what is shown
stays, and once the first read is over the same file is read."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import _require_browser
from tests.e2e.harness import goto, streamlit_server, wait_idle

SMALL = ("Nom de l'acteur;Type d'acteur;Niveau d'engagement estimé\nPetite structure;PME;2\n").encode()
BUSY = "Serveur occupé, réessayez dans un instant : votre fichier précédent est encore en cours de lecture."


@pytest.fixture(scope="module")
def large_file() -> bytes:
    from tests.wide import wide_census

    return wide_census(200_000, 20)  # 4 million cells: a read of many seconds on any machine


@pytest.fixture(scope="module")
def reading_server(tmp_path_factory):
    _require_browser()
    with streamlit_server(env={"NRDASH_DATA_DIR": str(tmp_path_factory.mktemp("admission"))}) as url:
        yield url


def _give(page, name: str, data: bytes) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}])


def test_a_second_read_of_the_same_session_is_refused_while_the_first_runs(reading_server, page, large_file):
    goto(page, reading_server)
    page.get_by_test_id("stSidebar").get_by_text("Charger un recensement").click()
    _give(page, "grand.xlsx", large_file)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="running"]', timeout=30_000)
    _give(page, "petit.csv", SMALL)  # while the first file is being read
    page.wait_for_function(f"document.body.innerText.includes({BUSY!r})", timeout=60_000)
    main = page.get_by_test_id("stMain").inner_text()
    assert "« petit.csv » n'a pas été lu." in main and "Traceback" not in main
    assert "Petite structure" not in page.get_by_test_id("stSidebar").inner_text()
    # Once the first read is over, the same file is read: the place was given back.
    for attempt in range(120):
        _give(page, "petit.csv", SMALL + f"Structure {attempt};PME;1\n".encode())
        page.wait_for_timeout(500)
        wait_idle(page, timeout=120_000)
        text = page.get_by_test_id("stSidebar").inner_text()
        if "« petit.csv »" in text and "2 acteurs" in text:
            break
        assert BUSY in page.get_by_test_id("stMain").inner_text()  # refused, never another error
    else:
        raise AssertionError("the small file was never read after the large one")
    assert not page.js_errors
