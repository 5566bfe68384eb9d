"""A tiny webhook receiver for trying SafeLoop's webhooks (``flask safeloop webhook-receiver``).

It does what a real receiver must do: check the HMAC-SHA256 signature of the raw body
(401 when it does not match) and drop replays (an event id it has seen is acknowledged but not
taken again). ``fail_first`` makes it answer 500 to the first n deliveries, to watch retries.
The tests use this same receiver on loopback.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.domain.exchange import SIGNATURE_HEADER, signature_valid


class Receiver:
    """An HTTP server on ``host:port`` (0: any free port) that collects verified events."""

    def __init__(
        self,
        secret: str,
        host: str = "127.0.0.1",
        port: int = 0,
        fail_first: int = 0,
        on_event: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.secret = secret
        self.host = host
        self.fail_first = fail_first
        self.on_event = on_event
        self.events: list[dict[str, Any]] = []
        self.attempts = 0
        self.bad_signatures = 0
        self.replays = 0
        self._seen: set[Any] = set()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.server.server_port}/"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = receiver.take(body, self.headers.get(SIGNATURE_HEADER, ""))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet; on_event reports what arrived

        return Handler

    def take(self, body: bytes, signature: str) -> int:
        """Check and record one delivery; the HTTP status to answer."""
        with self._lock:
            self.attempts += 1
            if not signature_valid(self.secret, body, signature):
                self.bad_signatures += 1
                return 401
            if self.fail_first > 0:
                self.fail_first -= 1
                return 500
            event = json.loads(body)
            event_id = (event.get("event") or {}).get("id")
            if event_id in self._seen:
                self.replays += 1
                return 200
            self._seen.add(event_id)
            self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)
        return 200

    def start(self) -> Receiver:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
