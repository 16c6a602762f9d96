"""The HTML briefing opens offline in a real browser: every section drawn, no request leaves the file, light
(the partial plotly.js build, issue 29), each chart a named and described figure."""
import re

from nrdash.geography import load_geography
from nrdash.report import SECTIONS, ReportInput, build_report
from nrdash.dataset import load_default


def test_report_renders_offline(browser, tmp_path, artifacts):
    geo = load_geography()
    dataset = load_default(geo)
    census = dataset.census
    contours = geo.contours(codes=list(dataset.territory.members))
    evil = census.actors.copy()
    evil.loc[evil.index[0], "name"] = "<img src=x onerror=alert(1)>"
    html = build_report(ReportInput(census, evil, census.actions, "150 acteurs — aucun filtre", dataset.territory,
                                    contours))
    path = tmp_path / "rapport.html"
    path.write_text(html, encoding="utf-8")
    # Light (issue 29): the app's partial plotly.js build once, plotly's template once; 5.0 MB with the whole of it
    assert len(html.encode("utf-8")) <= 1_500_000, len(html.encode("utf-8"))
    assert html.count("partial build for nrdash") == 1 and html.count("window.nrTemplate=") == 1

    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    requests, errors, dialogs = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(path.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    page.wait_for_timeout(1000)
    for section in SECTIONS:
        assert page.locator(f"section#{section}").count() == 1, section
    # territory state, levels, levels by family, circles, plan, the two category blocks (kit dimensions, local
    # action types): each drawn
    assert page.locator(".js-plotly-plot").count() == 7
    assert page.locator(".js-plotly-plot .main-svg").count() >= 7
    # each chart a figure named by its title and filters, described by the sentence written under it
    figures = page.locator('[role="figure"]')
    assert figures.count() == 7
    for i in range(7):
        f = figures.nth(i)
        assert f.get_attribute("aria-label").endswith(" — 150 acteurs — aucun filtre")
        sentence = page.locator(f'#{f.get_attribute("aria-describedby")}')
        assert re.search(r"\d", sentence.inner_text()) and sentence.is_visible()
    assert page.locator("section#carte svg.carte circle").count() == 150
    assert page.locator("section#carte svg.carte polygon").count() >= 28
    assert "CA de La Rochelle" in page.locator("section#contexte").inner_text()
    assert census.sha256 in page.locator("section#provenance").inner_text()
    assert page.locator("img[src='x']").count() == 0 and dialogs == []
    assert "<img src=x onerror=alert(1)>" in page.locator("section#provenance").inner_text()
    assert [u for u in requests if not u.startswith("file:")] == []
    assert errors == []
    page.screenshot(path=str(artifacts / "rapport.png"), full_page=True)
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 50_000
    (artifacts / "rapport.pdf").write_bytes(pdf)
    context.close()
