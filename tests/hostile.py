"""A hostile HTTP server for what the GitHub test server cannot do: hold a connection.

- ``silent``: reads the request and never answers.
- ``trickle``: answers ``HTTP/1.1 200 OK`` and then one header byte every ``interval`` seconds,
  forever: each byte resets a per-read timeout, so only a bound on the request's total time ends it.

    with HostileServer("trickle", interval=0.3) as server:
        ... GITHUB_API_URL=server.url ...
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from typing import Any, Literal

Mode = Literal["silent", "trickle"]


class HostileServer:
    def __init__(self, mode: Mode, interval: float = 0.3) -> None:
        self.mode = mode
        self.interval = interval
        self.requests = 0
        self._stop = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer._serve(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _serve(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)
        received = b""
        while b"\r\n\r\n" not in received and not self._stop.is_set():
            chunk = sock.recv(65536)
            if not chunk:
                return
            received += chunk
        with self._lock:
            self.requests += 1
        with contextlib.suppress(OSError):
            if self.mode == "trickle":
                sock.sendall(b"HTTP/1.1 200 OK\r\n")
                while not self._stop.wait(self.interval):
                    sock.sendall(b"x")  # a header name that never ends
            else:
                self._stop.wait()

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
