"""Real servers for the delivery tests: an SMTP server (aiosmtpd) and an HTTP server that plays the SMS gateway and the group robots and records what it got."""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


class Gateway:
    """What each path answers (a list of statuses, used in turn, the last one repeated) and what came."""

    def __init__(self):
        self.received: list[dict] = []
        self.statuses: dict[str, list[int]] = {}

    def answer(self, path: str) -> int:
        queue = self.statuses.get(path, [200])
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture
def gateway():
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            length = int(self.headers.get("Content-Length", 0))
            url = urllib.parse.urlsplit(self.path)
            state.received.append(
                {
                    "path": url.path,
                    "query": dict(urllib.parse.parse_qsl(url.query)),
                    "json": json.loads(self.rfile.read(length)),
                    "key": self.headers.get("Idempotency-Key"),
                }
            )
            status = state.answer(url.path)
            body = json.dumps({"errcode": 0, "errmsg": "ok"} if status == 200 else {"error": "down"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # the test runner's is locmem
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()
