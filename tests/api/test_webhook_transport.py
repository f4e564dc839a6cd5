"""The real transport, once, against an HTTPS server this test starts on loopback (allowed
by ``WEBHOOKS_ALLOW_PRIVATE``, as the issue asks): the connection goes to the checked
address with the name's certificate, the receiver verifies each delivery with the
``standardwebhooks`` package, a 500 is retried with the same ``webhook-id``."""

import datetime
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import timezone
from standardwebhooks import Webhook

from api import addresses, deliveries
from api.models import WebhookDelivery, WebhookSubscription
from api.webhooks import do_create_subscription
from community.actions import do_create_thread

pytestmark = pytest.mark.django_db


def self_signed(directory) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


@pytest.fixture
def receiver(tmp_path, monkeypatch, settings):
    cert, key = self_signed(tmp_path)
    received, statuses = [], [500]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, dict(self.headers), body))
            self.send_response(statuses.pop(0) if statuses else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    monkeypatch.setattr(addresses, "resolve", lambda host, port: ["127.0.0.1"])
    monkeypatch.setattr(deliveries, "tls_context", lambda: ssl.create_default_context(cafile=cert))
    yield server.server_address[1], received
    server.shutdown()
    server.server_close()


def test_a_real_delivery_is_retried_after_a_500_and_verifies(world, receiver):
    port, received = receiver
    hook = do_create_subscription(
        user=world.member, url=f"https://localhost:{port}/in?from=commons",
        events=["thread.created"], community=world.den,
    )  # fmt: skip
    WebhookSubscription.objects.exclude(pk=hook.pk).delete()
    thread = do_create_thread(author=world.other, community=world.den, title="Hives", body="Bees")
    deliveries.do_collect_events()
    delivery = WebhookDelivery.objects.get(subscription=hook)
    now = timezone.now()
    assert deliveries.do_attempt(delivery_id=delivery.pk, now=now) == "pending"
    later = now + datetime.timedelta(seconds=deliveries.BACKOFF_SECONDS)
    assert deliveries.do_attempt(delivery_id=delivery.pk, now=later) == "delivered"

    assert len(received) == 2
    (path, first, body), (_path, second, again) = received
    assert path == "/in?from=commons"
    assert first["webhook-id"] == second["webhook-id"] == f"msg_thread_created_{thread.pk}"
    assert body == again
    event = Webhook(hook.secret).verify(again, second)
    assert event["type"] == "thread.created" and event["data"]["title"] == "Hives"
    assert second["Host"] == f"localhost:{port}"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("delivered", 2, 204)
