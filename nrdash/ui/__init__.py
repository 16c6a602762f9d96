"""Streamlit glue shared by the entrypoint and the pages, one concern a module (logic lives in the other nrdash
modules; pages stay thin and never copy each other):

- page_context: the page context (census, territory, filters, the filtered view): sidebar() computes it once per
  run (app.py), context() gives it to a page;
- pages: the list of pages, st.navigation over it, running a page, links and addresses;
- source: the offline geography and the session's census;
- widgets, filter_state, territory: the sidebar's widgets, the shared filters they hold (and the address's query,
  nrdash.urlstate), the territory search;
- search: finding an actor by name and its card (public fields only), also opened from the actors table;
- workshop: mode atelier (projection) and its slideshow;
- embed: a page's figure alone for another site (?integre=1) and the « Intégrer » button giving its <iframe>;
- elements: what pages draw with (chart, key figures, level legend, tables, captions);
- chart_component: the Streamlit component that draws a plotly figure (payload: nrdash.plotting);
- geometry: contours for the map and the report, computed once;
- editor: the census editor;
- account: who is signed in; workspace: the shared workspace (territory, draft, publishing, history);
  versions_admin: the Versions page's workshop links and territory settings (roles, sessions, erasure);
- suivi: the Suivi page (two versions or files compared, objectives, freshness), a package (pairing, objectives,
  state);
- questionnaire: the editors' review queue; answer_needs: its « Besoins » section; personal_form: a campaign's
  personal link's form (the public form is nrdash.web.form_page, plain HTML);
- campaigns, campaign_sending, campaign_link: the Campagnes page (issue 26), its sending in the background, the
  personal link's form;
- vote: the Atelier page (the room's live vote: open, project, close, into the plan; the phones' page is
  nrdash.web.vote_page, plain HTML);
- assets: the favicon's folder and the stylesheets (assets/css).

A page does ``ctx = ui.context()`` and passes ``ctx`` to the helpers that need the view (``ui.chart(ctx, …)``).
The names below are what pages and app.py use; a module's other names are reached through the module.
"""
import streamlit as st  # noqa: F401  (tests patch ui.st)

from .assets import ASSETS
from .page_context import Context, context, sidebar
from .page_context import embedded as embedded_context
from .embed import button as embed_button
from .embed import end as embed_end
from .embed import page_of as embed_page_of
from .editor import census_editor
from .elements import (actors_table, chart, coming_soon, data_table, filter_caption, key_figures, level_legend,
                       template_button)
from .filter_state import FILTER_KEYS, set_filters
from .actor_search import actor_card, actor_search
from .geometry import commune_contours, territory_shape
from .source import locked as source_locked
from .source import refused_upload_banner
from .workspace_panel import status_banner
from .review_queue import home_line as questionnaire_count
from .pages import (PAGES, UNEXPECTED, embedded_address, is_bare, navigation, page_link, page_path, run_page,
                    statement_footer, url_path)
from .workshop_mode import CAROUSEL_PAGES, carousel_next
from .workshop_mode import sidebar_state as initial_sidebar_state

__all__ = ["ASSETS", "CAROUSEL_PAGES", "FILTER_KEYS", "PAGES", "UNEXPECTED", "Context", "actor_card",
           "actor_search", "actors_table",
           "carousel_next", "census_editor", "chart", "coming_soon", "commune_contours", "context", "data_table",
           "embed_button", "embed_end", "embed_page_of", "embedded_address", "embedded_context",
           "filter_caption", "initial_sidebar_state", "is_bare", "key_figures", "level_legend", "navigation", "page_link", "page_path", "questionnaire_count",
           "refused_upload_banner", "run_page", "source_locked", "statement_footer", "status_banner",
           "set_filters", "sidebar", "template_button", "territory_shape", "url_path"]
