import re

from nrdash.report import SECTIONS, ReportInput, build_report


def test_report_has_every_section_and_escapes_census_text(sample_census):
    actors = sample_census.actors.copy()
    actors.loc[actors.index[0], "name"] = "<script>alert(1)</script>"
    html = build_report(ReportInput(sample_census, actors, sample_census.actions, "150 acteurs — aucun filtre"))
    for section in SECTIONS:
        assert f"<section id='{section}'>" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "@example.org" not in html  # no personal data
    # plotly.js embedded once, and nothing the browser would fetch: no script, link, image or frame with a URL
    assert html.count("plotly.js v") == 1
    fetched = re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*['\"]?([^'\" >]+)", html, re.I)
    assert fetched == []
    assert sample_census.sha256 in html
