"""axe-core on every page: no serious or critical violation (RGAA / WCAG 2.1 AA rules axe can check)."""
import pytest

from nrdash.ui import PAGES, url_path
from tests.e2e.harness import goto


@pytest.mark.parametrize("path", [p for p, _, _ in PAGES])
def test_no_serious_accessibility_violation(server, page, path):
    from axe_playwright_python.sync_playwright import Axe

    goto(page, f"{server}/{url_path(path)}")
    page.wait_for_timeout(1200)
    results = Axe().run(page).response
    serious = [(v["id"], n["html"][:120]) for v in results["violations"] if v["impact"] in ("serious", "critical")
               for n in v["nodes"]]
    assert serious == []
