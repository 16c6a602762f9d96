"""nrdash — entrypoint: navigation, data source and shared filters (defined once, read by every page)."""
import streamlit as st

from nrdash import ui


def main() -> None:
    """One run. In a function: Streamlit leaves this script's module in sys.modules until the next run of any
    session, so a global here would keep the last session's census alive after it ended (nrdash.session_reaper)."""
    # A local icon: a Material icon name here would make every browser fetch it from Google's font servers.
    # Mode atelier starts with the sidebar folded away (decided here, before anything is drawn).
    st.set_page_config(page_title="nrdash — Numérique responsable", page_icon=str(ui.ASSETS / "favicon.png"),
                       layout="wide", initial_sidebar_state=ui.initial_sidebar_state())
    page = ui.navigation()
    embedded = ui.embedded_address()  # ?integre=1: the page's figure alone, for another site (nrdash.ui.embed)
    try:
        if embedded:  # the address's view, nothing drawn around it; a page that cannot be embedded says so
            ui.embedded_context(ui.embed_page_of(page))
        elif not ui.is_bare(page):  # a bare page has no sidebar and shows no census
            ctx = ui.sidebar(current_page=ui.page_path(page))
            ui.refused_upload_banner(ctx.dataset)  # above every page: a refused file never passes for the census shown
            ui.status_banner(ctx.source)  # a draft or an old version never passes for the published census
        ui.run_page(page)
    finally:  # also under a page that stops early (a closed territory says why and nothing else)
        if not embedded:  # the host site has its own statement
            ui.statement_footer()


main()
