"""A local HTTP receiver for what the service sends out (Slack-style notices, telemetry reports):
it records every request, and can answer slowly or with an error."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Receiver:
    url: str = ""
    status: int = 200
    delay: float = 0.0
    connections: int = 0
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)  # (path, headers, body)

    def bodies(self) -> list[Any]:
        return [json.loads(body) for _, _, body in list(self.received)]


def _start(state: Receiver, path: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def setup(self) -> None:
            state.connections += 1
            super().setup()

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            state.received.append((self.path, dict(self.headers.items()), body))
            time.sleep(state.delay)  # a slow collector: the request arrived, the answer is late
            self.send_response(state.status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    return server


@pytest.fixture
def receivers() -> Iterator[Any]:
    """``receivers(path)`` starts one more receiver; all are stopped afterwards."""
    servers: list[ThreadingHTTPServer] = []

    def make(path: str = "/hook") -> Receiver:
        state = Receiver()
        servers.append(_start(state, path))
        return state

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()
