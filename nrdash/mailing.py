"""Sending a campaign's e-mails through the collectivité's own SMTP server (issue 26).

Settings (docs/exploitation.md « Réglages »):

- ``NRDASH_SMTP_URL``: ``smtp://[user:password@]host[:port]`` (port 25; STARTTLS when the server offers it),
  ``smtp+starttls://…`` (port 587; STARTTLS required: no message leaves in clear), ``smtps://…`` (port 465; TLS from
  the first byte). The user and password are percent-encoded (``%40`` for « @ »). The server's certificate is
  checked against the system's authorities (``SSL_CERT_FILE`` names another bundle);
- ``NRDASH_MAIL_FROM``: the sender (``Agglomération <nr@agglo.fr>`` or ``nr@agglo.fr``);
- ``NRDASH_MAIL_RATE``: messages per minute at most (60 by default);
- ``NRDASH_PUBLIC_URL``: the instance's address, that links start with (nrdash.links): without it nothing is sent.

One message per recipient (nrdash/store/campaigns.py says how a recipient is never written to twice): plain text and
HTML (every text of the census escaped), the part the editor wrote with its placeholders filled, then what the editor
cannot remove: why the actor receives it, whom to write to (the territory's contact address, else the sender) and
the link that refuses further e-mails (also as a List-Unsubscribe header).
"""
from __future__ import annotations

import datetime as dt
import html
import os
import re
import smtplib
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import Callable, Mapping

from . import campaign as cm
from .links import PUBLIC_URL_ENV

SMTP_URL_ENV, MAIL_FROM_ENV, MAIL_RATE_ENV = "NRDASH_SMTP_URL", "NRDASH_MAIL_FROM", "NRDASH_MAIL_RATE"
DEFAULT_RATE, MAX_RATE = 60, 6000
OPPORTUNISTIC, STARTTLS, TLS = "starttls-si-proposé", "starttls", "tls"
SCHEMES = {"smtp": (OPPORTUNISTIC, 25), "smtp+starttls": (STARTTLS, 587), "smtps": (TLS, 465)}
TIMEOUT = 60  # seconds, per exchange with the server
POLICY = SMTP.clone(max_line_length=998)  # headers folded only beyond SMTP's limit: a link header stays whole
EXAMPLE = "smtp+starttls://nr%40agglo.fr:mot-de-passe@smtp.agglo.fr:587"
REFUSAL_PARAM = "courriels"  # …&courriels=refus: the personal link's page that refuses e-mails


class MailError(ValueError):
    """A mail setting is wrong or missing, or the server cannot be used (French message saying how to fix it)."""


@dataclass(frozen=True)
class SmtpConfig:
    security: str  # OPPORTUNISTIC, STARTTLS or TLS
    host: str
    port: int
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        """The server in words, never its password."""
        how = {OPPORTUNISTIC: "STARTTLS s'il est proposé", STARTTLS: "STARTTLS exigé", TLS: "TLS dès la connexion"}
        return f"{self.host}:{self.port} ({how[self.security]}{', avec identifiant' if self.user else ''})"


def parse_smtp_url(value: str) -> SmtpConfig:
    """``NRDASH_SMTP_URL`` read (module docstring), or MailError."""
    text = str(value or "").strip()
    parts = urllib.parse.urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise MailError(f"{SMTP_URL_ENV} doit commencer par smtp://, smtp+starttls:// ou smtps:// (lu : "
                        f"« {text.split('://')[0][:30]}:// »). Exemple : {EXAMPLE}.")
    try:
        port = parts.port
    except ValueError:
        raise MailError(f"{SMTP_URL_ENV} : le port n'est pas un nombre de 1 à 65535. Exemple : {EXAMPLE}.") from None
    if not parts.hostname:
        raise MailError(f"{SMTP_URL_ENV} ne nomme pas de serveur. Exemple : {EXAMPLE}.")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise MailError(f"{SMTP_URL_ENV} ne contient que le serveur, son port et l'identifiant : ni chemin, ni « ? », "
                        f"ni « # ». Exemple : {EXAMPLE}.")
    security, default_port = SCHEMES[scheme]
    user = urllib.parse.unquote(parts.username) if parts.username else None
    password = urllib.parse.unquote(parts.password) if parts.password is not None else None
    if user and password is None:
        raise MailError(f"{SMTP_URL_ENV} donne un identifiant sans mot de passe (utilisateur:mot-de-passe@serveur ; "
                        "« @ » et « : » s'y écrivent %40 et %3A).")
    return SmtpConfig(security, parts.hostname, port or default_port, user, password)


@dataclass(frozen=True)
class MailSettings:
    smtp: SmtpConfig | None
    sender: str | None
    rate: int  # messages per minute
    public_url: str | None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "MailSettings":
        """The settings, or MailError for one set wrongly (an unset one is None: see ``sending_problem``)."""
        env = os.environ if environ is None else environ
        url = (env.get(SMTP_URL_ENV) or "").strip()
        smtp = parse_smtp_url(url) if url else None
        sender = (env.get(MAIL_FROM_ENV) or "").strip() or None
        if sender is not None:
            name, address = parseaddr(sender)
            if "@" not in address or any(ch in sender for ch in "\r\n"):
                raise MailError(f"{MAIL_FROM_ENV} n'est pas une adresse électronique (« {sender[:80]} ») : par "
                                "exemple nr@agglo.fr ou « Agglomération <nr@agglo.fr> ».")
        raw = (env.get(MAIL_RATE_ENV) or "").strip()
        try:
            rate = int(raw) if raw else DEFAULT_RATE
        except ValueError:
            raise MailError(f"{MAIL_RATE_ENV} est un nombre de messages par minute (lu : « {raw[:20]} »).") from None
        if not 1 <= rate <= MAX_RATE:
            raise MailError(f"{MAIL_RATE_ENV} va de 1 à {MAX_RATE} messages par minute (lu : {rate}).")
        public = (env.get(PUBLIC_URL_ENV) or "").strip() or None
        return cls(smtp, sender, rate, public)

    def links_problem(self) -> str | None:
        if self.public_url is None:
            return (f"Liens personnels impossibles : l'adresse publique de l'instance n'est pas réglée "
                    f"({PUBLIC_URL_ENV}, par exemple https://nrdash.agglo.fr). Les liens envoyés aux acteurs "
                    "commencent par elle : demandez à qui exploite nrdash de la régler.")
        try:
            link_to("/", self.public_url)
        except ValueError as exc:
            return str(exc)
        return None

    def sending_problem(self) -> str | None:
        """Why nothing can be sent (French), None when everything is set."""
        if self.smtp is None:
            return (f"Envoi par courriel impossible : aucun serveur d'envoi n'est réglé ({SMTP_URL_ENV}). "
                    "Téléchargez plutôt le fichier de publipostage de la campagne (nom, adresse, lien, date de fin) "
                    "pour l'outil d'envoi de la collectivité, ou demandez à qui exploite nrdash de régler le "
                    "serveur SMTP.")
        if self.sender is None:
            return (f"Envoi par courriel impossible : l'adresse d'expéditeur n'est pas réglée ({MAIL_FROM_ENV}, par "
                    "exemple nr@agglo.fr).")
        return self.links_problem()


def link_to(path: str, public_url: str) -> str:
    """A whole address of the instance (nrdash.links.public_url; LinkError, a ValueError in French, when the setting
    is wrong)."""
    from .links import public_url as whole

    return whole(path, public_url)


def personal_path(code: str, token: str, refuse: bool = False) -> str:
    """A personal link's address inside the app (``refuse``: its page that refuses e-mails)."""
    query = {"territoire": code, "acteur": token}
    if refuse:
        query[REFUSAL_PARAM] = "refus"
    return "/questionnaire?" + urllib.parse.urlencode(query)


# ---------------------------------------------------------------------------------------------
# The message
# ---------------------------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", str(text)).strip()


def _html_paragraphs(text: str, links: Mapping[str, str]) -> str:
    """Plain text as HTML paragraphs, everything escaped; each of ``links`` (placeholder → address) becomes a
    link, its address escaped."""
    out = []
    for para in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(para)
        for mark, url in links.items():
            escaped = escaped.replace(html.escape(mark), f'<a href="{html.escape(url, quote=True)}">'
                                                         f'{html.escape(url)}</a>')
        out.append("<p>" + escaped.replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


@dataclass(frozen=True)
class Letter:
    """What one recipient is told."""

    subject: str
    text: str
    html: str
    link: str
    refusal_link: str


def letter(*, subject: str, body: str, territory: str, actor: str, ends_on: dt.date, link: str, refusal_link: str,
           write_to: str, reminder: bool = False) -> Letter:
    """The campaign's message for one actor (plain text and HTML), with the part that cannot be edited away."""
    values = {"{nom}": _one_line(actor), "{territoire}": _one_line(territory),
              "{date_fin}": cm.french_date(ends_on)}
    subject_text = _one_line(cm.fill(subject, values))[:300]
    if reminder:
        subject_text = cm.REMINDER_SUBJECT.format(subject=subject_text)
        body = cm.REMINDER_INTRO + "\n\n" + body
    why = (f"Pourquoi ce message : votre structure, « {_one_line(actor)} », figure dans le recensement des acteurs du "
           f"Numérique responsable de {_one_line(territory)}, avec cette adresse comme contact.")
    who = (f"Une question, une correction, ou pour faire effacer vos données : écrivez à {write_to}.")
    stop = "Pour ne plus recevoir de courriels de ce recensement : "
    text_body = cm.fill(body, {**values, "{lien}": link})
    text = f"{text_body}\n\n-- \n{why}\n{who}\n{stop}{refusal_link}\n"
    # HTML: the editor's text escaped first, then the placeholders filled with escaped values (a name can never
    # bring markup in), the links made links.
    marked = cm.fill(body, {**values, "{lien}": "\x01LIEN\x01"})
    body_html = _html_paragraphs(marked, {"\x01LIEN\x01": link})
    foot = (f"<p style=\"color:#444;font-size:90%\">{html.escape(why)}<br>\n{html.escape(who)}<br>\n"
            f"{html.escape(stop)}<a href=\"{html.escape(refusal_link, quote=True)}\">ne plus recevoir ces "
            f"courriels</a>.</p>")
    page = (f"<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{html.escape(subject_text)}"
            f"</title></head>\n<body>\n{body_html}\n<hr>\n{foot}\n</body></html>\n")
    return Letter(subject_text, text, page, link, refusal_link)


def message(lt: Letter, *, sender: str, to: str, reply_to: str | None, message_id: str,
            now: dt.datetime | None = None) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = lt.subject
    name, address = parseaddr(sender)
    msg["From"] = formataddr((_one_line(name), address)) if name else address
    msg["To"] = to
    if reply_to and reply_to != address:
        msg["Reply-To"] = reply_to
    msg["Date"] = format_datetime(now or dt.datetime.now(dt.timezone.utc))
    msg["Message-ID"] = message_id
    msg["List-Unsubscribe"] = f"<{lt.refusal_link}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(lt.text)
    msg.add_alternative(lt.html, subtype="html")
    return msg


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------
class Refused(Exception):
    """The server refused this message (its reply kept); ``lost``: the connection is gone too."""

    def __init__(self, reply: str, lost: bool = False):
        super().__init__(reply)
        self.reply, self.lost = reply, lost


class Interrupted(Exception):
    """The connection ended while the server was receiving the message: it may have been delivered."""


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(text.split())}"[:1000]


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN in UTF-8 when the server offers it (smtplib encodes credentials as ASCII, and goes on trying other
    mechanisms after a refusal), else smtplib's login."""
    import base64

    if not smtp.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("AUTH")
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        smtp.login(user, password)
        return
    token = base64.b64encode(b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")).decode("ascii")
    code, text = smtp.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, text)


class Outbox:
    """A connection to the SMTP server, reused from one message to the next."""

    def __init__(self, config: SmtpConfig, *, tls_context: ssl.SSLContext | None = None, timeout: float = TIMEOUT):
        self.config, self.timeout = config, timeout
        self.context = tls_context or ssl.create_default_context()
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        """Connect, secure and sign in, or MailError (French) saying what the server answered."""
        c = self.config
        try:
            if c.security == TLS:
                smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=self.timeout, context=self.context)
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=self.timeout)
            smtp.ehlo()
            if c.security != TLS:
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self.context)
                    smtp.ehlo()
                elif c.security == STARTTLS:
                    smtp.close()
                    raise MailError(f"Le serveur {c.describe()} ne propose pas STARTTLS, exigé par smtp+starttls:// : "
                                    "rien n'est envoyé en clair.")
                elif c.user:
                    smtp.close()
                    raise MailError(f"Le serveur {c.describe()} ne propose pas STARTTLS : nrdash n'y envoie pas le mot "
                                    "de passe en clair. Utilisez smtps:// ou smtp+starttls://, ou retirez "
                                    "l'identifiant si ce serveur n'en demande pas.")
            if c.user:
                _login(smtp, c.user, c.password or "")
        except MailError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(f"Le serveur {c.describe()} refuse l'identifiant ou le mot de passe "
                            f"({_reply(exc.smtp_code, exc.smtp_error)}).") from None
        except smtplib.SMTPNotSupportedError:
            raise MailError(f"Le serveur {c.describe()} ne propose pas l'authentification (AUTH) : retirez "
                            "l'identifiant de NRDASH_SMTP_URL, ou demandez à son administrateur.") from None
        except ssl.SSLError as exc:
            raise MailError(f"Connexion chiffrée impossible avec {c.describe()} : {exc.reason or exc} (certificat "
                            "non reconnu ? SSL_CERT_FILE désigne d'autres autorités).") from None
        except smtplib.SMTPException as exc:
            raise MailError(f"Le serveur {c.describe()} a refusé la connexion : {str(exc)[:300]}.") from None
        except (OSError, socket.timeout) as exc:
            raise MailError(f"Serveur d'envoi injoignable ({c.describe()}) : "
                            f"{exc.strerror or type(exc).__name__}.") from None
        self.smtp = smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def send(self, msg: EmailMessage, sender: str, to: str, before_content: Callable[[], None]) -> None:
        """Give one message to the server. ``before_content()`` runs (and commits) once the server is ready for the
        content and before it is sent: from then on an interruption may have delivered it (Interrupted).
        Refused: the server said no (nothing delivered)."""
        smtp = self.smtp
        if smtp is None:
            raise Refused("Pas de connexion au serveur.", lost=True)
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                raise Refused(_reply(code, text))
            code, text = smtp.rcpt(to)
            if code not in (250, 251):
                raise Refused(_reply(code, text))
            smtp.putcmd("data")
            code, text = smtp.getreply()
            if code != 354:
                raise Refused(_reply(code, text))
        except Refused as exc:
            self._reset()
            raise exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.smtp = None
            raise Refused(f"Connexion interrompue par le serveur avant l'envoi du message "
                          f"({str(exc)[:200] or type(exc).__name__}).", lost=True) from None
        before_content()
        data = msg.as_bytes(policy=POLICY)
        data = re.sub(rb"(?m)^\.", b"..", data)  # a line starting with a dot is doubled (RFC 5321)
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        try:
            smtp.send(data + b".\r\n")
            code, text = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.smtp = None
            raise Interrupted(f"Connexion interrompue pendant que le serveur recevait le message "
                              f"({str(exc)[:200] or type(exc).__name__}) : il est peut-être parti.") from None
        if code != 250:
            raise Refused(_reply(code, text))

    def _reset(self) -> None:
        try:
            if self.smtp is not None:
                self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.smtp = None


# ---------------------------------------------------------------------------------------------
# Sending a campaign
# ---------------------------------------------------------------------------------------------
@dataclass
class Progress:
    total: int  # recipients to write to when the sending started
    sent: int = 0
    failed: int = 0
    uncertain: int = 0
    skipped: int = 0  # refused e-mails or no address, found on the way
    recovered_uncertain: int = 0  # left « envoi incertain » by a sending that stopped before
    stopped: str | None = None  # why the sending stopped before the end (French)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (actor's name, the server's reply)

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.uncertain

    def line(self) -> str:
        parts = [f"{self.sent} envoyé{'s' if self.sent > 1 else ''}"]
        if self.failed:
            parts.append(f"{self.failed} échec{'s' if self.failed > 1 else ''}")
        if self.uncertain:
            parts.append(f"{self.uncertain} incertain{'s' if self.uncertain > 1 else ''}")
        return f"{self.done}/{self.total} : " + ", ".join(parts)


def send_campaign(store, who, code: str, cid: int, settings: MailSettings, *,
                  progress: Callable[[Progress], None] | None = None, stop: Callable[[], bool] | None = None,
                  clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                  tls_context: ssl.SSLContext | None = None, sender: str | None = None) -> Progress:
    """Send the campaign's messages that are due (first messages and reminders), one at a time, at most
    ``settings.rate`` per minute, and return what happened. MailError (French) when the settings forbid sending;
    StoreError when the store refuses (another sending holds the campaign…). A server that cannot be reached stops
    the sending (``Progress.stopped``); a message the server refuses is « échec » with its reply, tried again by
    the next sending (nrdash.campaign.MAX_ATTEMPTS in all)."""
    from .store.campaigns import sender_name

    problem = settings.sending_problem()
    if problem:
        raise MailError(problem)
    info = store.campaign(who, code, cid)
    t = store.access(who, code)
    territory_name = t.name or code
    contact = _contact_address(store, who, code) or parseaddr(settings.sender)[1]
    name = sender or sender_name()
    recovered = store.start_sending(who, code, cid, name)
    report = Progress(info.to_send, recovered_uncertain=recovered["uncertain"])
    if progress:
        progress(report)  # what a stopped sending left, said before anything else is sent
    outbox = Outbox(settings.smtp, tls_context=tls_context)
    interval = 60.0 / settings.rate
    last = None
    lost_in_a_row = 0
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "nrdash"
    try:
        while not (stop and stop()):
            claim = store.claim_recipient(who, code, cid, name)
            if claim is None:
                break
            if last is not None:
                wait = last + interval - clock()
                if wait > 0:
                    sleep(wait)
            last = clock()
            if outbox.smtp is None:
                try:
                    outbox.open()
                except MailError as exc:
                    store.mark_recipient(who, code, cid, claim.recipient_id, name, cm.PENDING)
                    report.stopped = str(exc)
                    break
            lt = letter(subject=info.subject, body=info.body, territory=territory_name, actor=claim.name,
                        ends_on=info.ends_on, link=link_to(personal_path(code, claim.token), settings.public_url),
                        refusal_link=link_to(personal_path(code, claim.token, refuse=True), settings.public_url),
                        write_to=contact, reminder=claim.reminder)
            msg = message(lt, sender=settings.sender, to=claim.email, reply_to=contact,
                          message_id=make_msgid(f"c{cid}.r{claim.recipient_id}", domain=domain))
            envelope_from = parseaddr(settings.sender)[1]
            try:
                outbox.send(msg, envelope_from, claim.email,
                            lambda c=claim: store.mark_recipient(who, code, cid, c.recipient_id, name, cm.DELIVERING))
            except Refused as exc:
                store.mark_recipient(who, code, cid, claim.recipient_id, name, cm.FAILED, error=exc.reply)
                report.failed += 1
                report.failures.append((claim.name, exc.reply))
                lost_in_a_row = lost_in_a_row + 1 if exc.lost else 0
                if lost_in_a_row >= 3:
                    report.stopped = ("Le serveur d'envoi coupe la connexion à chaque message : envoi arrêté. Les "
                                      "messages non partis seront tentés de nouveau au prochain envoi.")
                    break
            except Interrupted as exc:
                store.mark_recipient(who, code, cid, claim.recipient_id, name, cm.UNCERTAIN, error=str(exc))
                report.uncertain += 1
            else:
                store.mark_recipient(who, code, cid, claim.recipient_id, name, cm.SENT)
                report.sent += 1
                lost_in_a_row = 0
            if progress:
                progress(report)
    finally:
        outbox.close()
        try:
            store.stop_sending(who, code, cid, name)
        except Exception:  # noqa: BLE001 - the lease expires by itself; what happened is already recorded
            pass
    return report


def _contact_address(store, who, code: str) -> str | None:
    """The territory's contact address when this nrdash has that setting (else None: the sender's is used)."""
    try:
        form = store.questionnaire_form(who, code)
    except Exception:  # noqa: BLE001 - nothing published: no contact to read
        return None
    return getattr(form, "contact_email", None) or None
