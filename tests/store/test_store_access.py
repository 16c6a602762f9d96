"""Who may do what in the store (issue 22): every public operation of ``Store`` × every kind of principal, on
SQLite and PostgreSQL. An allowed call succeeds; a refused one raises Forbidden, returns nothing and writes
nothing; a closed territory and an unknown one get the same refusal. The table below is written independently
of ``nrdash.store.access.OPERATIONS``, and the test fails when a public method of Store is missing from it: a new
operation cannot be added unchecked."""
from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import io
import itertools
import json
import zipfile

import pytest
import sqlalchemy as sa

from nrdash import compare as cp
from nrdash import questionnaire as quest
from nrdash.store import PAIR_LINK, Forbidden, Principal, Store, schema
from tests.principals import OP
from tests.test_questionnaire import V1, answer

T, OTHER, UNKNOWN = "241700434", "17300", "17028"  # CA de La Rochelle, La Rochelle, Aytré (not on the instance)
PASSWORD = "motdepasse-long"
ACCOUNTS = {"compte sans rôle": "personne@x.fr", "lecteur": "lecteur@x.fr", "éditeur": "editeur@x.fr",
            "administrateur": "admin-t@x.fr", "administrateur d'un autre territoire": "admin-autre@x.fr",
            "administrateur de l'instance": "admin@x.fr"}
PRINCIPALS = ("anonyme", "lien d'atelier", "lien d'un autre territoire", "lien révoqué", "lien expiré",
              "compte sans rôle", "lecteur", "éditeur", "session d'éditeur", "session terminée", "administrateur",
              "administrateur d'un autre territoire", "administrateur de l'instance", "exploitant", "lien personnel",
              "lien personnel échu", "code de vote",
              "code d'un autre territoire")
VOTE_CODES = {"code de vote", "code d'un autre territoire"}  # a live vote's code (issue 28): that vote, nothing else
INSTANCE = {"administrateur de l'instance", "exploitant"}
TERRITORY_ADMINS = {"administrateur"} | INSTANCE
EDITORS = {"éditeur", "session d'éditeur"} | TERRITORY_ADMINS
READERS = {"lien d'atelier", "lecteur"} | EDITORS
ALLOWED = {  # on T, a territory closed to anonymous reading
    "tout le monde": set(PRINCIPALS),
    "questionnaire public": set(PRINCIPALS) - {"lien d'un autre territoire", "lien révoqué", "lien expiré"} - VOTE_CODES,
    "voter": {"code de vote"} | INSTANCE,
    "lire le publié": READERS,
    "données personnelles": EDITORS,
    "éditer": EDITORS,
    "administrer le territoire": TERRITORY_ADMINS,
    "administrer l'instance": INSTANCE,
    "exploitant seulement": {"exploitant"},
    "lien personnel valide": {"lien personnel"},  # its actor: nobody else, the operator neither
    "refus par lien": {"lien personnel", "lien personnel échu"},  # also after the campaign's end
}


class World:
    """T and OTHER published and closed, the accounts and links of PRINCIPALS, and what each call needs made
    beforehand (by the operator) so that an allowed call succeeds."""

    def __init__(self, s: Store):
        self.s, self.n = s, itertools.count(1)
        s.add_user(OP, ACCOUNTS["administrateur de l'instance"], PASSWORD)  # the first account: instance admin
        s.publish(OP, T, V1, "v1.xlsx", author="marie@x.fr")
        s.publish(OP, OTHER, V1, "autre.xlsx")
        for code in (T, OTHER):
            s.set_territory(OP, code, anonymous_read=False)
        s.add_user(OP, ACCOUNTS["compte sans rôle"], PASSWORD)
        for name, role in (("lecteur", "lecteur"), ("éditeur", "éditeur"), ("administrateur", "administrateur")):
            s.add_user(OP, ACCOUNTS[name], PASSWORD, role, T)
        s.add_user(OP, ACCOUNTS["administrateur d'un autre territoire"], PASSWORD, "administrateur", OTHER)
        revoked = s.create_workshop_token(OP, T, "révoqué")
        s.revoke_workshop_link(OP, revoked.id)
        expired = s.create_workshop_token(OP, T, "expiré", days=1, now=dt.datetime.now(dt.timezone.utc)
                                          - dt.timedelta(days=1, seconds=1))
        ended = Principal.session(s.sign_in(Principal.anonymous(), ACCOUNTS["administrateur"], PASSWORD).session)
        s.sign_out(ended)  # an administrator's session, ended: nothing more than an anonymous visitor
        # Campaigns (issue 26): one running, with its links; one ended yesterday.
        self.campaign_id = s.create_campaign(OP, T, None, author="op@x.fr").id
        links = {name: token for name, _, token, _ in s.campaign_links(OP, T, self.campaign_id)}
        ended_campaign = s.create_campaign(OP, T, None, author="op@x.fr").id
        old = {name: token for name, _, token, _ in s.campaign_links(OP, T, ended_campaign)}
        with s.engine.begin() as conn:
            conn.execute(schema.campaigns.update().where(schema.campaigns.c.id == ended_campaign).values(
                ends_on=dt.date.today() - dt.timedelta(days=1)))
        self.who = {"lien personnel": Principal.actor_link(links["Atelier Vélo"], "192.0.2.9"),
                    "lien personnel échu": Principal.actor_link(old["Atelier Vélo"]),
                    "anonyme": Principal.anonymous("192.0.2.1"),
                    "lien d'atelier": Principal.workshop(s.create_workshop_token(OP, T, "atelier")),
                    "lien d'un autre territoire": Principal.workshop(s.create_workshop_token(OP, OTHER, "autre")),
                    "lien révoqué": Principal.workshop(revoked), "lien expiré": Principal.workshop(expired),
                    "session d'éditeur": self.session_of(ACCOUNTS["éditeur"]), "session terminée": ended,
                    "exploitant": OP, **{name: Principal.account(email) for name, email in ACCOUNTS.items()}}
        self.vote_code = s.open_vote(OP, T).code  # the phones' code: T's open vote until the closing cases
        self.who["code de vote"] = Principal.vote(self.vote_code, "navigateur-1", "192.0.2.7")
        self.who["code d'un autre territoire"] = Principal.vote(s.open_vote(OP, OTHER).code, "navigateur-2")
        self.archive = s.export_territory(OP, T)

    def email(self, who: Principal) -> str:
        """The author the operator names (an account, a session's account, is always itself)."""
        return who.email or self.s.signed_in(who) or "exploitant@x.fr"

    def session_of(self, email: str) -> Principal:
        """A new local sign-in session of the account (every account here has PASSWORD)."""
        signed = self.s.sign_in(Principal.anonymous("198.51.100.7"), email, PASSWORD)
        assert signed.outcome == "ok", signed
        return Principal.session(signed.session)

    def twin(self, who: Principal) -> Principal:
        """A principal with the same rights as ``who``, for a call that ends a session (a new session of the same
        account, ended too when ``who``'s is)."""
        if who.kind != "session":
            return who
        email = self.s.signed_in(who)
        if email is None:
            twin = self.session_of(ACCOUNTS["administrateur"])
            self.s.sign_out(twin)
            return twin
        return self.session_of(email)

    def new_account(self, role: str | None = None) -> str:
        """A new account (a role on T when given), made by the operator: its e-mail."""
        email = f"compte{next(self.n)}@x.fr"
        self.s.add_user(OP, email, PASSWORD, role, T if role else None)
        return email

    def new_link(self) -> int:
        return self.s.create_workshop_token(OP, T, f"lien {next(self.n)}").id

    def file(self) -> bytes:
        return _census(next(self.n))

    def new_answer(self) -> int:
        return self.s.submit_paper(OP, T, [answer(name=f"Structure {next(self.n)}")], author="op@x.fr")[0]

    def accepted(self) -> None:
        sid = self.new_answer()
        self.s.review_submission(OP, T, sid, decision=quest.Decision(quest.ACCEPTED), author="op@x.fr")

    def draft_of(self, who: Principal) -> None:
        self.s.save_draft(OP, T, self.file(), "brouillon.xlsx", None, author=self.email(who))

    def sending(self, who: Principal, claim: bool = False) -> tuple[int, str, int | None]:
        """A campaign a sender holds (made by the operator): (its id, the sender's name[, a recipient it claimed])."""
        cid = self.s.create_campaign(OP, T, None, author="op@x.fr").id
        sender = f"cas:{next(self.n)}:x"
        self.s.start_sending(OP, T, cid, sender)
        rid = self.s.claim_recipient(OP, T, cid, sender).recipient_id if claim else None
        return cid, sender, rid

    def open_vote(self) -> str:
        """T's open vote (opened by the operator when none is)."""
        current = self.s.latest_vote(OP, T)
        return current.code if current is not None and current.open else self.s.open_vote(OP, T).code

    def no_open_vote(self) -> None:
        current = self.s.latest_vote(OP, T)
        if current is not None and current.open:
            self.s.close_vote(OP, T)

    def objective(self) -> int:
        return self.s.add_objective(OP, T, OBJECTIVE, 1, author="op@x.fr")

    def fresh_archive(self) -> bytes:
        """The export of T as the archive of a territory this instance does not have yet."""
        src = zipfile.ZipFile(io.BytesIO(self.archive))
        files = {n: src.read(n) for n in src.namelist()}
        manifest = json.loads(files["manifest.json"])
        manifest["territory"]["code"] = f"import{next(self.n)}"
        files["manifest.json"] = json.dumps(manifest).encode()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        return buf.getvalue()


def _census(n: int) -> bytes:
    from tests.conftest import actors_sheet
    from tests.test_questionnaire import HEADER

    return actors_sheet([[f"Acteur {n}", None, "PME", 1, "Aytré", "Léa Roux", "lea@example.org"]], HEADER)


OBJECTIVE = cp.Objective("engaged_actors", 10.0, dt.date(2030, 12, 31), dt.date(2026, 1, 1), 2.0)

# (case, rule, call(store, principal, world, territory, prepared)[, prepare(world, principal)]): ``prepare`` makes,
# as the operator, what an allowed call needs (its result is ``prepared``). Every public method of Store has at
# least one case.
CASES = [
    ("ensure_schema", "exploitant seulement", lambda s, w, x, t, p: s.ensure_schema(w, False)),
    ("access", "tout le monde", lambda s, w, x, t, p: s.access(w, t)),
    ("readable_territories", "tout le monde", lambda s, w, x, t, p: s.readable_territories(w)),
    ("territories", "administrer l'instance", lambda s, w, x, t, p: s.territories(w)),
    ("territory", "administrer le territoire", lambda s, w, x, t, p: s.territory(w, t)),
    ("set_territory", "administrer le territoire",
     lambda s, w, x, t, p: s.set_territory(w, t, anonymous_read=False, retention_months=24)),
    ("set_territory (ouvrir puis refermer la lecture)", "administrer le territoire",  # closed again for the next
     lambda s, w, x, t, p: (s.set_territory(w, t, anonymous_read=True), s.set_territory(w, t, anonymous_read=False))),
    ("set_territory (adresse de contact)", "administrer le territoire",
     lambda s, w, x, t, p: s.set_territory(w, t, contact_email="numerique@x.fr")),
    ("publish", "éditer", lambda s, w, x, t, p: s.publish(w, t, x.file(), "v.xlsx", author="op@x.fr")),
    ("restore", "éditer", lambda s, w, x, t, p: s.restore(w, t, 1, author="op@x.fr")),
    ("versions", "lire le publié", lambda s, w, x, t, p: s.versions(w, t)),
    ("open_data_settings", "lire le publié", lambda s, w, x, t, p: s.open_data_settings(w, t)),
    ("issues", "lire le publié", lambda s, w, x, t, p: s.issues(w, t, 1)),
    ("open_version", "lire le publié", lambda s, w, x, t, p: s.open_version(w, t)),
    ("open_version(personal=True)", "données personnelles", lambda s, w, x, t, p: s.open_version(w, t, personal=True)),
    ("original", "données personnelles", lambda s, w, x, t, p: s.original(w, t, 1)),
    ("save_draft", "éditer", lambda s, w, x, t, p: s.save_draft(w, t, x.file(), "b.xlsx", 1, author=x.email(w))),
    ("draft", "éditer", lambda s, w, x, t, p: s.draft(w, t, author=x.email(w))),
    ("discard_draft", "éditer", lambda s, w, x, t, p: s.discard_draft(w, t, author=x.email(w))),
    ("publish_draft", "éditer", lambda s, w, x, t, p: s.publish_draft(w, t, author=x.email(w)),
     lambda x, w: x.draft_of(w)),
    ("personal_rows", "données personnelles", lambda s, w, x, t, p: s.personal_rows(w, t, 1)),
    ("erase_person", "administrer le territoire", lambda s, w, x, t, p: s.erase_person(w, t, "Personne Inconnue")),
    ("apply_retention", "administrer l'instance", lambda s, w, x, t, p: s.apply_retention(w)),
    ("apply_retention_if_due", "administrer l'instance", lambda s, w, x, t, p: s.apply_retention_if_due(w)),
    ("export_territory", "administrer le territoire", lambda s, w, x, t, p: s.export_territory(w, t)),
    ("import_territory", "administrer l'instance", lambda s, w, x, t, p: s.import_territory(w, p),
     lambda x, w: x.fresh_archive()),
    ("add_user", "administrer le territoire",
     lambda s, w, x, t, p: s.add_user(w, f"nouveau{next(x.n)}@x.fr", PASSWORD, "lecteur", t)),
    ("add_user (sans territoire)", "administrer l'instance",
     lambda s, w, x, t, p: s.add_user(w, f"nouveau{next(x.n)}@x.fr", PASSWORD)),
    ("add_user (administrateur de l'instance)", "administrer l'instance",
     lambda s, w, x, t, p: s.add_user(w, w.email or "nouvel-admin@x.fr", None, "administrateur",
                                      without_password=True)),  # for an account: making itself administrator
    ("user_exists", "administrer l'instance", lambda s, w, x, t, p: s.user_exists(w, "editeur@x.fr")),
    ("role_of", "administrer le territoire", lambda s, w, x, t, p: s.role_of(w, "editeur@x.fr", t)),
    ("set_role", "administrer le territoire", lambda s, w, x, t, p: s.set_role(w, p, "lecteur", t),
     lambda x, w: x.new_account("éditeur")),
    ("set_role (administrateur de l'instance)", "administrer l'instance",
     lambda s, w, x, t, p: s.set_role(w, p, "administrateur"), lambda x, w: x.new_account()),
    ("remove_user", "administrer le territoire", lambda s, w, x, t, p: s.remove_user(w, p, t),
     lambda x, w: x.new_account("lecteur")),
    ("remove_user (compte entier)", "administrer l'instance", lambda s, w, x, t, p: s.remove_user(w, p),
     lambda x, w: x.new_account()),
    ("verify_password", "exploitant seulement", lambda s, w, x, t, p: s.verify_password(w, "editeur@x.fr", "faux")),
    ("sign_in", "tout le monde", lambda s, w, x, t, p: s.sign_in(w, f"quelqu'un{next(x.n)}@x.fr", "faux")),
    ("signed_in", "tout le monde", lambda s, w, x, t, p: s.signed_in(w)),
    ("sign_out", "tout le monde", lambda s, w, x, t, p: s.sign_out(p), lambda x, w: x.twin(w)),
    ("end_sessions", "administrer l'instance", lambda s, w, x, t, p: s.end_sessions(w, "personne@x.fr")),
    ("create_workshop_token", "éditer", lambda s, w, x, t, p: s.create_workshop_token(w, t, "lien", author="op@x.fr")),
    ("workshop_links", "éditer", lambda s, w, x, t, p: s.workshop_links(w, t)),
    ("revoke_workshop_link", "éditer", lambda s, w, x, t, p: s.revoke_workshop_link(w, p, t),
     lambda x, w: x.new_link()),
    ("revoke_workshop_link (sans territoire)", "administrer l'instance",
     lambda s, w, x, t, p: s.revoke_workshop_link(w, p), lambda x, w: x.new_link()),
    ("workshop_territory", "tout le monde", lambda s, w, x, t, p: s.workshop_territory(w)),
    ("questionnaire_form", "questionnaire public", lambda s, w, x, t, p: s.questionnaire_form(w, t)),
    ("submit", "questionnaire public", lambda s, w, x, t, p: s.submit(w, t, answer(name=f"Réponse {next(x.n)}"))),
    ("submit_paper", "éditer", lambda s, w, x, t, p: s.submit_paper(w, t, [answer()], author="op@x.fr")),
    ("questionnaire_open", "éditer", lambda s, w, x, t, p: s.questionnaire_open(w, t)),
    ("set_questionnaire_open", "éditer", lambda s, w, x, t, p: s.set_questionnaire_open(w, t, True)),
    ("submissions", "éditer", lambda s, w, x, t, p: s.submissions(w, t)),
    ("submissions(with_contacts=True)", "données personnelles",
     lambda s, w, x, t, p: s.submissions(w, t, with_contacts=True)),
    ("submission", "éditer", lambda s, w, x, t, p: s.submission(w, t, p), lambda x, w: x.new_answer()),
    ("submission(with_contacts=True)", "données personnelles",
     lambda s, w, x, t, p: s.submission(w, t, p, with_contacts=True), lambda x, w: x.new_answer()),
    ("count_submissions", "éditer", lambda s, w, x, t, p: s.count_submissions(w, t)),
    ("review_submission", "éditer",
     lambda s, w, x, t, p: s.review_submission(w, t, p, reason="hors sujet", author="op@x.fr"),
     lambda x, w: x.new_answer()),
    ("questionnaire_draft", "éditer", lambda s, w, x, t, p: s.questionnaire_draft(w, t, data=False)),
    ("publish_questionnaire", "éditer", lambda s, w, x, t, p: s.publish_questionnaire(w, t, author="op@x.fr"),
     lambda x, w: x.accepted()),
    ("objectives", "lire le publié", lambda s, w, x, t, p: s.objectives(w, t)),
    ("add_objective", "éditer", lambda s, w, x, t, p: s.add_objective(w, t, OBJECTIVE, 1, author="op@x.fr")),
    ("delete_objective", "éditer", lambda s, w, x, t, p: s.delete_objective(w, t, p), lambda x, w: x.objective()),
    ("pairings", "lire le publié", lambda s, w, x, t, p: s.pairings(w, t)),
    ("set_pairing", "éditer",
     lambda s, w, x, t, p: s.set_pairing(w, t, "nom:a|", "nom:b|", PAIR_LINK, author="op@x.fr")),
    ("remove_pairing", "éditer", lambda s, w, x, t, p: s.remove_pairing(w, t, "nom:a|", "nom:b|")),
    ("campaign_audience", "données personnelles", lambda s, w, x, t, p: s.campaign_audience(w, t)),
    ("create_campaign", "éditer", lambda s, w, x, t, p: s.create_campaign(w, t, None, author="op@x.fr")),
    ("campaigns", "éditer", lambda s, w, x, t, p: s.campaigns(w, t)),
    ("campaign", "éditer", lambda s, w, x, t, p: s.campaign(w, t, x.campaign_id)),
    ("campaign_recipients", "éditer", lambda s, w, x, t, p: s.campaign_recipients(w, t, x.campaign_id)),
    ("campaign_recipients(with_contacts=True)", "données personnelles",
     lambda s, w, x, t, p: s.campaign_recipients(w, t, x.campaign_id, with_contacts=True)),
    ("update_campaign", "éditer", lambda s, w, x, t, p: s.update_campaign(w, t, x.campaign_id, title="Automne")),
    ("campaign_links", "éditer", lambda s, w, x, t, p: s.campaign_links(w, t, x.campaign_id)),
    ("start_sending", "éditer", lambda s, w, x, t, p: s.start_sending(w, t, p, f"cas:{next(x.n)}:y"),
     lambda x, w: x.s.create_campaign(OP, T, None, author="op@x.fr").id),
    ("claim_recipient", "éditer", lambda s, w, x, t, p: s.claim_recipient(w, t, p[0], p[1]),
     lambda x, w: x.sending(w)),
    ("mark_recipient", "éditer", lambda s, w, x, t, p: s.mark_recipient(w, t, p[0], p[2], p[1], "pending"),
     lambda x, w: x.sending(w, claim=True)),
    ("stop_sending", "éditer", lambda s, w, x, t, p: s.stop_sending(w, t, p[0], p[1]), lambda x, w: x.sending(w)),
    ("remind", "éditer", lambda s, w, x, t, p: s.remind(w, t)),
    ("resend_uncertain", "éditer", lambda s, w, x, t, p: s.resend_uncertain(w, t, x.campaign_id)),
    ("find_campaign", "administrer l'instance", lambda s, w, x, t, p: s.find_campaign(w, x.campaign_id)),
    ("personal_form", "lien personnel valide", lambda s, w, x, t, p: s.personal_form(w, t)),
    ("submit_update", "lien personnel valide",
     lambda s, w, x, t, p: s.submit_update(w, t, answer(name="Atelier Vélo"))),
    ("refuse_emails", "refus par lien", lambda s, w, x, t, p: s.refuse_emails(w, t)),
    # Votes: the code holder's cases first, while the vote its code names is open (the instance's administrators
    # and the operator name a code and a browser token themselves).
    ("vote_territory", "tout le monde", lambda s, w, x, t, p: s.vote_territory(w, x.vote_code)),
    ("vote_ballot", "voter", lambda s, w, x, t, p: s.vote_ballot(w, t, code=x.vote_code, voter="navigateur-9")),
    ("cast_vote", "voter",
     lambda s, w, x, t, p: s.cast_vote(w, t, ["m00", "m13"], code=x.vote_code, voter=f"navigateur-{next(x.n)}")),
    ("votes", "lire le publié", lambda s, w, x, t, p: s.votes(w, t)),
    ("latest_vote", "lire le publié", lambda s, w, x, t, p: s.latest_vote(w, t)),
    ("vote_revision", "lire le publié", lambda s, w, x, t, p: s.vote_revision(w, t)),
    ("close_vote", "éditer", lambda s, w, x, t, p: s.close_vote(w, t), lambda x, w: x.open_vote()),
    ("open_vote", "éditer", lambda s, w, x, t, p: s.open_vote(w, t, author="op@x.fr"), lambda x, w: x.no_open_vote()),
]
TERRITORY_FREE = {"ensure_schema", "readable_territories", "territories", "apply_retention", "apply_retention_if_due",
                  "import_territory", "find_campaign", "add_user (sans territoire)",
                  "add_user (administrateur de l'instance)", "user_exists", "set_role (administrateur de l'instance)",
                  "remove_user (compte entier)", "verify_password", "sign_in", "signed_in", "sign_out",
                  "end_sessions", "revoke_workshop_link (sans territoire)", "workshop_territory", "vote_territory"}


def test_every_public_operation_is_in_the_table():
    public = {name for name, _ in inspect.getmembers(Store, inspect.isfunction) if not name.startswith("_")}
    cased = {case[0].split(" ")[0].split("(")[0] for case in CASES}
    assert public - {"close"} == cased, "a public Store method without a case in CASES (or a case without one)"
    assert {case[1] for case in CASES} <= set(ALLOWED)


def snapshot(s: Store) -> str:
    """Every row of every table: what a refused call must leave as it was."""
    digest = hashlib.sha256()
    with s.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            rows = sorted(repr(tuple(r)) for r in conn.execute(sa.select(table)))
            digest.update(f"{table.name}:{len(rows)}:{''.join(rows)}".encode())
    return digest.hexdigest()


@pytest.fixture
def world(db_url):
    s = Store(db_url, seed_sample=False)
    yield s, World(s)
    s.close()


class Unchanged:
    """snapshot(s), taken again only when the engine has sent a statement that may write since the last one
    (anything but reads and transaction control): the snapshot reads every row of every table, and 90 operations ×
    18 principals took it 3,000 times (112 s of the suite on PostgreSQL)."""
    READS = ("SELECT", "PRAGMA", "SHOW", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

    def __init__(self, s: Store) -> None:
        self.s, self.sent, self.taken = s, 0, None
        sa.event.listen(s.engine, "before_cursor_execute", self._sent)

    def _sent(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(self.READS):
            self.sent += 1

    def snapshot(self) -> str:
        if self.taken is None or self.taken[0] != self.sent:
            self.taken = (self.sent, snapshot(self.s))
        return self.taken[1]


def test_every_operation_for_every_principal(world):
    s, x = world
    wrong = []
    state = Unchanged(s)
    for (case, rule, call, *prepare), name in itertools.product(CASES, PRINCIPALS):
        who = x.who[name]
        prepared = prepare[0](x, who) if prepare else None
        if name in ALLOWED[rule]:
            try:
                call(s, who, x, T, prepared)
            except Exception as exc:  # noqa: BLE001 - every allowed call must succeed
                wrong.append(f"{case} × {name}: refused or failed ({type(exc).__name__}: {exc})")
            continue
        before = state.snapshot()
        returned = "nothing"
        try:
            returned = call(s, who, x, T, prepared)
        except Forbidden as exc:
            message = str(exc)
        except Exception as exc:  # noqa: BLE001
            wrong.append(f"{case} × {name}: {type(exc).__name__} instead of Forbidden ({exc})")
            continue
        else:
            wrong.append(f"{case} × {name}: allowed, returned {str(returned)[:80]}")
            continue
        if state.snapshot() != before:
            wrong.append(f"{case} × {name}: refused but the database changed")
        if not message.startswith(("Accès refusé", "Ce questionnaire n'existe pas", "Aucun vote ouvert avec ce code")):
            wrong.append(f"{case} × {name}: refusal not said in French: {message}")
        if case not in TERRITORY_FREE:  # an unknown territory is refused in the same words
            try:
                call(s, who, x, UNKNOWN, prepared)
                wrong.append(f"{case} × {name}: allowed on an unknown territory")
            except Forbidden as exc:
                if str(exc) != message:
                    wrong.append(f"{case} × {name}: « {exc} » on an unknown territory, « {message} » on T")
    assert wrong == [], "\n".join(wrong)


def test_a_territory_open_to_anonymous_reading(world):
    """Anyone reads an open territory's published census, but no workshop link of another territory, nor a revoked
    one (the session it opened stays locked); nobody gets more than reading from it."""
    s, x = world
    s.set_territory(OP, T, anonymous_read=True)
    # a vote's code: its vote only; a personal link: as anyone
    readers = set(PRINCIPALS) - {"lien d'un autre territoire", "lien révoqué", "lien expiré"} - VOTE_CODES
    for (_case, _, call), name in itertools.product([c for c in CASES if c[1] == "lire le publié"], PRINCIPALS):
        if name in readers:
            call(s, x.who[name], x, T, None)
        else:
            with pytest.raises(Forbidden):
                call(s, x.who[name], x, T, None)
    for name in ("anonyme", "compte sans rôle", "administrateur d'un autre territoire", "session terminée"):
        who = x.who[name]
        acc = s.access(who, T)
        assert acc.may_read and not acc.editor and not acc.personal(False), name
        with pytest.raises(Forbidden):
            s.original(who, T, 1)


def test_what_a_reader_receives_holds_no_personal_data(world):
    """Version authors and objectives' authors are e-mail addresses: blank for whom may not see personal data."""
    s, x = world
    s.add_objective(OP, T, OBJECTIVE, 1, author="marie@x.fr")
    for name in ("lecteur", "lien d'atelier"):
        who = x.who[name]
        assert [v.author for v in s.versions(who, T)] == [""]
        assert [o.created_by for o in s.objectives(who, T)] == [""]
        ds = s.open_version(who, T)
        assert "referent" not in ds.census.actors and "contact" not in ds.census.actors
    editor = x.who["éditeur"]
    assert [v.author for v in s.versions(editor, T)] == ["marie@x.fr"]
    assert [o.created_by for o in s.objectives(editor, T)] == ["marie@x.fr"]
    referents = set(s.open_version(editor, T, personal=True).census.actors["referent"])
    assert {"Hugo Guérin", "Ana Lopez"} <= referents


def test_access_says_what_the_store_decides(world):
    """What the app is told it may show (moved from tests/test_workspace.py, where the rules were the app's)."""
    s, x = world
    acc = {name: s.access(x.who[name], T) for name in PRINCIPALS}
    assert acc["anonyme"] == acc["compte sans rôle"]
    for name in ("anonyme", "compte sans rôle", "administrateur d'un autre territoire"):
        assert not acc[name].may_read and acc[name].role is None and not acc[name].editor, name
        assert acc[name].exists is None and acc[name].name == "", name  # a closed territory: said to nobody else
    reader = acc["lecteur"]
    assert reader.may_read and reader.role == "lecteur" and not reader.editor and not reader.personal(False)
    editor = acc["éditeur"]
    assert editor.editor and not editor.admin and editor.personal(False) and not editor.personal(True)
    admin = acc["administrateur"]
    assert admin.admin and admin.editor and not admin.instance_admin
    instance = acc["administrateur de l'instance"]
    assert instance.admin and instance.instance_admin and instance.role == "administrateur"
    locked = acc["lien d'atelier"]  # a locked link is never more than a viewer
    assert locked.may_read and locked.locked and not locked.editor and not locked.admin and not locked.personal(False)
    assert not acc["lien révoqué"].may_read and not acc["lien d'un autre territoire"].may_read
    assert not acc["lien expiré"].may_read
    assert (acc["lien révoqué"].link_problem, acc["lien expiré"].link_problem) == (
        "Ce lien d'atelier a été révoqué.", "Ce lien d'atelier a expiré.")
    assert acc["session d'éditeur"] == acc["éditeur"]  # a session has its account's rights while it is valid
    assert acc["session terminée"] == acc["anonyme"]  # an ended administrator's session: none of them
    assert s.access(x.who["administrateur de l'instance"], UNKNOWN).exists is False  # said to an instance's admin
    assert s.access(x.who["anonyme"], UNKNOWN) == acc["anonyme"]  # closed and unknown: the same answer
    with s.engine.begin() as conn:  # an unknown role is no role
        uid = conn.execute(sa.select(schema.users.c.id).where(schema.users.c.email_key == "lecteur@x.fr")).scalar()
        conn.execute(schema.roles.update().where(schema.roles.c.user_id == uid).values(role="chef"))
    assert s.access(x.who["lecteur"], T) == acc["compte sans rôle"]


def test_a_vote_code_gives_its_vote_and_nothing_else(world):
    """The code is the only credential of a phone (issue 28): it reads its vote's question and casts the one ballot
    of its browser; nothing of the census, even of a territory open to anonymous reading; an unknown code and a
    code of another territory are refused in the issue's words; a closed vote's code reads its result."""
    s, x = world
    s.set_territory(OP, T, anonymous_read=True)
    phone = x.who["code de vote"]
    assert s.vote_territory(phone) == T and s.readable_territories(phone) == []
    assert not s.access(phone, T).may_read
    for call in (lambda: s.open_version(phone, T), lambda: s.versions(phone, T), lambda: s.votes(phone, T),
                 lambda: s.latest_vote(phone, T), lambda: s.questionnaire_form(phone, T)):
        with pytest.raises(Forbidden):
            call()
    assert s.vote_ballot(phone, T).vote.question.startswith("Quelles cases")
    for who in (Principal.vote("ZZZZZZ", "b"), Principal.vote("<script>", "b"), x.who["code d'un autre territoire"]):
        with pytest.raises(Forbidden, match="^Aucun vote ouvert avec ce code.$"):
            s.cast_vote(who, T, ["m00"])
    assert s.vote_territory(Principal.vote("ZZZZZZ")) is None
    assert s.vote_territory(x.who["anonyme"], x.vote_code) is None  # only its holder (or the operator) asks by code
    s.cast_vote(phone, T, ["m00"])
    s.close_vote(OP, T)
    ballot = s.vote_ballot(phone, T)
    assert not ballot.vote.open and ballot.vote.participants == 1 and ballot.vote.counts["m00"] == 1
    with pytest.raises(Exception, match="^Ce vote est clos.$"):
        s.cast_vote(phone, T, ["m00"])
