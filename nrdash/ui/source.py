"""Where a session's data comes from: the offline geography, the shared store of published versions, and the
census this session shows (nrdash.workspace says which, in what order), each read once."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import streamlit as st

from .. import workspace as ws
from ..census import CensusError
from ..dataset import Dataset, configured_path, load_default, load_upload
from ..geography import Geography, GeographyUnavailable, load_geography
from ..web import auth
from ..store import SAMPLE_CODE, Draft, Principal, Store, StoreError, get_store, territory_label
from ..text import count_noun, date_time, escape_md
from . import account as accounts
from .read_gate import Busy, reading
from .pages import page_link

log = logging.getLogger("nrdash")

DATASET_KEY = "dataset"  # this session's own census (upload, edit): never stored
CODE_KEY, VERSION_KEY, LOCKED_KEY = "ws_code", "ws_version", "ws_locked"  # the territory, version, locked link
TOKEN_KEY = "ws_token"  # the locked workshop link's secret: this session's principal, checked at every operation
SHOW_DRAFT_KEY = "ws_show_draft"  # an editor shows their draft (True) or the published version
DRAFT_CACHE_KEY = "ws_draft_dataset"  # (sha256, Dataset) of the draft, read once per session
SOURCE_KEY = "_source"  # this run's Source, set by the sidebar
SHOWN_KEY = "ws_shown"  # what was shown on the previous run: a change resets the filters
HOME_KEY = "ws_home"  # (account e-mail, territory) where this account lands when the address names none
TERRITORY_PARAM, VERSION_PARAM, TOKEN_PARAM = "territoire", "version", "jeton"


@st.cache_resource(show_spinner="Chargement de la géographie hors ligne…")
def geography() -> tuple[Geography | None, str | None]:
    """The offline geography, loaded once per server process (built on first use if only the sources exist)."""
    try:
        return load_geography(), None
    except GeographyUnavailable as exc:
        return None, str(exc)


@st.cache_resource(show_spinner="Lecture du recensement…")
def _configured_dataset() -> Dataset:
    """NRDASH_CENSUS's file: read once per server process, shared read-only by all sessions."""
    return load_default(geography()[0])


@st.cache_resource(show_spinner="Ouverture de la base des recensements…")
def store() -> Store:
    """The instance's store (migrated, the sample seeded under « exemple » on a fresh one): once per process."""
    return get_store()


@dataclass
class Source:
    """What this session shows and may do."""

    dataset: Dataset | None  # None when nothing may or can be shown (``problem`` says why)
    label: str  # what the census shown is, in words (« Version 3 publiée le … », « Brouillon … »)
    code: str | None  # the store's territory shown or edited (None: the configured file)
    name: str  # its name
    access: ws.Access  # what the store says this session may do here (to choose what to show)
    account: accounts.Account | None
    number: int | None = None  # the published version shown (None: a draft, an upload, the configured file)
    latest: int | None = None  # the territory's latest version
    draft: bool = False  # the census shown is the editor's draft
    base_version: int | None = None  # the version the draft shown started from (None: nothing was published)
    has_draft: bool = False  # the editor has a draft on this territory (shown or not)
    problem: str | None = None  # why the store's census cannot be shown (the page says it, nothing else)
    empty: bool = False  # the problem is only that nothing is published yet (not a refusal)
    who: Principal = field(default_factory=Principal.anonymous)  # this run's principal (a callback builds its own)

    @property
    def stored(self) -> bool:
        return self.code is not None and self.problem is None

    @property
    def sample(self) -> bool:
        """The fictional sample's published census is shown (not an upload or a draft over it)."""
        return self.code == SAMPLE_CODE and self.number is not None and self.dataset is not None


def _remembered(key: str, param: str, parse) -> object:
    """A session's territory or version: read from the address on the first run, then kept (a page change drops
    the query: it is written back)."""
    if key not in st.session_state:
        st.session_state[key] = parse(st.query_params.get(param))
    value = st.session_state[key]
    wanted = None if value is None else str(value)
    if st.query_params.get(param) != wanted:
        if wanted is None:
            st.query_params.pop(param, None)
        else:
            st.query_params[param] = wanted
    return value


def client() -> str:
    """The client's address, as the sign-in's rate limit reads it (X-Forwarded-For from trusted proxies only)."""
    try:
        trusted = auth.trusted_proxies()
    except ValueError:
        trusted = []
    return auth.client_ip(st.context.ip_address or "127.0.0.1", st.context.headers, trusted)


def principal() -> Principal:
    """Who this session is for the store, built afresh: the locked workshop link it was opened with, else the
    identity provider's account or the local sign-in session, else an anonymous visitor; with the client's
    address. The store reads its rights at every operation (a session ended elsewhere has none from the next)."""
    return _principal(accounts.current_account)


def _principal(account_of) -> Principal:
    token = st.session_state.get(TOKEN_KEY)
    if token:
        return Principal.workshop(token, client())
    return accounts.principal_of(account_of(), client())


def _locked_territory(s: Store) -> str | None:
    """A session opened with a locked workshop link stays on its territory, a viewer in mode atelier (False: the
    link was not valid when the session opened), whatever is done to its address. The token is read from the
    address on the first run only, then written back on every run: a page change (the menu) drops the query, and a
    reload must find the token to stay locked."""
    if LOCKED_KEY not in st.session_state:
        token = (st.query_params.get(TOKEN_PARAM) or "").strip()[:100]
        if token:
            st.session_state[TOKEN_KEY] = token
        st.session_state[LOCKED_KEY] = (s.workshop_territory(Principal.workshop(token)) or False) if token else None
    token = st.session_state.get(TOKEN_KEY)
    if token and st.query_params.get(TOKEN_PARAM) != token:
        st.query_params[TOKEN_PARAM] = token
    return st.session_state[LOCKED_KEY]


def locked() -> bool:
    """Whether this session was opened with a valid locked workshop link (mode atelier cannot be left)."""
    if LOCKED_KEY not in st.session_state:
        _locked_territory(store())
    return bool(st.session_state.get(LOCKED_KEY))


def draft_dataset(s: Store, code: str, who: Principal) -> tuple[Draft | None, Dataset | None]:
    """The editor's draft (without its bytes) and its census, read once per session and draft: a rerun asks the
    store only for the draft's SHA-256, the file is fetched and read again only when it changed."""
    draft = s.draft(who, code, data=False)
    if draft is None:
        st.session_state.pop(DRAFT_CACHE_KEY, None)
        return None, None
    cached = st.session_state.get(DRAFT_CACHE_KEY)
    if cached and cached[0] == (code, draft.sha256):
        return draft, cached[1]
    full = s.draft(who, code)
    if full is None:  # discarded meanwhile
        return None, None
    try:
        with reading():
            ds = load_upload(full.data, full.file_name, geography()[0])
    except Busy as exc:  # the published version meanwhile; read again on the next run
        st.session_state["ws_note"] = f"Votre brouillon n'a pas pu être relu tout de suite. {exc}"
        return None, None
    except CensusError as exc:  # stored by an older reader, refused by this one: say it, keep the draft
        st.session_state["upload_error"] = f"Votre brouillon « {full.file_name} » n'a pas pu être relu : {exc}"
        return draft, None
    ds = Dataset(ds.census, "draft", ds.territory, ds.territory_problem)
    st.session_state[DRAFT_CACHE_KEY] = ((code, full.sha256), ds)
    return draft, ds


def _home(s: Store, who: Principal, account: accounts.Account | None) -> str:
    """The territory shown when the address names none: a signed-in person's own territory when they have a role on
    exactly one, else the instance's default (nrdash.workspace.home_territory); asked once per session and account."""
    default = ws.default_territory()
    if account is None:
        return default
    cached = st.session_state.get(HOME_KEY)
    if cached and cached[0] == account.email:
        return cached[1]
    try:  # TODO(store): one read of the account's own territories would do (here: readable, then access on each)
        candidates = [c for c, _ in s.readable_territories(who) if c != SAMPLE_CODE]
        if candidates and s.access(who, candidates[0]).instance_admin:  # the instance's administrator has them all
            own = candidates
        else:
            own = [c for c in candidates if s.access(who, c).role is not None]
    except StoreError:
        own = []
    home = ws.home_territory(own, default)
    st.session_state[HOME_KEY] = (account.email, home)
    return home


def resolve(workshop: bool) -> Source:
    """This run's census and rights (nrdash.workspace's order): what the store says this session may do."""
    account = accounts.current_account()
    own = st.session_state.get(DATASET_KEY)
    s = store()
    lock = _locked_territory(s)
    who = _principal(lambda: account)
    if lock is False:
        return _refused(_link_problem(s.access(who, None)), who)
    if lock:  # the link's territory, its latest version: the address says so too (a hand-edited one is put back)
        st.session_state[CODE_KEY], st.session_state[VERSION_KEY] = lock, None
    asked = _remembered(CODE_KEY, TERRITORY_PARAM, lambda v: (v or "").strip()[:16] or None)
    number = _remembered(VERSION_KEY, VERSION_PARAM, ws.parse_version)
    configured = configured_path()[1] == "config" and asked is None
    code = asked or _home(s, who, account)
    if configured and own is None:
        ds = _configured_dataset()
        return Source(ds, ds.label, None, ds.label, ws.Access(None, True), account, who=who)
    acc = s.access(who, code)
    if lock and not acc.may_read:  # revoked or expired since the session opened
        return _refused(_link_problem(acc), who, code, account, acc)
    if not acc.may_read or acc.exists is False:
        return _unreadable(code, who, account, acc)
    name = acc.name
    infos = s.versions(who, code)
    latest = infos[-1].number if infos else None
    if own is not None:
        return Source(own, own.label, code, name, acc, account, latest=latest, who=who)
    info, draft = draft_dataset(s, code, who) if acc.editor else (None, None)
    if draft is not None and st.session_state.get(SHOW_DRAFT_KEY, True) and not workshop:
        base = info.base_version
        label = f"Brouillon (non publié), {ws.draft_origin(base)}"
        return Source(draft, label, code, name, acc, account, latest=latest, draft=True, has_draft=True,
                      base_version=base, who=who)
    if number is not None and number not in {v.number for v in infos}:
        st.session_state[VERSION_KEY] = number = None
        st.session_state["ws_note"] = "La version demandée dans l'adresse n'existe pas : la dernière est affichée."
    if latest is None:  # a territory given to an editor, nothing published yet: the editor uploads the first one
        return _refused(f"« {name} » n'a encore aucune version publiée."
                        + ("" if acc.editor else " Elle le sera par un éditeur du territoire."),
                        who, code, account, acc, name, empty=True)
    try:
        ds = s.open_version(who, code, number, personal=acc.personal(workshop))
    except StoreError as exc:
        return _refused(str(exc), who, code, account, acc, name)
    info = next(v for v in infos if v.number == (number or latest))
    when = date_time(info.created_at.astimezone())
    label = ("Recensement d'exemple (fictif)" if code == SAMPLE_CODE and info.number == latest
             else f"Version {info.number} publiée le {when}"
             + ("" if info.number == latest else f" (ancienne : la dernière est la {latest})"))
    return Source(ds, label, code, name, acc, account, info.number, latest, has_draft=draft is not None,
                  who=who)


def _link_problem(acc: ws.Access) -> str:
    """Why the locked workshop link opens nothing (« Ce lien d'atelier a été révoqué. », « … a expiré. »), as the
    store says it, and what to do."""
    return (acc.link_problem or "Ce lien d'atelier n'est pas valide.") + \
        " Demandez-en un nouveau à l'équipe projet."


def _unreadable(code: str, who: Principal, account, acc: ws.Access) -> Source:
    """Nothing of the territory may be shown to this session. Unless the store said whether it is on this instance
    (to an instance administrator), a closed territory and an unknown one get the same words."""
    try:
        label = territory_label(code)
    except StoreError as exc:  # not a territory code at all: say what a code is
        return _refused(str(exc), who, code, account, acc)
    first = ("n'a encore aucune version publiée sur cette instance. Un administrateur y donne le rôle d'éditeur à "
             "une personne, qui publie le premier recensement (page Versions, ou « python -m nrdash publish »).")
    if acc.exists is False:  # nothing to refuse: there is nothing yet (said plainly, not as an error)
        return _refused(f"« {label} » {first}", who, code, account, acc, label, empty=True)
    return _refused(f"Le recensement de « {label} » n'est pas visible ici. S'il est publié sur cette instance, il "
                    "n'est visible que des personnes qui y ont un rôle : connectez-vous (barre latérale). Sinon, il "
                    + first, who, code, account, acc, label)


def _refused(problem: str, who: Principal, code: str | None = None, account=None, acc: ws.Access | None = None,
             name: str = "", empty: bool = False) -> Source:
    """Nothing of the store can be shown: the page says why and shows nothing else (no dataset). ``empty``: only
    because nothing is published yet."""
    return Source(None, "Aucun recensement affiché", code, name or (code or ""), acc or ws.Access(None, False),
                  account, problem=problem, who=who, empty=empty)


def current_dataset() -> Dataset | None:
    """The census shown on the last run (callbacks run before the script: they act on what the person saw)."""
    src = st.session_state.get(SOURCE_KEY)
    return src.dataset if src is not None else resolve(False).dataset


UPLOAD_ERROR_KEY = "upload_error"  # why this session's last upload was refused (set by widgets._on_upload)
TEMPLATE_PAGE = "pages/recensement.py"  # where the blank template's download button is


def refused_upload_banner(dataset: Dataset) -> None:
    """On every page, above its content: the last upload was refused, why, and which census is shown instead
    (otherwise the main area would show the sample as if the file had been read)."""
    error = st.session_state.get(UPLOAD_ERROR_KEY)
    if not error:
        return
    census = dataset.census
    src = st.session_state.get(SOURCE_KEY)
    label = src.label if src is not None else dataset.label
    shown = (f"{label} : « {census.file_name} », {count_noun(len(census.actors), 'acteur')}")
    with st.container(key="refused_upload"):
        st.error(f"**Fichier refusé — il n'est pas affiché.** {escape_md(error)}\n\n"
                 f"Ce que vous voyez à la place : {escape_md(shown)}.", icon=":material/error:")
        page_link(TEMPLATE_PAGE, label="Télécharger le modèle vierge (page Recensement)", icon=":material/download:")
