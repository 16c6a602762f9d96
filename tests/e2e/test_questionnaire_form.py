"""The public questionnaire's wording and layout in a real browser (issue 25): « NR » said in full before the form
uses it, and long choices read whole on a phone (390×844) and on a laptop (1280×720): the chosen actor type
(« Associations du NR (Organismes associat » was cut) and the chosen actions."""
from __future__ import annotations

import os

import pytest

from tests.e2e.test_questionnaire import EPCI, quest_server  # noqa: F401 (the fixture)

SHOTS = os.environ.get("NRDASH_QUEST_SHOTS")  # a folder: the screenshots looked at when building this
LONG_ACTION = "Utilisation de l'open source et des logiciels libres"
CUT = """(el) => { const cut = [];  // each text laid out wider than a box that clips it (or than the window) is cut
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const r = range.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.left < -1 || r.right > window.innerWidth + 1) cut.push('outside the window: ' + n.textContent);
    for (let a = n.parentElement; a; a = a.parentElement) {
      const box = a.getBoundingClientRect();
      if (box.width <= 1) break;  // visually hidden (screen readers only)
      if (getComputedStyle(a).overflowX !== 'visible' && (r.right > box.right + 1 || r.left < box.left - 1)) {
        cut.push(n.textContent);
        break;
      }
    }
  }
  return cut; }"""


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 720)], ids=["phone", "laptop"])
def test_long_choices_read_whole_and_nr_said_in_full(quest_server, browser, width, height):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR",
                                  is_mobile=width < 500, has_touch=width < 500)
    page = context.new_page()
    try:
        # the public form is a page the server writes (issue 29, nrdash.web.public): a plain HTML form
        page.goto(quest_server + f"/questionnaire?territoire={EPCI}")
        page.get_by_role("button", name="Envoyer").wait_for()
        text = page.locator("main").inner_text()
        first_nr = text.find("NR")
        assert first_nr > 0 and text[first_nr - len("Numérique responsable ("):first_nr + 3] == \
            "Numérique responsable (NR)", text[:first_nr + 3]
        types = page.get_by_label("Type d'acteur *")
        types.select_option(label="Associations du Numérique responsable")
        assert types.evaluate("s => s.options[s.selectedIndex].text") == "Associations du Numérique responsable"
        assert types.evaluate("s => s.getBoundingClientRect().right") <= width  # the list's box within the screen
        option = types
        action = page.get_by_label(LONG_ACTION, exact=True)
        action.check()
        label = page.locator("label").filter(has=action)
        assert action.is_checked() and label.inner_text().strip() == LONG_ACTION
        assert label.evaluate(CUT) == []
        assert page.locator("main").evaluate(CUT) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if SHOTS:
            label.scroll_into_view_if_needed()
            page.screenshot(path=f"{SHOTS}/form-{width}-actions.png")
            option.scroll_into_view_if_needed()
            page.screenshot(path=f"{SHOTS}/form-{width}-type.png")
    finally:
        context.close()
