"""Update campaigns (issue 26): choosing who, the personal link (its holder reads and answers for its actor alone,
until the campaign's end), the answer as an update of that actor in the review queue and the shared draft, the
refusal of e-mails, reminders, the following and privacy; on SQLite and PostgreSQL for the store."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from nrdash import campaign as cm
from nrdash import questionnaire as quest
from nrdash.store import Forbidden, Principal, Store, StoreError, schema
from nrdash.store.common import sha256
from tests.conftest import actors_sheet
from tests.principals import OP

EPCI = "241700434"
HEADER = ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Commune", "Type d'action NR",
          "Dimension NR", "Description des actions NR identifiées", "Référent", "Contact", "Date de mise à jour",
          "Cercle"]
OLD, RECENT = "15/01/2024", "15/01/2026"
ROWS = [
    ["Atelier Vélo", "Associations du NR", 1, "Aytré", "Sensibilisation des collaborateurs", "Mesure",
     "Ateliers de réparation", "Hugo Guérin", "Hugo, 06 12 34 56 78, hugo@example.org", OLD, 3],
    ["Mairie de Lagord", "Commune", 2, "Lagord", None, None, None, "Ana Lopez", "ana@example.org", RECENT, 2],
    ["Recyclerie du Port", "Associations du NR", 2, "Aytré", None, None, None, "Ana Lopez", "ANA@example.org", OLD,
     None],  # the same address as the Mairie: two actors, two recipients, two messages
    ["Café numérique", "Autres associations", 0, "Lagord", None, None, None, "Léo", "05 46 00 00 00", OLD, None],
]


def sheet(rows=ROWS) -> bytes:
    return actors_sheet(rows, HEADER)


@pytest.fixture
def store(db_url):
    s = Store(db_url, seed_sample=False)
    s.publish(OP, EPCI, sheet(), "v1.xlsx")
    s.set_territory(OP, EPCI, anonymous_read=False)  # a link works whether the territory is open or not
    yield s
    s.close()


def actor_ids(s: Store) -> dict[str, str]:
    a = s.open_version(OP, EPCI).census.actors
    return dict(zip(a["name"], a["actor_id"]))


def token_of(s: Store, name: str, cid: int) -> str:
    """A link issued for that recipient (as a mail-merge file issues them)."""
    return {n: t for n, _, t, _ in s.campaign_links(OP, EPCI, cid)}[name]


# ---------------------------------------------------------------------------------------------
# Pure
# ---------------------------------------------------------------------------------------------
def test_the_address_written_in_contact():
    assert cm.email_in("Hugo, 06 12 34 56 78, hugo@example.org.") == "hugo@example.org"
    assert cm.email_in("05 46 00 00 00") is None and cm.email_in(None) is None and cm.email_in(12) is None
    assert cm.email_in("<b>lea@asso.fr</b>") == "lea@asso.fr" and cm.email_in("lea@localhost") is None
    assert cm.email_in("écrire à lea+nr@asso.fr ou paul@x.fr") == "lea+nr@asso.fr"


def test_the_message_is_checked_and_filled():
    assert cm.check_message(cm.DEFAULT_SUBJECT, cm.DEFAULT_BODY) == []
    problems = cm.check_message("Objet\nsur deux lignes {prénom}", "Bonjour {nom}")
    assert any("{prénom}" in p for p in problems) and any("{lien}" in p for p in problems)
    assert any("une ligne" in p for p in problems)
    assert cm.fill("{nom} : {lien} {inconnu}", {"{nom}": "A", "{lien}": "L"}) == "A : L {inconnu}"
    assert cm.french_date(dt.date(2026, 3, 1)) == "1er mars 2026"
    with pytest.raises(ValueError, match="passée"):
        cm.parse_end("2020-01-01", dt.date(2026, 1, 1))
    with pytest.raises(ValueError, match="illisible.*AAAA-MM-JJ"):
        cm.parse_end("31/12/2026", dt.date(2026, 1, 1))


def test_choosing_by_level_and_freshness():
    a = pd.DataFrame({"level": [1, 2, 2, 0, None], "updated": [dt.date(2024, 1, 1), dt.date(2026, 1, 1),
                                                              dt.date(2024, 1, 1), None, dt.date(2024, 1, 1)]})
    today = dt.date(2026, 6, 1)
    assert cm.select(a, levels=[2]).index.tolist() == [1, 2]
    assert cm.select(a, stale_months=12, today=today).index.tolist() == [0, 2, 3, 4]  # undated: to update too
    assert cm.select(a, levels=[2], stale_months=12, today=today).index.tolist() == [2]
    assert cm.selection_words([2, 1], 12) == "niveaux 1, 2 ; à actualiser (sans mise à jour depuis plus de 12 mois)"


def test_the_mail_merge_file_neutralises_formulas():
    data = cm.mail_merge_csv([("=HYPERLINK(\"x\")", "a@b.fr", "https://x/q?acteur=t", dt.date(2026, 3, 1))])
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Nom de l'acteur;Adresse électronique;Lien personnel;Date de fin"
    import csv

    row = next(csv.reader(text.splitlines()[1:], delimiter=";"))
    assert row == ["'=HYPERLINK(\"x\")", "a@b.fr", "https://x/q?acteur=t", "01/03/2026"]


# ---------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------
def test_a_campaign_counts_whom_it_reaches(store):
    s = store
    audience = s.campaign_audience(OP, EPCI)
    assert (audience.total, audience.with_email, audience.refused) == (4, 3, 0)
    assert [n for _, n in audience.without_email] == ["Café numérique"]
    assert "3 ont une adresse électronique" in audience.sentence()
    c = s.create_campaign(OP, EPCI, None, author="ed@x.fr")
    assert c.recipients == 4 and c.counts == {"à envoyer": 3, "sans adresse": 1} and c.to_send == 3
    assert c.ends_on == dt.date.today() + dt.timedelta(days=60) or c.ends_on > dt.date.today()
    recipients = s.campaign_recipients(OP, EPCI, c.id)
    assert all(r.email is None for r in recipients)  # no address unless asked for
    with_contacts = {r.name: r.email for r in s.campaign_recipients(OP, EPCI, c.id, with_contacts=True)}
    assert with_contacts["Mairie de Lagord"] == "ana@example.org" and with_contacts["Recyclerie du Port"] == \
        "ANA@example.org"
    assert with_contacts["Atelier Vélo"] == "hugo@example.org" and with_contacts["Café numérique"] is None
    ids = actor_ids(s)
    stale = s.create_campaign(OP, EPCI, [ids["Atelier Vélo"], ids["Café numérique"]], author="ed@x.fr")
    assert {r.name for r in s.campaign_recipients(OP, EPCI, stale.id)} == {"Atelier Vélo", "Café numérique"}
    with pytest.raises(StoreError, match="aucun acteur"):
        s.create_campaign(OP, EPCI, ["nr-inconnu0000"], author="ed@x.fr")
    with pytest.raises(StoreError, match="passée"):
        s.create_campaign(OP, EPCI, None, ends_on=dt.date(2020, 1, 1))
    assert len(s.campaigns(OP, EPCI)) == 2  # nothing made by the refusals


def test_creating_a_campaign_writes_nothing_for_whom_may_not(store):
    s = store
    s.add_user(OP, "admin@x.fr", "motdepasse-long")  # the first account is the instance's administrator
    s.add_user(OP, "lecteur@x.fr", "motdepasse-long", "lecteur", EPCI)
    with pytest.raises(Forbidden):
        s.create_campaign(Principal.account("lecteur@x.fr"), EPCI, None)
    with pytest.raises(Forbidden):
        s.campaign_audience(Principal.account("lecteur@x.fr"), EPCI)
    assert s.campaigns(OP, EPCI) == []


def test_the_personal_link_shows_its_actor_alone_and_takes_its_update(store):
    s = store
    c = s.create_campaign(OP, EPCI, None, author="ed@x.fr")
    who = Principal.actor_link(token_of(s, "Atelier Vélo", c.id))
    form = s.personal_form(who, EPCI)
    assert form.record["name"] == "Atelier Vélo" and form.record["level"] == 1
    assert form.record["action_types"] == ["Sensibilisation des collaborateurs"]
    assert form.record["dimensions"] == ["Mesure"] and form.record["description"] == "Ateliers de réparation"
    assert "referent" not in form.record and "contact" not in form.record and not form.pending
    assert form.territory and form.ends_on == c.ends_on
    # the link's holder reads nothing else of the territory (it is closed to anonymous reading)
    for op in (lambda: s.open_version(who, EPCI), lambda: s.versions(who, EPCI),
               lambda: s.campaigns(who, EPCI), lambda: s.submissions(who, EPCI)):
        with pytest.raises(Forbidden):
            op()
    assert s.readable_territories(who) == []  # what anyone reads: nothing here
    raw = {"name": "Atelier Vélo", "actor_type": "Associations du NR", "commune": "17028", "level": 2,
           "action_types": ["Sensibilisation des collaborateurs"], "dimensions": ["Mesure", "Achats"],
           "actions_text": "Ateliers de réparation"}
    answer, problems = quest.validate(raw, {"17028": "Aytré"}, personal_link=True)
    assert problems == []  # no referent nor contact asked again, nor consent without them
    sid = s.submit_update(who, EPCI, answer)
    again = s.submit_update(who, EPCI, quest.Answer(**{**answer.__dict__, "level": 3}))
    assert again == sid and s.personal_form(who, EPCI).pending  # a second answer replaces the pending one
    sub = s.submission(OP, EPCI, sid)
    assert sub.origin == "lien personnel" and sub.actor_id == actor_ids(s)["Atelier Vélo"]
    assert sub.answer.level == 3 and sub.match_how == "lien personnel" and len(s.submissions(OP, EPCI)) == 1
    diffs = {f: (new, old) for f, _, new, old in quest.differences(
        sub.answer, s.open_version(OP, EPCI).census.actors.set_index("actor_id").loc[sub.actor_id].to_dict())}
    assert diffs == {"level": ("3 — Leader du NR", "1 — Sensibilisé au NR"), "dimensions": ("Mesure ; Achats",
                                                                                             "Mesure")}
    assert {r.name: r.status for r in s.campaign_recipients(OP, EPCI, c.id)}["Atelier Vélo"] == "répondu"
    # The editor accepts: that actor is updated in the shared draft, its « Date de mise à jour » too.
    s.review_submission(OP, EPCI, sid, author="ed@x.fr", decision=quest.Decision(
        quest.MERGED, sub.match_ref, ("level", "dimensions"), actor_id=sub.actor_id))
    assert {r.name: r.status for r in s.campaign_recipients(OP, EPCI, c.id)}["Atelier Vélo"] == "accepté"
    s.publish_questionnaire(OP, EPCI, author="ed@x.fr")
    v2 = s.open_version(OP, EPCI).census.actors.set_index("name")
    v1 = s.open_version(OP, EPCI, 1).census.actors.set_index("name")
    assert v2.loc["Atelier Vélo", "level"] == 3 and v2.loc["Atelier Vélo", "dimensions"] == ["Mesure", "Achats"]
    assert v2.loc["Atelier Vélo", "updated"] == dt.date.today()
    assert v2.loc["Atelier Vélo", "actor_id"] == v1.loc["Atelier Vélo", "actor_id"]
    for other in ("Mairie de Lagord", "Recyclerie du Port", "Café numérique"):  # that actor only
        assert v2.loc[other, "level"] == v1.loc[other, "level"] and v2.loc[other, "updated"] == v1.loc[other, "updated"]
    assert s.open_version(OP, EPCI, personal=True).census.actors.set_index("name").loc[
        "Atelier Vélo", "contact"] == "Hugo, 06 12 34 56 78, hugo@example.org"  # no new contact given: kept


def test_a_confirmation_without_change_updates_the_date(store):
    s = store
    c = s.create_campaign(OP, EPCI, None)
    who = Principal.actor_link(token_of(s, "Recyclerie du Port", c.id))
    record = s.personal_form(who, EPCI).record
    answer = quest.Answer(record["name"], record["type"], commune=record["commune"], insee=record["insee"],
                          level=record["level"])
    sid = s.submit_update(who, EPCI, answer)
    sub = s.submission(OP, EPCI, sid)
    s.review_submission(OP, EPCI, sid, author="ed@x.fr",
                        decision=quest.Decision(quest.MERGED, sub.match_ref, (), actor_id=sub.actor_id))
    s.publish_questionnaire(OP, EPCI, author="ed@x.fr")
    a = s.open_version(OP, EPCI).census.actors.set_index("name")
    assert a.loc["Recyclerie du Port", "updated"] == dt.date.today()
    assert cm.stale_mask(a.reset_index(), dt.date.today(), 12).sum() == 2  # was 3: the count « à actualiser » falls


def test_expired_unknown_and_gone(store):
    s = store
    c = s.create_campaign(OP, EPCI, None)
    token = token_of(s, "Café numérique", c.id)
    assert s.personal_form(Principal.actor_link(token), EPCI).record["name"] == "Café numérique"
    for bad in (Principal.actor_link("inconnu" * 4), Principal.actor_link("")):
        with pytest.raises(Forbidden, match="plus\\) valide"):
            s.personal_form(bad, EPCI)
    with s.engine.begin() as conn:  # the campaign ended yesterday
        conn.execute(schema.campaigns.update().values(ends_on=dt.date.today() - dt.timedelta(days=1)))
    with pytest.raises(Forbidden, match="plus\\) valide"):
        s.personal_form(Principal.actor_link(token), EPCI)
    with pytest.raises(Forbidden):
        s.submit_update(Principal.actor_link(token), EPCI, quest.Answer("Café", "PME", level=1))
    assert s.refuse_emails(Principal.actor_link(token), EPCI)  # refusing still works after the end
    # An actor gone from the latest version: its answer arrives as a new actor, said so.
    c2 = s.create_campaign(OP, EPCI, None)
    token = token_of(s, "Mairie de Lagord", c2.id)
    s.publish(OP, EPCI, sheet([r for r in ROWS if r[0] != "Mairie de Lagord"]), "v2.xlsx")
    who = Principal.actor_link(token)
    assert s.personal_form(who, EPCI).record is None and s.personal_form(who, EPCI).name == "Mairie de Lagord"
    sid = s.submit_update(who, EPCI, quest.Answer("Mairie de Lagord", "Commune", level=3))
    sub = s.submission(OP, EPCI, sid)
    assert sub.match_ref is None and "nouvel acteur" in sub.history[-1][3]
    s.review_submission(OP, EPCI, sid, decision=quest.Decision(quest.ACCEPTED), author="ed@x.fr")
    s.publish_questionnaire(OP, EPCI, author="ed@x.fr")
    back = actor_ids(s)
    assert back["Mairie de Lagord"] == s.open_version(OP, EPCI, 1).census.actors.set_index("name").loc[
        "Mairie de Lagord", "actor_id"]  # back with the identifier it had


def test_refusing_emails_is_a_keyed_hash_honoured_later(store):
    s = store
    c = s.create_campaign(OP, EPCI, None)
    s.refuse_emails(Principal.actor_link(token_of(s, "Mairie de Lagord", c.id)), EPCI)
    statuses = {r.name: r.status for r in s.campaign_recipients(OP, EPCI, c.id)}
    assert statuses["Mairie de Lagord"] == statuses["Recyclerie du Port"] == "refus d'e-mails"  # same address
    with s.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.email_refusals)).all()
        blob = repr(rows).lower()
    assert len(rows) == 1 and "ana" not in blob and "example" not in blob  # nothing but the keyed hash
    assert rows[0].address_hash != sha256(b"ana@example.org")  # keyed: not the address's plain hash
    later = s.create_campaign(OP, EPCI, None)
    assert later.counts == {"à envoyer": 1, "sans adresse": 1, "refus d'e-mails": 2}
    assert s.campaign_audience(OP, EPCI).refused == 2


def test_erasing_a_person_removes_their_campaign_rows_and_links(store):
    s = store
    c = s.create_campaign(OP, EPCI, None)
    token = token_of(s, "Atelier Vélo", c.id)
    assert s.erase_person(OP, EPCI, "hugo@example.org") >= 2  # a version and a recipient
    assert "Atelier Vélo" not in {r.name for r in s.campaign_recipients(OP, EPCI, c.id)}
    with pytest.raises(Forbidden):
        s.personal_form(Principal.actor_link(token), EPCI)
    with s.engine.connect() as conn:
        blob = repr(conn.execute(sa.select(schema.campaign_recipients)).all())
    assert "hugo" not in blob.lower()


def test_reminders_go_to_whom_has_not_answered_at_most_the_set_number_of_times(store):
    s = store
    c = s.create_campaign(OP, EPCI, None, remind_after_days=7, max_reminders=1)
    sender = "test:1:a"
    s.start_sending(OP, EPCI, c.id, sender)
    sent_at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    while (claim := s.claim_recipient(OP, EPCI, c.id, sender)) is not None:
        s.mark_recipient(OP, EPCI, c.id, claim.recipient_id, sender, cm.SENT, now=sent_at)
        assert not claim.reminder
    s.stop_sending(OP, EPCI, c.id, sender)
    s.submit_update(Principal.actor_link(token_of(s, "Atelier Vélo", c.id)), EPCI,
                    quest.Answer("Atelier Vélo", "Associations du NR", level=1))
    assert s.remind(OP, EPCI, now=sent_at + dt.timedelta(days=6)) == {}  # too early
    day8 = sent_at + dt.timedelta(days=8)
    with s.engine.begin() as conn:  # the campaign still runs on day 8
        conn.execute(schema.campaigns.update().values(ends_on=dt.date.today() + dt.timedelta(days=30)))
    assert s.remind(OP, EPCI, now=max(day8, dt.datetime.now(dt.timezone.utc))) == {c.id: 2}  # not who answered
    s.start_sending(OP, EPCI, c.id, sender)
    claims = []
    while (claim := s.claim_recipient(OP, EPCI, c.id, sender)) is not None:
        claims.append(claim)
        s.mark_recipient(OP, EPCI, c.id, claim.recipient_id, sender, cm.SENT, now=day8)
    assert {x.name for x in claims} == {"Mairie de Lagord", "Recyclerie du Port"} and all(x.reminder for x in claims)
    assert s.remind(OP, EPCI, now=day8 + dt.timedelta(days=30)) == {}  # at most once
    assert {r.messages for r in s.campaign_recipients(OP, EPCI, c.id) if r.name != "Café numérique"} == {1, 2}


def test_one_sender_at_a_time_and_what_a_stopped_one_left(store):
    s = store
    c = s.create_campaign(OP, EPCI, None)
    s.start_sending(OP, EPCI, c.id, "autre-machine:1:x")
    first = s.claim_recipient(OP, EPCI, c.id, "autre-machine:1:x")
    s.mark_recipient(OP, EPCI, c.id, first.recipient_id, "autre-machine:1:x", cm.DELIVERING)
    second = s.claim_recipient(OP, EPCI, c.id, "autre-machine:1:x")
    with pytest.raises(StoreError, match="déjà en cours d'envoi"):
        s.start_sending(OP, EPCI, c.id, "moi:2:y")
    with s.engine.begin() as conn:  # not heard of for three minutes: it stopped
        conn.execute(schema.campaigns.update().values(
            sender_seen_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=3)))
    assert s.start_sending(OP, EPCI, c.id, "moi:2:y") == {"uncertain": 1}
    statuses = {r.id: r.state for r in s.campaign_recipients(OP, EPCI, c.id)}
    assert statuses[first.recipient_id] == cm.UNCERTAIN and statuses[second.recipient_id] == cm.PENDING
    with pytest.raises(StoreError, match="repris"):
        s.claim_recipient(OP, EPCI, c.id, "autre-machine:1:x")
    got = []
    while (claim := s.claim_recipient(OP, EPCI, c.id, "moi:2:y")) is not None:
        got.append(claim.recipient_id)
        s.mark_recipient(OP, EPCI, c.id, claim.recipient_id, "moi:2:y", cm.SENT)
    assert first.recipient_id not in got and second.recipient_id in got  # never sent again by itself
    assert s.resend_uncertain(OP, EPCI, c.id) == 1  # unless an editor asks


def test_the_territory_archive_carries_the_refusals(store, tmp_path):
    s = store
    c = s.create_campaign(OP, EPCI, None)
    s.refuse_emails(Principal.actor_link(token_of(s, "Atelier Vélo", c.id)), EPCI)
    other = Store(f"sqlite:///{tmp_path / 'autre.db'}", seed_sample=False)
    try:
        other.import_territory(OP, s.export_territory(OP, EPCI))
        assert other.campaigns(OP, EPCI) == []  # campaigns stay in their instance…
        moved = other.create_campaign(OP, EPCI, None)
        assert moved.counts == {"à envoyer": 2, "sans adresse": 1, "refus d'e-mails": 1}  # …refusals go along
    finally:
        other.close()
