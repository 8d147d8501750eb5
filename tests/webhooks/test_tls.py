"""HTTPS deliveries: the connection goes to the address the guard checked, while TLS names the URL's host (SNI) and
verifies the certificate for it; a certificate for another name is a recorded failure, and nothing is sent."""

import socket
import ssl
import threading
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks.webhooks import Webhook

from webhooks import transport
from webhooks.guard import resolve_target
from webhooks.models import Attempt
from webhooks.sending import delivery_send
from webhooks.services import endpoint_create, endpoint_send_test

pytestmark = pytest.mark.django_db


def self_signed(folder, name: str):
    """A certificate for `name` that is its own authority, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def https_receiver(tmp_path, monkeypatch):
    """start(certificate name) → (url, requests, SNI names): an HTTPS receiver for https://localhost:<port>/hook on
    the address the guard resolves localhost to, and LeadHub's sender trusting that certificate."""
    servers = []

    def start(certificate_name: str):
        cert_path, key_path = self_signed(tmp_path, certificate_name)
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_context.load_cert_chain(cert_path, key_path)
        requests, server_names = [], []
        server_context.sni_callback = lambda _socket, name, _context: server_names.append(name)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        address = resolve_target("https://localhost/").address

        class Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in address else socket.AF_INET

        server = Server((address, 0), Handler)
        server.socket = server_context.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        monkeypatch.setattr(transport, "_ssl_context", ssl.create_default_context(cafile=str(cert_path)))
        monkeypatch.setattr(transport, "_clients", OrderedDict())
        return f"https://localhost:{server.server_address[1]}/hook", requests, server_names

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_https_connects_to_the_checked_address_and_verifies_the_host_name(https_receiver, partner_admin):
    url, requests, server_names = https_receiver("localhost")
    endpoint, secret = endpoint_create(by=partner_admin, url=url)
    delivery = endpoint_send_test(by=partner_admin, endpoint_id=endpoint.pk)
    assert delivery_send(delivery_id=delivery.pk) is True
    [(headers, body)] = requests
    assert server_names == ["localhost"]
    assert headers["host"] == url.split("/")[2]
    assert Webhook(secret).verify(body, headers)["type"] == "webhook.test"
    assert Attempt.objects.get().status_code == 204


def test_a_certificate_for_another_name_is_a_recorded_failure(https_receiver, partner_admin):
    url, requests, _server_names = https_receiver("crm.example")
    endpoint, _secret = endpoint_create(by=partner_admin, url=url)
    delivery = endpoint_send_test(by=partner_admin, endpoint_id=endpoint.pk)
    assert delivery_send(delivery_id=delivery.pk) is False
    attempt = Attempt.objects.get()
    assert attempt.status_code is None and "CERTIFICATE_VERIFY_FAILED" in attempt.error
    assert requests == []
