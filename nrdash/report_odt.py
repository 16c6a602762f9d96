"""The briefing as an OpenDocument text (.odt, issue 27): the HTML briefing's sections (nrdash.report) as headings a
council deliberation can reuse, its sentences as paragraphs, its tables as tables and its map as a static SVG image
(nrdash.report.svg_map, the same drawing); the filters and the provenance (file, SHA-256, date). No personal data:
Référent and Contact are in none of the tables it draws from. LibreOffice and Word open it.

The interactive plotly charts of the HTML briefing are given here by their sentence and their figures as a table (no
image of them: drawing them would need a browser on the server). Pure: bytes in memory, no Streamlit, no store.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

import pandas as pd
from odf import draw, style, table, text
from odf.opendocument import OpenDocumentText
from odf.svg import Desc

from . import charts
from . import referential as ref
from .export import xml_safe
from .filters import Filters
from .indicators import kpis, public_table, territory_headline
from .matrix import (
    categories_by_family,
    category_blocks,
    plan_summary,
    plan_table,
    plan_view,
    quick_wins,
)
from .mobilisation import circle_members
from .report import ReportInput, _dates_written, kpi_items, svg_map
from .text import count_noun, date_time

MEDIA_TYPE = "application/vnd.oasis.opendocument.text"
MAP_WIDTH_CM, MAP_HEIGHT_CM = 16.0, 11.0  # svg_map's 900 × 620 in an A4 page's text width


def _clean(value: Any) -> str:
    """A cell or a sentence as text an XML file can hold (control characters: U+FFFD); missing: empty."""
    if value is None or (not isinstance(value, (list, tuple, set)) and pd.isna(value)):
        return ""
    if isinstance(value, (list, tuple, set)):
        return " ; ".join(_clean(v) for v in value)
    return xml_safe(str(value))


class _Writer:
    def __init__(self, title: str) -> None:
        self.doc = OpenDocumentText()
        self.doc.meta.addElement(_dc_title(title))
        self.styles: dict[str, style.Style] = {}
        for level, size in ((1, "20pt"), (2, "15pt"), (3, "12.5pt")):
            s = style.Style(name=f"Heading {level}", family="paragraph", defaultoutlinelevel=str(level))
            s.addElement(style.TextProperties(fontsize=size, fontweight="bold", color="#0b2a6b"))
            s.addElement(style.ParagraphProperties(margintop="0.4cm", marginbottom="0.2cm", keepwithnext="always"))
            self.doc.styles.addElement(s)
            self.styles[f"h{level}"] = s
        note = style.Style(name="Note", family="paragraph")
        note.addElement(style.TextProperties(fontsize="9.5pt", color="#3d3d3d"))
        self.doc.styles.addElement(note)
        self.styles["note"] = note
        cell = style.Style(name="Cell", family="table-cell")
        cell.addElement(style.TableCellProperties(border="0.5pt solid #c9ced6", padding="0.08cm"))
        head = style.Style(name="HeadCell", family="table-cell")
        head.addElement(style.TableCellProperties(border="0.5pt solid #c9ced6", padding="0.08cm",
                                                  backgroundcolor="#eef2f7"))
        bold = style.Style(name="Bold", family="paragraph")
        bold.addElement(style.TextProperties(fontweight="bold"))
        for s in (cell, head, bold):
            self.doc.automaticstyles.addElement(s)
        self.styles.update(cell=cell, head=head, bold=bold)
        self.tables = 0

    def heading(self, level: int, words: str) -> None:
        self.doc.text.addElement(text.H(outlinelevel=level, stylename=self.styles[f"h{level}"], text=_clean(words)))

    def para(self, words: str, note: bool = False) -> None:
        p = text.P(stylename=self.styles["note"], text=_clean(words)) if note else text.P(text=_clean(words))
        self.doc.text.addElement(p)

    def items(self, lines: Iterable[str]) -> None:
        lst = text.List()
        for line in lines:
            item = text.ListItem()
            item.addElement(text.P(text="• " + _clean(line)))
            lst.addElement(item)
        self.doc.text.addElement(lst)

    def table(self, df: pd.DataFrame, index: bool = False) -> None:
        frame = df.reset_index() if index else df
        self.tables += 1
        t = table.Table(name=f"Tableau{self.tables}")
        t.addElement(table.TableColumn(numbercolumnsrepeated=max(1, len(frame.columns))))
        row = table.TableRow()
        for name in frame.columns:
            c = table.TableCell(stylename=self.styles["head"], valuetype="string")
            c.addElement(text.P(stylename=self.styles["bold"], text=_clean(name)))
            row.addElement(c)
        t.addElement(row)
        for values in frame.itertuples(index=False):
            row = table.TableRow()
            for v in values:
                number = isinstance(v, (int, float)) and not isinstance(v, bool) and not pd.isna(v)
                c = (table.TableCell(stylename=self.styles["cell"], valuetype="float", value=v) if number else
                     table.TableCell(stylename=self.styles["cell"], valuetype="string"))
                c.addElement(text.P(text=_clean(v)))
                row.addElement(c)
            t.addElement(row)
        self.doc.text.addElement(t)

    def svg(self, drawing: str, name: str, description: str) -> None:
        if not drawing.startswith("<svg"):  # svg_map's sentence when nothing is placed
            self.para(drawing.removeprefix("<p>").removesuffix("</p>"))
            return
        href = self.doc.addPicture(f"{name}.svg", "image/svg+xml", xml_safe(drawing).encode("utf-8"))
        f = draw.Frame(name=name, anchortype="as-char", width=f"{MAP_WIDTH_CM}cm", height=f"{MAP_HEIGHT_CM}cm")
        f.addElement(draw.Image(href=href))
        f.addElement(Desc(text=_clean(description)))
        p = text.P()
        p.addElement(f)
        self.doc.text.addElement(p)

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.doc.write(out)
        return out.getvalue()


def _dc_title(title: str):
    from odf.dc import Title

    return Title(text=_clean(title))


def build_odt(data: ReportInput) -> bytes:
    """The briefing of ``data`` (as nrdash.report.build_report takes it) as an OpenDocument text."""
    c, a, acts = data.census, data.actors, data.actions
    generated = data.generated or dt.datetime.now().replace(microsecond=0)
    plan = plan_view(acts, data.filters or Filters())
    k = kpis(a, plan.actions, plan.targets)
    territory = data.territory
    title = territory.name if territory else (c.territory.name or "Territoire")
    w = _Writer(f"Numérique responsable — {title}")
    w.heading(1, f"Numérique responsable : {title}")
    w.para(f"Rapport du {date_time(generated)} — {data.filters_caption}", note=True)

    w.heading(2, "Le territoire")
    if territory:
        w.para(territory_headline(territory))
        w.items(territory.obligations)
    else:
        w.para("Territoire non précisé (feuille « Territoire » du classeur ou barre latérale).")

    w.heading(2, "Indicateurs clés")
    w.table(pd.DataFrame([{"Indicateur": label, "Valeur": value} for label, value in kpi_items(k)]))

    w.heading(2, "Engagement des acteurs")
    w.para(charts.territory_state_summary(a))
    w.para(charts.level_summary(a))
    fam = charts.levels_table(a, "family")
    w.para(charts.levels_by_summary(a, "family", fam))
    w.table(fam, index=True)

    w.heading(2, "Cercles de mobilisation")
    w.para(charts.circles_summary(a))
    members = circle_members(a)
    for n, circle in ref.CIRCLES.items():
        w.heading(3, f"{circle.label} — {count_noun(len(members[n]), 'acteur')}")
        w.para(circle.who)
        w.items(circle.formats)
    w.para(ref.CIRCLE_FOR_EVERYONE, note=True)

    w.heading(2, "Matrice d'actions")
    w.para(plan_summary(plan))
    heat = plan.counts
    if isinstance(heat, pd.DataFrame) and len(heat):
        w.table(heat.rename(index=lambda axis: ref.AXIS_SHORT.get(axis, axis)), index=True)
    if plan.gaps:
        w.heading(3, "Lacunes et exemples d'actions du kit")
        w.items(f"{ref.AXIS_SHORT[g['axis']]} × {g['target']} : "
                + ("; ".join(g["suggestions"]) or "(pas d'exemple dans le kit)") for g in plan.gaps)
    w.heading(3, "Gains rapides")
    qw = _dates_written(quick_wins(plan.actions))
    w.table(qw) if len(qw) else w.para("Aucune action marquée gain rapide.")
    if len(plan.actions):
        w.heading(3, "Actions prévues")
        w.table(_dates_written(plan_table(plan.actions)))
    for _, label, cats in category_blocks(categories_by_family(a)):
        w.heading(3, label)
        w.para(charts.categories_summary(cats))

    w.heading(2, "Carte des acteurs")
    w.svg(svg_map(a, data.contours), "carte", "Carte des acteurs, colorés par niveau d'engagement")
    placed = int(a["lat"].notna().sum()) if "lat" in a else 0
    w.para(f"{placed} acteurs placés sur {len(a)}.")

    if data.suivi is not None and data.suivi.summary is not None:
        w.heading(2, "Suivi")
        w.para(f"{data.suivi.comparison_title} — {data.suivi.summary}")
        w.items(data.suivi.sentences)

    w.heading(2, "Provenance")
    w.para(f"Recensement « {c.file_name} » (feuille « {c.sheet} »), lu le {date_time(c.loaded_at)} ; empreinte "
           f"SHA-256 {c.sha256}. {len(c.actors)} acteurs dans le fichier, {len(c.errors)} erreur(s), "
           f"{len(c.warnings)} avertissement(s).")
    w.para(f"Filtres : {data.filters_caption}.")
    w.para("Les référents et contacts (données personnelles) ne figurent pas dans ce rapport.", note=True)
    w.heading(3, "Acteurs représentés")
    w.table(public_table(a))
    return w.bytes()
