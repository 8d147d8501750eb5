"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the e-mail tests, able to drop the connection on purpose."""

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message

import pytest
from aiosmtpd.controller import Controller


@dataclass
class SmtpServer:
    """What the server received, and how many more messages to each address it should cut off mid-transfer."""

    port: int = 0
    messages: list[Message] = field(default_factory=list)
    drop_next: dict[str, int] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        recipient = envelope.rcpt_tos[0]
        if self.drop_next.get(recipient, 0) > 0:
            self.drop_next[recipient] -= 1
            self.dropped.append(recipient)
            server.transport.close()  # the client sees the connection go, as when a mail server restarts
            return "421 Closing connection"
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [message for message in self.messages if message["To"] == address]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """Starts the server and points Django's SMTP backend at it."""
    state = SmtpServer(port=_free_port())
    controller = Controller(state, hostname="127.0.0.1", port=state.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", state.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    yield state
    controller.stop()
