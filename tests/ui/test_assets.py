"""The stylesheets reach the page whole: one <style> element for all of them (several in one markdown lost the
first rule of every sheet after the first in the browser, the high-contrast colours among them)."""
from nrdash.ui.assets import style


def test_all_stylesheets_in_one_style_element_in_order():
    html = style("base", "workshop", "contrast")
    assert html.count("<style>") == 1 and html.count("</style>") == 1
    assert html.index("font-size: 21px") < html.index("color: #000000 !important")  # workshop, then contrast
