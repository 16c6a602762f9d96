"""Streamlit's frontend in French, at serve time.

Streamlit writes its own words in English inside its scripts, with no way to change them (no i18n in Streamlit
1.67: its file uploader says « Upload » and « 50MB per file », its multiselect « Select all », its help buttons
« Help for … », its skip link « Skip to main content »…). nrdash's users read and hear French: what the browser
shows and what a screen reader reads come from the same strings, so they are translated in one place, here.

How: each entry below is an exact piece of one of Streamlit's scripts (named by its file name up to the content
hash, e.g. ``FileUploader``), with enough of its code around it to be unambiguous, and the same piece in French.
At start the server reads the installed Streamlit's scripts, makes the replacements once, and serves the
translated files itself at their usual addresses (nrdash.web.served, compressed by nrdash.web.compression like the rest).
A script holding none of the pieces is left alone; a piece that is no longer found (Streamlit upgraded) is
skipped, logged, and made visible by the tests (tests/web/test_frontend.py lists them), so the table is updated
with the upgrade rather than silently left in English. The browser test (tests/e2e/test_french.py) reads every
page's visible text and accessibility tree for English words.

Translated files are served with a one-day cache (not a year, as Streamlit's own files are): a fixed translation
reaches browsers the next day, though the file keeps Streamlit's name.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from .served import Served

log = logging.getLogger("nrdash")

CACHE_CONTROL = b"public, max-age=86400"
CSS = Path(__file__).resolve().parents[2] / "assets" / "css"
_COMMENT = re.compile(r"/\*.*?\*/\n?", re.S)  # the stylesheets' comments stay on the server


@lru_cache(maxsize=None)
def stylesheet(name: str) -> str:
    """assets/css/<name>.css without its comments. « base » is written in Streamlit's page itself
    (nrdash.web.compression.french_index: no element in the app, no flash before it applies); the sheets of mode
    atelier come with the page that needs them (nrdash.ui.assets.style)."""
    return _COMMENT.sub("", (CSS / f"{name}.css").read_text(encoding="utf-8")).strip("\n")

# script name up to its hash -> ((English piece, French piece), ...). The pieces keep Streamlit's quoting (its
# minified scripts use `template literals`). One piece changes a behaviour, not words (markdown links within the
# app open in the same tab): said where it is.
FRENCH: dict[str, tuple[tuple[str, str], ...]] = {
    "index": (
        ("children:`Skip to main content`", "children:`Aller au contenu principal`"),
        ('"aria-label":`App pages`', '"aria-label":`Pages du tableau de bord`'),
        ('"aria-label":`Collapse sidebar`', '"aria-label":`Replier le panneau latéral`'),
        ('"aria-label":`Expand sidebar`', '"aria-label":`Déplier le panneau latéral`'),
        ('"aria-label":`Sidebar`', '"aria-label":`Panneau latéral`'),
        ("i?`View less`:`View ${x-m} more`", "i?`Voir moins`:`Voir ${x-m} de plus`"),
        ("r?`view less`:`view more`", "r?`voir moins`:`voir plus`"),
        ('"aria-label":`Close`', '"aria-label":`Fermer`'),
        ("close:`Close`,", "close:`Fermer`,"),
        ("children:`(opens in new tab)`", "children:`(s'ouvre dans un nouvel onglet)`"),
        ('"aria-label":`Running...`', '"aria-label":`Calcul en cours…`'),
        ("title:e?`Stopping...`:`Stop`", "title:e?`Arrêt…`:`Arrêter`"),
        ("label:`Rerun`", "label:`Relancer`"),
        ("children:`Rerun`", "children:`Relancer`"),
        ("children:`Always rerun`", "children:`Toujours relancer`"),
        ("children:`File change.`", "children:`Fichier modifié.`"),
        ('"aria-label":`Main menu`', '"aria-label":`Menu principal`'),
        ("label:`Print`", "label:`Imprimer`"),
        ("_O=`Connecting`", "_O=`Connexion`"),
        ("vO=`Connecting to Streamlit server`", "vO=`Connexion au serveur`"),
        ("errorMsg:`Connection lost. Please wait for the app to reconnect, then try again.`",
         "errorMsg:`Connexion perdue. Attendez que l'application se reconnecte, puis réessayez.`"),
        ("message:`Streamlit server is not responding. Are you connected to the internet?`",
         "message:`Le serveur ne répond pas. Êtes-vous connecté à Internet ?`"),
        (":`The page that you have requested does not seem to exist`",
         ":`La page demandée n'existe pas`"),
        ("this.showError(`Page not found`,{message:`${t}. Running the app's main page.`})",
         "this.showError(`Page introuvable`,{message:`${t}. Voici la page d'accueil.`})"),
        ("children:`Script execution error`", "children:`Erreur d'exécution`"),
        ("children:`Copy`", "children:`Copier`"),
    ),
    # The help button beside a widget's label: « Help for Mode atelier » read by screen readers.
    "StreamlitMarkdown": (
        ("?`Help`:`Help for ${", "?`Aide`:`Aide : ${"),
        ("`Link to heading`", "`Lien vers ce titre`"),
        # Not a word but a behaviour: Streamlit opens every markdown link in a new tab. A link within the app
        # (a relative address: the accessibility statement, the sign-in page) opens in the same tab, as links do
        # (RGAA 13.2: no new window unasked); a link to another site still opens a new one.
        ("target:m(i)?`_blank`:i,rel:m(a)?`noopener noreferrer`:a",
         "target:m(i)?(/^([a-z][a-z0-9+.-]*:|\\/\\/)/i.test(t||``)?`_blank`:void 0):i,"
         "rel:m(a)?`noopener noreferrer`:a"),
    ),
    "FileUploader": (
        ("label:l?`Upload directories`:`Upload`", "label:l?`Choisir un dossier`:`Choisir un fichier`"),
        ("l?`Drag and drop directories here`:t?`Drag and drop files here`:`Drag and drop a file here`",
         "l?`Glissez-déposez des dossiers ici`:t?`Glissez-déposez des fichiers ici`:`Glissez-déposez un fichier ici`"),
        ("} per file`", "} par fichier`"),
        ('"aria-label":`Add files`', '"aria-label":`Ajouter des fichiers`'),
        ("message:`${e.type} files are not allowed.`", "message:`Les fichiers ${e.type} ne sont pas acceptés.`"),
    ),
    # The uploader's shared helpers (three scripts are named "utils": a piece applies where it is found).
    "utils": (
        # File sizes in French units: « 50 Mo », not « 50MB ».
        ("`${e.toFixed(n)}${t.toUpperCase()}`",
         "`${e.toFixed(n).replace(`.`,`,`)}\u00a0${{gb:`Go`,mb:`Mo`,kb:`ko`,b:`o`}[t]}`"),
        ("return`${e} ${e===1?`byte`:`bytes`}`", "return`${e} ${e===1?`octet`:`octets`}`"),
        ("var ve=[`KB`,`MB`,`GB`,`TB`,`PB`]", "var ve=[`ko`,`Mo`,`Go`,`To`,`Po`]"),
        ("message:`File is larger than ${q(e)}`", "message:`Le fichier dépasse ${q(e)}`"),
        ("message:`File is smaller than ${q(e)}`", "message:`Le fichier fait moins de ${q(e)}`"),
        ("message:`File type must be ${t.length>1?`one of ${t.join(`, `)}`:t[0]}`",
         "message:`Le type du fichier doit être ${t.length>1?`l'un de ${t.join(`, `)}`:t[0]}`"),
        ("message:`Too many files`", "message:`Trop de fichiers`"),
        ("return`File must be ${$(n,`b`)} or smaller.`", "return`Le fichier doit faire au plus ${$(n,`b`)}.`"),
        ("return`${t.type} files are not allowed.`", "return`Les fichiers ${t.type} ne sont pas acceptés.`"),
        ("return`File size is too small.`", "return`Le fichier est trop petit.`"),
        ("return`Only one file is allowed.`", "return`Un seul fichier est accepté.`"),
        ("default:return`Unexpected error. Please try again.`", "default:return`Erreur inattendue. Réessayez.`"),
        ("title:l?`Click to retry upload`:void 0", "title:l?`Cliquez pour réessayer l'envoi`:void 0"),
        (":`Upload failed`", ":`Échec de l'envoi`"),
        ('"aria-label":`file upload`', '"aria-label":`Choisir un fichier à envoyer`'),
        # Placeholders of selectboxes and multiselects left without one.
        ("e=r?`Add options`:`Add an option`:(e=`No options to select`,i=!0)",
         "e=r?`Ajouter des options`:`Ajouter une option`:(e=`Aucune option`,i=!0)"),
        ("?`Choose or add options`:`Choose or add an option`:r?`Choose options`:`Choose an option`",
         "?`Choisir ou ajouter des options`:`Choisir ou ajouter une option`:r?`Choisir`:`Choisir une option`"),
    ),
    "Multiselect": (
        ('"aria-label":`Open`', '"aria-label":`Ouvrir la liste`'),
        ('"aria-label":`Clear all`', '"aria-label":`Tout effacer`'),
        ("label:`Select all`", "label:`Tout sélectionner`"),
        ("label:`Select ${p.length} matches`", "label:`Sélectionner les ${p.length} résultats`"),
        ('"aria-label":`Remove ${e}`', '"aria-label":`Retirer ${e}`'),
        ('"aria-label":`Selected values`', '"aria-label":`Choix faits`'),
        ("label:`Add: ${n}`", "label:`Ajouter : ${n}`"),
        ("return`No results`", "return`Aucun résultat`"),
        ("let e=t.maxSelections===1?`option`:`options`;return`You can only select up to ${t.maxSelections} ${e}. "
         "Remove an option first.`",
         "let e=t.maxSelections===1?`option`:`options`;return`Vous pouvez choisir au plus ${t.maxSelections} ${e}. "
         "Retirez-en une d'abord.`"),
    ),
    "Selectbox": (
        ('"aria-label":`Open`', '"aria-label":`Ouvrir la liste`'),
        ('"aria-label":`Clear value`', '"aria-label":`Effacer`'),
        ("label:`Add: ${M}`", "label:`Ajouter : ${M}`"),
        ("`No results`", "`Aucun résultat`"),
    ),
    "Radio": (
        ("[`No options to select.`]", "[`Aucune option.`]"),
    ),
    "NumberInput": (
        ('"aria-label":`Clear value`', '"aria-label":`Effacer`'),
        ("`Decrement`", "`Diminuer`"),
        ("`Increment`", "`Augmenter`"),
        ("`Number is above the allowed range. Please enter a value less than or equal to ${r}.`",
         "`Nombre trop grand : entrez une valeur inférieure ou égale à ${r}.`"),
        ("`Number is below the allowed range. Please enter a value greater than or equal to ${n}.`",
         "`Nombre trop petit : entrez une valeur supérieure ou égale à ${n}.`"),
        ("`Number is outside the allowed range. Please enter a value between ${n} and ${r}.`",
         "`Nombre hors limites : entrez une valeur entre ${n} et ${r}.`"),
        ("`Number is above the allowed range.`", "`Nombre trop grand.`"),
        ("`Number is below the allowed range.`", "`Nombre trop petit.`"),
    ),
    "TextInput": (
        ('"aria-label":`Clear entry`', '"aria-label":`Effacer`'),
        ("O?`Hide password`:`Show password`", "O?`Masquer le mot de passe`:`Afficher le mot de passe`"),
        ("g=`Invalid input.`", "g=`Saisie invalide.`"),
        (":`Invalid input.`)", ":`Saisie invalide.`)"),
        ("`${g} Must match pattern: ${", "`${g} Format attendu : ${"),
    ),
    "requiredField": (
        ("`This field is required.`", "`Ce champ est obligatoire.`"),
    ),
    "DateInput": (
        ("`Choose date range`", "`Choisir une période`"),
        ("`Choose date`", "`Choisir une date`"),
        ("`Clear dates`", "`Effacer les dates`"),
        ("`Clear date`", "`Effacer la date`"),
        ("`Quick select a date range`", "`Choisir une période toute faite`"),
        ("`Use arrow keys to navigate dates. Enter to select. Escape to close.`",
         "`Flèches pour changer de date, Entrée pour choisir, Échap pour fermer.`"),
        ("`Select...`", "`Choisir…`"),
    ),
    # Not words either: Streamlit's loader adds a <link rel="modulepreload"> to the page for every script a widget
    # needs; once the script is loaded the element is of no further use: it is removed (fewer page elements).
    "preload-helper": (
        ("document.head.appendChild(e),c)return new Promise",
         "document.head.appendChild(e),c||e.addEventListener(`load`,()=>e.remove()),c)return new Promise"),
    ),
    "Toolbar": (
        ("label:`Fullscreen`", "label:`Plein écran`"),
        ("label:`Close fullscreen`", "label:`Quitter le plein écran`"),
    ),
    "DownloadButton": (
        (":`Download failed`", ":`Échec du téléchargement`"),
    ),
    "useCopyToClipboard": (
        ("`Copy to clipboard`", "`Copier dans le presse-papiers`"),
        ("`Copied`", "`Copié`"),
    ),
    "DeckGlJsonChart": (
        ("label:`Clear selection`", "label:`Effacer la sélection`"),
    ),
    # The interactive table (st.dataframe, st.data_editor): its toolbar, search, column menu and pickers.
    "DataFrame": (
        ("label:`Show/hide columns`", "label:`Afficher ou masquer des colonnes`"),
        ("label:`Download as CSV`", "label:`Télécharger en CSV`"),
        ("label:`Search`", "label:`Rechercher`"),
        ("label:`Clear selection`", "label:`Effacer la sélection`"),
        ("label:`Add row`", "label:`Ajouter une ligne`"),
        ("label:`Delete row(s)`", "label:`Supprimer la sélection`"),
        ("label:`Select all`", "label:`Tout sélectionner`"),
        ('"aria-label":`Close Search`', '"aria-label":`Fermer la recherche`'),
        ('"aria-label":`Next Result`', '"aria-label":`Résultat suivant`'),
        ('"aria-label":`Previous Result`', '"aria-label":`Résultat précédent`'),
        ("`Type to search`", "`Tapez pour chercher`"),
        ('title:`Copy column name`,"aria-label":`Copy column name`',
         'title:`Copier le nom de la colonne`,"aria-label":`Copier le nom de la colonne`'),
        ('"aria-label":`Dataframe column menu`', '"aria-label":`Menu de la colonne`'),
        ("}),`Sort ascending`]", "}),`Trier par ordre croissant`]"),
        ("}),`Sort descending`]", "}),`Trier par ordre décroissant`]"),
        ("}),`Autosize`]", "}),`Ajuster la largeur`]"),
        ("}),`Pin column`]", "}),`Épingler la colonne`]"),
        ("}),`Unpin column`]", "}),`Détacher la colonne`]"),
        ("}),`Hide column`]", "}),`Masquer la colonne`]"),
        ("children:`No data`", "children:`Aucune donnée`"),
        ("placeholder:`Select...`", "placeholder:`Choisir…`"),
        ("label:`Cancel (Escape)`", "label:`Annuler (Échap)`"),
    ),
}


# Keyboard use of Streamlit's popovers (« Filtres », « Choisir le territoire », « Charger un recensement »), which
# Streamlit draws at the end of the page, far from their button in the focus order: opening one puts the focus on
# its first control; Tab and Shift+Tab go through its controls, Shift+Tab from the first goes back to its button,
# Tab from the last closes it and goes on to what follows the button; Escape closes it (Streamlit) and the focus
# goes back to its button. Written inline in Streamlit's page (nrdash.web.compression.french_index): no request, no
# element in the app.
POPOVER_KEYS_JS = """(() => {
  const TABBABLE = 'a[href], button, input, select, textarea, summary, [tabindex]';
  const shown = (e) => (e.checkVisibility ? e.checkVisibility({ visibilityProperty: true })
    : e.getClientRects().length > 0) && !e.closest('details:not([open]) > :not(summary)');
  const tabbable = (root) => [...root.querySelectorAll(TABBABLE)].filter((e) => e.tabIndex >= 0 && !e.disabled
    && shown(e));
  const openDialog = () => document.querySelector('[data-testid="stPopoverBody"][role="dialog"]');
  const opener = () => document.querySelector('[data-testid="stPopoverButton"][aria-expanded="true"]');
  let current = null, placed = null, until = 0, seen = [];
  const placeFocus = (dialog) => {  /* its controls are drawn in turns (their scripts load): follow the first */
    const first = tabbable(dialog)[0];
    const here = document.activeElement;
    if (first && first !== here && (here === placed || !dialog.contains(here))) { first.focus(); placed = first; }
    seen = tabbable(dialog);
  };
  new MutationObserver(() => {
    const dialog = openDialog();
    if (dialog !== current) {
      current = dialog;
      placed = null;
      until = Date.now() + 5000;
    }
    if (dialog && Date.now() < until) placeFocus(dialog);
  }).observe(document.documentElement, { childList: true, subtree: true, attributes: true });
  document.addEventListener('keydown', (event) => {
    const dialog = openDialog(), button = opener();
    until = 0;  /* the person is moving: the focus is theirs */
    if (!dialog || !button) return;
    const inside = dialog.contains(event.target);
    if (event.key === 'Escape' && inside) {
      setTimeout(() => { if (button.isConnected) button.focus(); }, 0);
      return;
    }
    if (event.key !== 'Tab' || !(inside || event.target === button)) return;
    /* (while the focus is outside, Streamlit takes the popover's controls out of the tab order: the list is the
       one seen from inside) */
    const items = inside ? (seen = tabbable(dialog)) : seen.filter((e) => dialog.contains(e));
    if (!items.length) return;
    if (event.target === button) {
      if (!event.shiftKey) { event.preventDefault(); items[0].focus(); }
    } else if (event.shiftKey && event.target === items[0]) {
      event.preventDefault();
      button.focus();
    } else if (!event.shiftKey && event.target === items[items.length - 1]) {
      event.preventDefault();
      /* Streamlit may draw the sidebar again while the popover closes: find the button (by its label) and what
         follows it once closed, and put the focus back there if it fell to the page meanwhile */
      const labelOf = (e) => { const c = e.cloneNode(true);  /* its words, without the icons (the chevron turns) */
        c.querySelectorAll('[data-testid="stIconMaterial"]').forEach((i) => i.remove());
        return c.textContent.trim(); };
      const name = labelOf(button);
      const following = () => {
        const open = openDialog();
        const rest = tabbable(document.body).filter((e) => !(open && open.contains(e)));
        const b = rest.find((e) => e.dataset.testid === 'stPopoverButton' && labelOf(e) === name);
        return b ? rest[rest.indexOf(b) + 1] || b : null;
      };
      const lost = () => { const here = document.activeElement; return !here || here === document.body
        || here === document.documentElement || !here.isConnected; };
      button.click();
      const deadline = Date.now() + 3000;
      let target = null, checks = 20;
      const hold = () => {  /* for a short while, a focus lost to the page goes back where it was put */
        if (lost() || (target && !target.isConnected)) { target = following(); if (target) target.focus(); }
        if (checks-- > 0 && (lost() || document.activeElement === target)) setTimeout(hold, 50);
      };
      const settle = () => {  /* once the popover is closed (Streamlit would put the focus back on its button) */
        if (openDialog() && Date.now() < deadline) { setTimeout(settle, 16); return; }
        target = following();
        if (target) target.focus();
        setTimeout(hold, 50);
      };
      settle();
    }
  }, true);
})();"""


def streamlit_js() -> Path:
    import streamlit

    return Path(streamlit.__file__).parent / "static" / "static" / "js"


def stem(file_name: str) -> str:
    """A script's name up to its content hash: 'FileUploader.D7YhAWeM.js' -> 'FileUploader'."""
    return file_name.split(".", 1)[0]


def translate(text: str, pieces: tuple[tuple[str, str], ...]) -> tuple[str, dict[str, int]]:
    """``text`` with every English piece replaced, and how many times each piece was found."""
    found = {}
    for english, french in pieces:
        found[english] = text.count(english)
        if found[english]:
            text = text.replace(english, french)
    return text, found


@lru_cache(maxsize=1)
def translated_scripts() -> tuple[dict[str, bytes], tuple[tuple[str, str], ...]]:
    """({file name: translated bytes} for the installed Streamlit's scripts that hold some piece,
    ((stem, English piece) never found, ...))."""
    folder = streamlit_js()
    out: dict[str, bytes] = {}
    seen: dict[tuple[str, str], int] = {}
    for name, pieces in FRENCH.items():
        for path in sorted(folder.glob(f"{name}.*.js")):
            if stem(path.name) != name:
                continue
            text, found = translate(path.read_text(encoding="utf-8"), pieces)
            for english, n in found.items():
                seen[(name, english)] = seen.get((name, english), 0) + n
            if any(found.values()):
                out[path.name] = text.encode("utf-8")
    missing = tuple(key for key, n in seen.items() if n == 0)
    missing += tuple((name, english) for name, pieces in FRENCH.items() for english, _ in pieces
                     if (name, english) not in seen)
    for name, english in missing:
        log.warning("Streamlit text not translated (not found in %s.*.js): %s", name, english)
    return out, missing


def routes() -> dict[str, Served]:
    """URL path of each translated Streamlit script -> its French version (nrdash.web.served)."""
    scripts, _ = translated_scripts()
    return {f"/static/js/{name}": Served(body, b"application/javascript", CACHE_CONTROL)
            for name, body in scripts.items()}
