"""The one-click briefing: a single self-contained HTML file (the app's partial plotly.js build embedded once, map
drawn as inline SVG, no external request), printable to PDF from a browser. Every census string is escaped. Each
chart is a figure named by its title and filters and described by the sentence written under it."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import charts, maps, plotting
from . import referential as ref
from .census import Census
from .filters import Filters
from .indicators import kpis, public_table, territory_headline
from .matrix import (categories_by_family, category_blocks, engaged_by_target, format_due, plan_summary, plan_table,
                     plan_view, quick_wins)
from .mobilisation import circle_members
from .placement import TerritoryInfo
from .text import count_noun, date_time, esc, percent

SECTIONS = ("contexte", "indicateurs", "engagement", "cercles", "matrice", "carte", "provenance")
SUIVI_SECTION = "suivi"  # when the report is given the territory's follow-up (ReportInput.suivi), before provenance
VOTES_SECTION = "votes"  # when the report is given the territory's closed votes (ReportInput.votes), before provenance

CSS = """
body { font-family: Arial, Helvetica, sans-serif; color: #1e1e1e; max-width: 1100px; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.45; }
h1 { color: #0b2a6b; font-size: 2rem; } h2 { color: #1d4e89; border-bottom: 2px solid #1d4e89; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #c9ced6; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
.kpis { display: flex; flex-wrap: wrap; gap: 1rem; }
.kpi { border: 1px solid #c9ced6; border-radius: 6px; padding: .6rem 1rem; min-width: 11rem; }
.kpi b { display: block; font-size: 1.8rem; color: #0b2a6b; }
.note { color: #3d3d3d; font-size: .92rem; }
.legend span { display: inline-block; margin-right: 1rem; }
section { margin-bottom: 2rem; }
@media print {
  body { max-width: none; margin: 0; }
  section { page-break-inside: avoid; }
  section + section { page-break-before: always; }
  .plotly-graph-div { page-break-inside: avoid; }
}
"""


REPORT_PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "locale": "fr"}


def _script_json(value) -> str:
    """JSON written inside a <script>: nothing in it can close the element."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\u0021--")


def table_html(df: pd.DataFrame, index: bool = False) -> str:
    """An escaped HTML table (pandas' to_html escapes cell text)."""
    return df.to_html(index=index, escape=True, na_rep="", border=0)


@dataclass
class ReportInput:
    census: Census
    actors: pd.DataFrame  # filtered
    actions: pd.DataFrame  # filtered
    filters_caption: str
    territory: TerritoryInfo | None = None
    contours: Any = None  # GeoDataFrame of the communes to draw, or None
    generated: dt.datetime | None = None
    filters: Filters | None = None  # the plan shows the targets of the families filtered (matrix.plan_view)
    suivi: Any = None  # nrdash.suivi.SuiviReport: the last comparison and the objectives (stored territories)
    votes: Any = None  # the territory's closed votes (nrdash.store.VoteInfo), newest first (stored territories)


def svg_map(actors: pd.DataFrame, contours=None, width: int = 900, height: int = 620) -> str:
    """A static map: commune outlines and actors (coloured by level), or a grid for large censuses."""
    placed = actors[actors["lat"].notna() & actors["lon"].notna()]
    xs = [placed["lon"].to_numpy(dtype=float)]
    ys = [placed["lat"].to_numpy(dtype=float)]
    polys = []
    if contours is not None and len(contours):
        import shapely

        for geom in contours.geometry:
            if geom is None:
                continue
            for poly in getattr(geom, "geoms", [geom]):
                coords = np.asarray(shapely.get_coordinates(poly.exterior))
                polys.append(coords)
                xs.append(coords[:, 0])
                ys.append(coords[:, 1])
    allx, ally = np.concatenate(xs) if xs else np.array([]), np.concatenate(ys) if ys else np.array([])
    if allx.size == 0:
        return "<p>Aucun acteur placé.</p>"
    x0, x1, y0, y1 = allx.min(), allx.max(), ally.min(), ally.max()
    k = np.cos(np.radians((y0 + y1) / 2))
    span_x, span_y = max((x1 - x0) * k, 1e-3), max(y1 - y0, 1e-3)
    scale = min((width - 20) / span_x, (height - 20) / span_y)

    def project(lon, lat):
        return 10 + (np.asarray(lon) - x0) * k * scale, height - 10 - (np.asarray(lat) - y0) * scale

    parts = [f'<svg class="carte" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
             'aria-label="Carte des acteurs">']
    for coords in polys:
        px, py = project(coords[:, 0], coords[:, 1])
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py))
        parts.append(f'<polygon points="{points}" fill="#f6f9fc" stroke="#5a6478" stroke-width="0.6"/>')
    if len(placed) > maps.FULL_TOOLTIP_MAX:
        for cell in maps.grid_cells(placed):
            px, py = project(cell["p"][0], cell["p"][1])
            r = max(1.5, cell["r"] / 111_000 * scale)
            fill = "#%02x%02x%02x" % tuple(cell["c"][:3])
            parts.append(f'<circle cx="{float(px):.1f}" cy="{float(py):.1f}" r="{r:.1f}" fill="{fill}"><title>'
                         f'{esc(cell["t"])}</title></circle>')
    else:
        px, py = project(placed["lon"].to_numpy(dtype=float), placed["lat"].to_numpy(dtype=float))
        for a, b, lv, name in zip(px, py, placed["level"], placed["name"]):
            color = ref.LEVEL_COLORS.get(int(lv), ref.LEVEL_MISSING_COLOR) if not pd.isna(lv) else ref.LEVEL_MISSING_COLOR
            parts.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="4" fill="{color}" stroke="#fff" stroke-width="0.8">'
                         f'<title>{esc(name)}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def _dates_written(table: pd.DataFrame) -> pd.DataFrame:
    """« Échéance » as people write it: JJ/MM/AAAA, nothing when there is none."""
    return table.assign(**{"Échéance": table["Échéance"].map(format_due, na_action=None)}) if len(table) else table


def kpi_items(k) -> list[tuple[str, Any]]:
    """The key figures (label, value) of nrdash.indicators.kpis, as the briefings show them (HTML and .odt)."""
    items = [("Acteurs", k.actors), ("Niveau ≥ 2", percent(k.engaged_share)), ("Leaders du NR", k.leaders),
             ("Cases de la matrice couvertes", f"{k.cells_covered} / {k.cells_total}"),
             ("Actions prévues", k.planned_actions), ("Gains rapides", k.quick_wins)]
    return items + [(f"Cercle {n}", k.circle_sizes[n]) for n in ref.CIRCLES]


def build_report(data: ReportInput) -> str:
    c, a, acts = data.census, data.actors, data.actions
    generated = data.generated or dt.datetime.now().replace(microsecond=0)
    first, drawn_count, shared = [True], [0], [None]

    def fig(figure, summary: str = "", filtered: bool = True) -> str:
        """A chart, named for screen readers by its title and the filters (``filtered``: it shows the filtered
        census) and described by its sentence (written under it); the first one brings the partial plotly.js build
        (nrdash.plotting) and plotly's template, once."""
        drawn_count[0] += 1
        n = drawn_count[0]
        spec = json.loads(figure.to_json())
        template = spec["layout"].pop("template", None)
        script = ""
        if first[0]:
            first[0] = False
            shared[0] = template
            script = (f"<script>{plotting.classic_bundle()}</script>"
                      f"<script>window.nrTemplate={_script_json(template)};</script>")
        if template is not None and template != shared[0]:  # a template of its own: written with it
            spec["layout"]["template"] = template
        elif template is not None:
            spec["layout"]["template"] = "__shared__"
        layout = _script_json(spec["layout"]).replace('"__shared__"', "window.nrTemplate")
        height = int(figure.layout.height or plotting.DEFAULT_HEIGHT)
        described = f' aria-describedby="phrase-{n}"' if summary else ""
        sentence = f"<p id='phrase-{n}'>{esc(summary)}</p>" if summary else ""
        name = plotting.accessible_name(figure) + (f" — {data.filters_caption}" if filtered else "")
        return (f'{script}<div role="figure" aria-label="{esc(name)}"{described}>'
                f'<div id="graphique-{n}" class="plotly-graph-div" style="height:{height}px;width:100%"></div></div>'
                f'<script>Plotly.newPlot("graphique-{n}",{_script_json(spec["data"])},{layout},'
                f"{_script_json(REPORT_PLOTLY_CONFIG)});</script>{sentence}")

    plan = plan_view(acts, data.filters or Filters())
    k = kpis(a, plan.actions, plan.targets)
    counts = plan.counts
    territory = data.territory
    title = territory.name if territory else (c.territory.name or "Territoire")
    out = [f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>Numérique responsable — {esc(title)}"
           f"</title><meta name='viewport' content='width=device-width, initial-scale=1'><style>{CSS}</style></head><body>"]
    out.append(f"<h1>Numérique responsable : {esc(title)}</h1>")
    out.append(f"<p class='note'>Rapport du {date_time(generated)} — {esc(data.filters_caption)}</p>")

    out.append("<section id='contexte'><h2>Le territoire</h2>")
    if territory:
        out.append(f"<p>{esc(territory_headline(territory))}</p><ul>"
                   + "".join(f"<li>{esc(o)}</li>" for o in territory.obligations) + "</ul>")
    else:
        out.append("<p>Territoire non précisé (feuille « Territoire » du classeur ou barre latérale).</p>")
    out.append("</section>")

    out.append("<section id='indicateurs'><h2>Indicateurs clés</h2><div class='kpis'>")
    out.append("".join(f"<div class='kpi'>{esc(label)}<b>{esc(value)}</b></div>" for label, value in kpi_items(k)))
    out.append("</div></section>")

    out.append("<section id='engagement'><h2>Engagement des acteurs</h2>")
    out.append(fig(charts.territory_state(a), charts.territory_state_summary(a)))
    out.append(fig(charts.level_distribution(a), charts.level_summary(a)))
    fam = charts.levels_table(a, "family")
    out.append(fig(charts.levels_by(a, "family", table=fam), charts.levels_by_summary(a, "family", fam)))
    out.append(table_html(fam, index=True) + "</section>")

    out.append("<section id='cercles'><h2>Cercles de mobilisation</h2>")
    out.append(fig(charts.circles(a), charts.circles_summary(a)))
    members = circle_members(a)
    for n, circle in ref.CIRCLES.items():
        out.append(f"<h3>{esc(circle.label)} — {count_noun(len(members[n]), 'acteur')}</h3><p>{esc(circle.who)}</p><ul>"
                   + "".join(f"<li>{esc(f)}</li>" for f in circle.formats) + "</ul>")
    out.append(f"<p><i>{esc(ref.CIRCLE_FOR_EVERYONE)}</i></p></section>")

    out.append("<section id='matrice'><h2>Matrice d'actions</h2>")
    out.append(fig(charts.plan_heatmap(counts, engaged_by_target(a)), plan_summary(plan)))
    holes = plan.gaps
    if holes:
        out.append("<h3>Lacunes et exemples d'actions du kit</h3><ul>")
        for g in holes:
            ideas = "; ".join(g["suggestions"]) or "(pas d'exemple dans le kit)"
            out.append(f"<li><b>{esc(ref.AXIS_SHORT[g['axis']])} × {esc(g['target'])}</b> : {esc(ideas)}</li>")
        out.append("</ul>")
    qw = _dates_written(quick_wins(plan.actions))
    out.append("<h3>Gains rapides</h3>" + (table_html(qw) if len(qw) else "<p>Aucune action marquée gain rapide.</p>"))
    if len(plan.actions):
        out.append("<h3>Actions prévues</h3>" + table_html(_dates_written(plan_table(plan.actions))))
    for _, label, cats in category_blocks(categories_by_family(a)):  # the two vocabularies, never mixed
        out.append(fig(charts.categories_heatmap(cats, label), charts.categories_summary(cats)))
    out.append("</section>")

    out.append("<section id='carte'><h2>Carte des acteurs</h2>")
    out.append(svg_map(a, data.contours))
    legend = "".join(f"<span><svg width='12' height='12'><circle cx='6' cy='6' r='5' fill='{color}'/></svg> "
                     f"{esc(label)}</span>" for label, color in maps.legend("level"))
    placed = int(a["lat"].notna().sum()) if "lat" in a else 0
    out.append(f"<p class='legend'>{legend}</p><p>{placed} acteurs placés sur {len(a)}.</p></section>")

    if data.suivi is not None:
        out.append(suivi_section(data.suivi, fig))
    if data.votes:
        out.append(votes_section(data.votes))

    out.append("<section id='provenance'><h2>Provenance</h2>")
    out.append(f"<p>Recensement « {esc(c.file_name)} » (feuille « {esc(c.sheet)} »), lu le {date_time(c.loaded_at)}"
               f" ; empreinte SHA-256 <code>{esc(c.sha256)}</code>. {len(c.actors)} acteurs dans le fichier, "
               f"{len(c.errors)} erreur(s), {len(c.warnings)} avertissement(s).</p>")
    out.append(f"<p>Filtres : {esc(data.filters_caption)}.</p>")
    out.append("<p class='note'>Les référents et contacts (données personnelles) ne figurent pas dans ce rapport.</p>")
    out.append("<h3>Acteurs représentés</h3>" + table_html(public_table(a)))
    out.append("</section></body></html>")
    return "".join(out)


def suivi_section(suivi, fig) -> str:
    """« Suivi »: the objectives with where each stands, then the last comparison (sentences, transitions)."""
    from . import suivi as sv

    out = [f"<section id='{SUIVI_SECTION}'><h2>Suivi</h2>"]
    out.append("<h3>Objectifs du territoire</h3>")
    if suivi.objectives:
        out.append("<p class='note'>Chaque objectif porte sur tout le recensement de chaque version publiée (sans "
                   "les filtres). « En avance » ou « en retard » : par rapport au chemin en ligne droite de la valeur "
                   "de la version en cours quand l'objectif a été fixé jusqu'à la cible à l'échéance.</p>")
        rows = []
        for view in suivi.objectives:
            out.append(fig(sv.objective_figure(view.objective, view.points), view.sentence, filtered=False))
            rows.append({"Objectif": view.objective.label, "Cible": view.objective.target,
                         "Échéance": view.objective.deadline.strftime("%d/%m/%Y"),
                         "Départ": f"{view.objective.start_value:g} (version {view.start_version or '—'})",
                         "Dernière valeur": "—" if view.progress.value is None else f"{view.progress.value:g}",
                         "État": view.progress.status or "—", "Note": view.objective.note})
        out.append(table_html(pd.DataFrame(rows)))
    else:
        out.append("<p>Aucun objectif n'est fixé pour ce territoire.</p>")
    out.append("<h3>Dernière comparaison</h3>")
    if suivi.summary is None:
        out.append(f"<p>{esc(suivi.note or 'Aucune comparaison : il faut deux versions publiées.')}</p>")
    else:
        out.append(f"<p><b>{esc(suivi.comparison_title)}</b> — {esc(suivi.summary)}</p>")
        if suivi.note:
            out.append(f"<p class='note'>{esc(suivi.note)}</p>")
        out.append(fig(sv.transitions_figure(suivi.transitions, "A", "B"), sv.transitions_summary(suivi.transitions)))
        out.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in suivi.sentences) + "</ul>")
    out.append("</section>")
    return "".join(out)


def votes_section(votes) -> str:
    """« Votes en atelier »: each closed vote's date, question, participants and votes per choice (no per-person
    record exists)."""
    from . import vote as vt

    out = [f"<section id='{VOTES_SECTION}'><h2>Votes en atelier</h2>"]
    for v in votes:
        rows = pd.DataFrame([{"Choix": c.label, "Voix": n} for c, n in vt.ranked(v.counts, v.choices)])
        out.append(f"<h3>{esc(v.question)}</h3><p>Vote clos le {date_time(v.closed_at.astimezone())} — "
                   f"{esc(vt.KINDS.get(v.kind, v.kind))}, {esc(vt.PURPOSES.get(v.purpose, v.purpose).lower())}, "
                   f"{count_noun(v.max_choices, 'choix', 'choix')} par personne — "
                   f"{count_noun(v.participants, 'participant')}.</p>" + table_html(rows))
    out.append("</section>")
    return "".join(out)
