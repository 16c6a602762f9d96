"""Sending a campaign by e-mail (issue 26) through real SMTP servers on loopback (tests/smtp.py: aiosmtpd with
STARTTLS and authentication, TLS from the first byte, one answering 550, one dropping the connection): one message
per actor, plain text and HTML with the census's text escaped, why and whom to write to, the refusal link; the
settings said in French; failures kept with the server's reply and tried again; throttled by an injected clock."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from nrdash import campaign as cm
from nrdash import mailing
from nrdash.store import Principal, Store
from tests.principals import OP
from tests.smtp import PASSWORD, USER, _quote, dropping_server, make_certificate, smtp_server
from tests.test_campaigns import EPCI, ROWS, sheet

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # smtps: TLS it cannot see
PUBLIC = "https://nrdash.agglo.test/nr"
LINK = re.compile(r"https://nrdash\.agglo\.test/nr/questionnaire\?territoire=241700434&acteur=([A-Za-z0-9_-]+)"
                  r"(?=[\s\"<]|$)")


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("smtp-cert"))


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'n.db'}", seed_sample=False)
    rows = [list(r) for r in ROWS]
    rows[0][0] = "Atelier <b>Vélo</b> & Cie"  # markup in a name: text in the HTML part, never markup
    s.publish(OP, EPCI, sheet(rows), "v1.xlsx")
    yield s
    s.close()


def settings(url: str | None, **over) -> mailing.MailSettings:
    env = {"NRDASH_SMTP_URL": url or "", "NRDASH_MAIL_FROM": "Agglomération <nr@agglo.test>",
           "NRDASH_MAIL_RATE": "6000", "NRDASH_PUBLIC_URL": PUBLIC, **over}
    return mailing.MailSettings.from_env(env)


def bodies(msg) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_smtp_settings_are_read_or_said_wrong_in_french():
    c = mailing.parse_smtp_url("smtp+starttls://nr%40agglo.fr:p%C3%A0ss%3Aw%40rd@smtp.agglo.fr")
    assert (c.security, c.host, c.port, c.user, c.password) == (mailing.STARTTLS, "smtp.agglo.fr", 587,
                                                                "nr@agglo.fr", "pàss:w@rd")
    assert "pàss" not in repr(c) and "pàss" not in c.describe()
    assert mailing.parse_smtp_url("smtps://smtp.x.fr").port == 465
    assert mailing.parse_smtp_url("smtp://smtp.x.fr:2525").security == mailing.OPPORTUNISTIC
    for wrong, words in (("http://x.fr", "smtp://"), ("smtp://x.fr:99999", "port"), ("smtp://", "serveur"),
                         ("smtp://u@x.fr", "sans mot de passe"), ("smtp://x.fr/chemin", "chemin")):
        with pytest.raises(mailing.MailError, match=words):
            mailing.parse_smtp_url(wrong)
    with pytest.raises(mailing.MailError, match="NRDASH_MAIL_RATE"):
        mailing.MailSettings.from_env({"NRDASH_MAIL_RATE": "beaucoup"})
    assert "NRDASH_SMTP_URL" in settings(None).sending_problem() and "publipostage" in settings(None).sending_problem()
    assert "NRDASH_PUBLIC_URL" in settings("smtp://x.fr", NRDASH_PUBLIC_URL="").sending_problem()
    assert "NRDASH_MAIL_FROM" in settings("smtp://x.fr", NRDASH_MAIL_FROM="").sending_problem()
    assert settings("smtp://x.fr").sending_problem() is None


def test_sending_is_refused_without_the_public_address(store):
    c = store.create_campaign(OP, EPCI, None)
    with pytest.raises(mailing.MailError, match="NRDASH_PUBLIC_URL"):
        mailing.send_campaign(store, OP, EPCI, c.id, settings("smtp://127.0.0.1:1", NRDASH_PUBLIC_URL=""))
    assert store.campaign(OP, EPCI, c.id).counts == {"à envoyer": 3, "sans adresse": 1}  # nothing touched


def test_one_message_per_actor_through_starttls_and_authentication(store, cert):
    s = store
    c = s.create_campaign(OP, EPCI, None, ends_on=dt.date.today() + dt.timedelta(days=30))
    with smtp_server("starttls", cert) as (url, got):
        report = mailing.send_campaign(s, OP, EPCI, c.id, settings(url), tls_context=cert.client_context())
    assert (report.sent, report.failed, report.total) == (3, 0, 3) and got.logins == [USER] * 1
    assert sorted(a for _, rcpt, _ in got.messages for a in rcpt) == ["ANA@example.org", "ana@example.org",
                                                                       "hugo@example.org"]
    ana = got.to("ana@example.org") + got.to("ANA@example.org")
    links = {LINK.search(bodies(m)[0]).group(1) for m in ana}
    assert len(ana) == 2 and len(links) == 2  # two actors, one address: two messages, each with its own link
    names = {s.personal_form(Principal.actor_link(t), EPCI).record["name"] for t in links}
    assert names == {"Mairie de Lagord", "Recyclerie du Port"}
    (msg,) = got.to("hugo@example.org")
    text, page = bodies(msg)
    assert msg["From"] == "Agglomération <nr@agglo.test>" and "Atelier <b>Vélo</b> & Cie" in msg["Subject"]
    assert "votre structure, Atelier <b>Vélo</b> & Cie, y figure" in text
    assert "Atelier &lt;b&gt;Vélo&lt;/b&gt; &amp; Cie" in page and "<b>Vélo" not in page  # escaped in HTML
    token = LINK.search(text).group(1)
    assert f'<a href="{PUBLIC}/questionnaire?territoire={EPCI}&amp;acteur={token}">' in page
    assert cm.french_date(c.ends_on) in text
    assert "Pourquoi ce message : votre structure" in text and "écrivez à nr@agglo.test" in text
    refusal = f"{PUBLIC}/questionnaire?territoire={EPCI}&acteur={token}&courriels=refus"
    assert refusal in text and msg["List-Unsubscribe"] == f"<{refusal}>"
    assert s.personal_form(Principal.actor_link(token), EPCI).record["name"] == "Atelier <b>Vélo</b> & Cie"
    recipients = {r.name: r for r in s.campaign_recipients(OP, EPCI, c.id)}
    assert recipients["Mairie de Lagord"].status == "envoyé" and recipients["Mairie de Lagord"].messages == 1
    assert recipients["Café numérique"].status == "sans adresse"
    with smtp_server("starttls", cert) as (url, again):  # nothing is sent twice
        assert mailing.send_campaign(s, OP, EPCI, c.id, settings(url), tls_context=cert.client_context()).sent == 0
    assert again.messages == []


def test_tls_from_the_first_byte_and_plain_smtp(store, cert):
    s = store
    ids = s.open_version(OP, EPCI).census.actors.set_index("name")["actor_id"]
    first = s.create_campaign(OP, EPCI, [ids["Mairie de Lagord"]])
    with smtp_server("tls", cert) as (url, got):
        assert url.startswith("smtps://")
        assert mailing.send_campaign(s, OP, EPCI, first.id, settings(url), tls_context=cert.client_context()).sent == 1
    assert len(got.messages) == 1 and got.logins == [USER]
    second = s.create_campaign(OP, EPCI, [ids["Recyclerie du Port"]])
    with smtp_server("plain") as (url, got):  # smtp:// goes on in clear when the server offers no STARTTLS
        assert mailing.send_campaign(s, OP, EPCI, second.id, settings(url)).sent == 1
    assert len(got.messages) == 1
    third = s.create_campaign(OP, EPCI, [ids["Recyclerie du Port"]])
    with smtp_server("plain") as (url, got):  # smtp+starttls:// never does
        report = mailing.send_campaign(s, OP, EPCI, third.id,
                                       settings(url.replace("smtp://", "smtp+starttls://")))
    assert report.sent == 0 and "ne propose pas STARTTLS" in report.stopped and got.messages == []
    assert s.campaign(OP, EPCI, third.id).counts == {"à envoyer": 1}  # kept for the next sending
    with smtp_server("plain") as (url, got):  # nor does a password go in clear
        report = mailing.send_campaign(s, OP, EPCI, third.id,
                                       settings(url.replace("smtp://", "smtp://nr%40agglo.test:secret@")))
    assert "pas le mot de passe en clair" in report.stopped and got.messages == []
    with smtp_server("starttls", cert) as (url, got):
        report = mailing.send_campaign(s, OP, EPCI, third.id, settings(url.replace(_quote(PASSWORD), "faux")),
                                       tls_context=cert.client_context())
    assert "refuse l'identifiant ou le mot de passe" in report.stopped and got.messages == []


def test_a_refusing_server_and_a_dropping_one_are_failures_kept_and_tried_again(store, cert):
    s = store
    c = s.create_campaign(OP, EPCI, None)
    with smtp_server("plain", rcpt_reply="550 5.1.1 Boîte inconnue") as (url, got):
        report = mailing.send_campaign(s, OP, EPCI, c.id, settings(url))
    assert (report.sent, report.failed) == (0, 3) and got.messages == []
    failed = s.campaign_recipients(OP, EPCI, c.id)
    assert {r.status for r in failed if r.has_email} == {"échec"}
    assert {r.last_error for r in failed if r.has_email} == {"550 5.1.1 Boîte inconnue"} and \
        {r.attempts for r in failed if r.has_email} == {1}
    with dropping_server() as url:
        report = mailing.send_campaign(s, OP, EPCI, c.id, settings(url))
    assert report.sent == 0 and report.failed == 3 and "coupe la connexion" in report.stopped
    assert {r.attempts for r in s.campaign_recipients(OP, EPCI, c.id) if r.has_email} == {2}
    assert all("Connexion interrompue" in r.last_error for r in s.campaign_recipients(OP, EPCI, c.id) if r.has_email)
    with smtp_server("plain") as (url, got):  # tried again: each delivered once
        report = mailing.send_campaign(s, OP, EPCI, c.id, settings(url))
    assert report.sent == 3 and len(got.messages) == 3
    assert {r.status for r in s.campaign_recipients(OP, EPCI, c.id) if r.has_email} == {"envoyé"}
    with smtp_server("plain", rcpt_reply="550 non") as (url, _):
        d = s.create_campaign(OP, EPCI, None)
        for _ in range(cm.MAX_ATTEMPTS + 1):
            mailing.send_campaign(s, OP, EPCI, d.id, settings(url))
    assert {r.attempts for r in s.campaign_recipients(OP, EPCI, d.id) if r.has_email} == {cm.MAX_ATTEMPTS}
    assert s.campaign(OP, EPCI, d.id).to_send == 0  # given up after MAX_ATTEMPTS, still « échec » with the reply


def test_throttled_to_the_set_rate(store):
    s = store
    c = s.create_campaign(OP, EPCI, None)
    now = [1000.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    with smtp_server("plain") as (url, got):
        report = mailing.send_campaign(s, OP, EPCI, c.id, settings(url, NRDASH_MAIL_RATE="30"),
                                       clock=lambda: now[0], sleep=sleep)
    assert report.sent == 3 and slept == [2.0, 2.0]  # 30 per minute: two seconds apart, nothing before the first


def test_a_refusal_in_the_middle_is_honoured(store, cert):
    s = store
    c = s.create_campaign(OP, EPCI, None)
    token = {n: t for n, _, t, _ in s.campaign_links(OP, EPCI, c.id)}["Recyclerie du Port"]
    s.refuse_emails(Principal.actor_link(token), EPCI)
    d = s.create_campaign(OP, EPCI, None)
    with smtp_server("plain") as (url, got):
        report = mailing.send_campaign(s, OP, EPCI, d.id, settings(url))
    assert report.sent == 1 and [rcpt for _, rcpt, _ in got.messages] == [["hugo@example.org"]]
