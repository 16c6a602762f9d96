"""Real SMTP servers on loopback for the campaign tests (issue 26): aiosmtpd (PyPI) with STARTTLS and
authentication, TLS from the first byte, one that answers 550, and a bare socket server that drops the connection.
Certificates are made here (``cryptography``) for 127.0.0.1, trusted by the clients the tests make."""
from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import socket
import ssl
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "nr@agglo.test", "mot:de@passe ùtf"
# TLS from the first byte (smtps://) is TLS aiosmtpd does not see: it warns that AUTH does not require it.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


def make_certificate(folder: Path) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    out = Certificate(folder / "smtp-cert.pem", folder / "smtp-key.pem")
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """What a server was given: each message with its envelope, and the sessions' sign-ins."""

    messages: list = field(default_factory=list)  # (mail from, [rcpt to], email.message.EmailMessage)
    logins: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list:
        with self.lock:
            return [m for _, rcpt, m in self.messages if address in rcpt]


class _Handler:
    def __init__(self, received: Received, rcpt_reply: str | None, on_data: Callable[[int], None] | None,
                 on_rcpt: Callable[[int], None] | None):
        self.received, self.rcpt_reply, self.on_data, self.on_rcpt = received, rcpt_reply, on_data, on_rcpt
        self.rcpts = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        if self.on_rcpt is not None:
            self.on_rcpt(self.rcpts)  # may end the sender before its message's content
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.received.lock:
            self.received.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
            n = len(self.received.messages)
        if self.on_data is not None:
            self.on_data(n)  # may end the sender before it hears « 250 »
        return "250 Message accepted for delivery"


def _authenticator(received: Received):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER and \
            auth_data.password.decode() == PASSWORD
        if ok:
            received.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)  # a refusal: the server says « 535 »
    return check


@contextlib.contextmanager
def smtp_server(mode: str = "starttls", cert: Certificate | None = None, *, rcpt_reply: str | None = None,
                on_data: Callable[[int], None] | None = None,
                on_rcpt: Callable[[int], None] | None = None) -> Iterator[tuple[str, Received]]:
    """A running aiosmtpd on 127.0.0.1; yields (NRDASH_SMTP_URL for it, what it received). ``mode``: "starttls"
    (STARTTLS and AUTH required: smtp+starttls:// with the test user), "tls" (TLS from the first byte, AUTH
    required: smtps://), "plain" (neither: smtp://). ``rcpt_reply``: every recipient refused with this reply.
    ``on_rcpt(n)`` / ``on_data(n)``: called at the n-th recipient given, at the n-th message received (before the
    server answers « 250 »)."""
    received = Received()
    port = free_port()
    kwargs: dict = {}
    url_user = f"{_quote(USER)}:{_quote(PASSWORD)}@"
    if mode == "starttls":
        kwargs = dict(tls_context=cert.server_context(), require_starttls=True, auth_required=True,
                      auth_require_tls=True, authenticator=_authenticator(received))
        url = f"smtp+starttls://{url_user}127.0.0.1:{port}"
    elif mode == "tls":
        kwargs = dict(ssl_context=cert.server_context(), auth_required=True, auth_require_tls=False,
                      authenticator=_authenticator(received))
        url = f"smtps://{url_user}127.0.0.1:{port}"
    else:
        url = f"smtp://127.0.0.1:{port}"
    controller = Controller(_Handler(received, rcpt_reply, on_data, on_rcpt), hostname="127.0.0.1", port=port,
                            server_hostname="smtp.test", ready_timeout=30, **kwargs)
    controller.start()
    try:
        yield url, received
    finally:
        controller.stop()


def _quote(text: str) -> str:
    import urllib.parse

    return urllib.parse.quote(text, safe="")


@contextlib.contextmanager
def dropping_server(after: bytes = b"MAIL") -> Iterator[str]:
    """A server that greets, answers EHLO, then drops the connection when the client says ``after``."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    port = sock.getsockname()[1]
    done = threading.Event()

    def serve():
        sock.settimeout(0.2)
        while not done.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(10)
                conn.sendall(b"220 smtp.test ESMTP\r\n")
                buf = b""
                while True:
                    try:
                        data = conn.recv(4096)
                    except OSError:
                        break
                    if not data:
                        break
                    buf += data
                    while b"\r\n" in buf:
                        line, buf = buf.split(b"\r\n", 1)
                        if line.upper().startswith(after):
                            conn.shutdown(socket.SHUT_RDWR)
                            buf = None
                            break
                        if line.upper().startswith((b"EHLO", b"HELO")):
                            conn.sendall(b"250-smtp.test\r\n250 8BITMIME\r\n")
                        elif line.upper().startswith(b"QUIT"):
                            conn.sendall(b"221 bye\r\n")
                        else:
                            conn.sendall(b"250 OK\r\n")
                    if buf is None:
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        done.set()
        thread.join(5)
        sock.close()
