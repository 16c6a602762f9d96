"""Streamlit's popovers with the keyboard alone (issue 29; nrdash.web.frontend.POPOVER_KEYS_JS): Enter on « Filtres »,
« Choisir le territoire » or « Charger un recensement » puts the focus on the popover's first control, Tab and
Shift+Tab go through its controls, Shift+Tab from the first returns to the button, Tab from the last goes on to
what follows the button (the popover closed), Escape closes it and gives the focus back to its button."""
from __future__ import annotations

import pytest

from tests.e2e.harness import goto, settled

POPOVERS = ("Filtres", "Choisir le territoire", "Charger un recensement")
LABEL = """(e) => { if (e.getAttribute('aria-label')) return e.getAttribute('aria-label');
  const c = e.cloneNode(true); c.querySelectorAll('[data-testid=stIconMaterial]').forEach((i) => i.remove());
  return c.textContent.replace(/\\s+/g, ' ').trim(); }"""
FOCUSED = """() => { const e = document.activeElement; const label = """ + LABEL + """;
  return {label: label(e),
          inDialog: !!e.closest('[role=dialog]'), popoverButton: e.dataset.testid === 'stPopoverButton'}; }"""
SHOWN = "(e) => e.checkVisibility({visibilityProperty: true}) && !e.closest('details:not([open]) > :not(summary)')"
TABBABLE = """(name) => { const d = document.querySelector(`[role=dialog][aria-label="${name}"]`); const shown = """ + SHOWN + """;
  return [...d.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')]
    .filter((e) => e.tabIndex >= 0 && !e.disabled && shown(e)).length; }"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


FIRST = """(name) => { const d = document.querySelector(`[role=dialog][aria-label="${name}"]`);
  const shown = """ + SHOWN + """;
  const items = d ? [...d.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')]
    .filter((e) => e.tabIndex >= 0 && !e.disabled && shown(e)) : [];
  return items.length && document.activeElement === items[0] ? items.length : 0; }"""


def wait_for_the_first_control(page, name: str, timeout: float = 10.0) -> None:
    """The popover's controls are drawn in turns (their scripts load), and the page's script follows the first of
    them with the focus: wait until the focus is on the first control and the controls have stopped coming (the
    same count for a second: five readings in a row). Read too soon, the focus was on « Arbitrages du kit »,
    drawn before the selects (a clean-clone run, 07/12/2026)."""
    settled(page, FIRST, name, ok=bool, readings=5, timeout=timeout,
            what=f"the focus on the first control of « {name} » (count of controls)")


@pytest.mark.parametrize("name", POPOVERS)
def test_popover_with_the_keyboard(server, page, name):
    goto(page, server)
    button = page.get_by_role("button", name=name)
    dialog = page.get_by_role("dialog", name=name)
    button.focus()
    page.keyboard.press("Enter")
    dialog.wait_for()
    wait_for_the_first_control(page, name)
    first = focused(page)
    assert first["inDialog"], first
    count = page.evaluate(TABBABLE, name)
    forward = [first["label"]]
    for _ in range(count - 1):  # Tab: through the popover's controls, in order
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["inDialog"], (forward, now)
        forward.append(now["label"])
    backward = [forward[-1]]
    for _ in range(count - 1):  # Shift+Tab: the same way back
        page.keyboard.press("Shift+Tab")
        now = focused(page)
        assert now["inDialog"], (backward, now)
        backward.append(now["label"])
    assert backward == forward[::-1] and len(set(forward)) == len(forward) == count
    page.keyboard.press("Shift+Tab")  # from the first control: back to the button, the popover still open
    assert focused(page) == {"label": name, "inDialog": False, "popoverButton": True} and dialog.is_visible()
    page.keyboard.press("Tab")  # and into it again
    assert focused(page)["label"] == forward[0]
    for _ in range(count):  # Tab from the last control: on to what follows the button, the popover closed
        page.keyboard.press("Tab")
    dialog.wait_for(state="detached")
    # the focus moves once the popover is closed (the page's script waits for that): wait for it to land
    page.wait_for_function("""() => { const e = document.activeElement;
        return e && e !== document.body && !e.closest('[role=dialog]'); }""", timeout=10_000)
    after = focused(page)
    assert not after["inDialog"] and after["label"] != name, after
    expected = page.evaluate("""(name) => { const shown = """ + SHOWN + """;
        const all = [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')]
          .filter((e) => e.tabIndex >= 0 && !e.disabled && shown(e));
        const b = all.find((e) => e.dataset.testid === 'stPopoverButton' && e.innerText.includes(name));
        const label = """ + LABEL + """;
        return label(all[all.indexOf(b) + 1]); }""", name)
    assert after["label"] == expected
    button.focus()  # Escape: closed, the focus back on its button
    page.keyboard.press("Enter")
    dialog.wait_for()
    page.wait_for_function("() => document.activeElement.closest('[role=dialog]')", timeout=10_000)
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert focused(page) == {"label": name, "inDialog": False, "popoverButton": True}
    assert not page.js_errors
