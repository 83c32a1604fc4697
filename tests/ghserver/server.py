"""`GitHubTestServer`: a threaded HTTP/1.1 server answering GitHub REST calls from an in-memory `State`.

Per request: contract check (404/422 + violation), auth (401), rate limit (403/429), injected 502s,
then the handler under a lock. Each response goes out in a single write with `TCP_NODELAY` set, and
connections are kept alive, so a keep-alive client never waits on Nagle / delayed ACK.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Self

from . import handlers_access, handlers_issues, handlers_repo, handlers_review  # noqa: F401  (register routes)
from .api import HANDLERS, Ctx, HttpError, Reply, Unsupported, is_write
from .graphql import GraphQLEndpoint
from .render import Renderer, error
from .search_limit import SearchLimit
from .spec import Contract, Operation, load_contract
from .state import State

RATE_DOC = "/using-the-rest-api/rate-limits-for-the-rest-api"
JWT_OPERATIONS = {"apps/get-repo-installation", "apps/create-installation-access-token"}


class RequestRecord(NamedTuple):
    method: str
    path: str  # path with query string, as sent
    body: Any  # parsed JSON body, or None
    status: int


@dataclass
class Faults:
    """Failure modes; change them any time through `server.faults` (replace or mutate)."""

    latency: float = 0.0  # seconds to sleep before answering each request
    fail_every: int = 0  # every Nth request (N, 2N, ...) gets a 502
    fail_at: set[int] = field(default_factory=set)  # 0-based request indices that get a 502
    apply_then_fail: bool = False  # faulted writes are applied first, then answered 502
    rate_limit_after: int | None = None  # after K requests (since the last reset) answer rate-limited
    rate_limit_status: int = 403  # 403: primary limit (remaining 0); 429: secondary, with retry-after
    rate_limit_reset_in: int = 60  # x-ratelimit-reset = now + this many seconds
    retry_after: int = 1  # retry-after seconds for 429


class GitHubTestServer:
    def __init__(
        self,
        state: State | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        token: str = "test-token",
        faults: Faults | None = None,
        check_responses: bool = True,
        rate_limit: int = 5000,
        actor: str | None = None,
        contract: Contract | None = None,
    ) -> None:
        self.state = state or State()
        if actor is not None:
            self.state.actor = actor  # the token's identity: author of writes and events
        self.token = token
        self.faults = faults or Faults()
        self.check_responses = check_responses  # validate our own 2xx bodies against the spec
        self.contract = contract or load_contract()
        self.violations: list[str] = []  # client requests the contract (or this server) rejects
        self.response_problems: list[str] = []  # server answers that break the contract (server bugs)
        self.errors: list[str] = []  # unexpected exceptions inside handlers
        self.requests: list[RequestRecord] = []
        self.rate_limit = rate_limit  # core requests per window (an hour); past it: 403 until the window resets
        self.read_only = False  # True: the token may read, every write is 403 (a fork PR's GITHUB_TOKEN)
        self.search_limit = SearchLimit()  # /search/* counts apart: 30 a minute (search_limit.py)
        self._lock = threading.RLock()
        self._count = 0
        self.reset_rate_limit()
        self._httpd = _HTTPServer((host, port), _Handler, self)
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None
        self._clients: list[Any] = []
        self.connections = 0  # TCP connections accepted (keep-alive clients use one)
        self.graphql = GraphQLEndpoint(self)  # POST /graphql (graphql.py)

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="ghserver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        if self._thread is not None:  # shutdown() would wait forever for a loop that never ran
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, persistent: bool = True, **kwargs: Any) -> Any:
        """A sync `ghapi.GhApi` bound to this server, the state's repository and the token.

        ghapi normally opens a fresh httpx client per request (~17 ms: it reloads the CA bundle);
        `persistent=True` gives it one keep-alive client, closed by `stop()`.
        """
        import httpx2
        from ghapi.all import GhApi

        kwargs.setdefault("owner", self.state.repo.owner)
        kwargs.setdefault("repo", self.state.repo.name)
        kwargs.setdefault("token", self.token)
        make: Any = GhApi  # untyped
        api = make(gh_host=self.url, sync=True, **kwargs)
        if persistent:
            api.transport.client = httpx2.Client(timeout=api.transport.timeout, follow_redirects=True)
            self._clients.append(api.transport.client)
        return api

    # -- assertions helpers ------------------------------------------------------------------------
    @property
    def writes(self) -> list[RequestRecord]:
        """REST writes and GraphQL mutations (a GraphQL query is a POST, and a read)."""
        mutations = {id(r) for r in self.requests if r.path == "/graphql" and not _mutation(r.body)}
        return [r for r in self.requests if is_write(r.method) and id(r) not in mutations]

    @property
    def graphql_log(self) -> list[Any]:
        return self.graphql.log

    def reset_rate_limit(self) -> None:
        """Start a new rate-limit window: used = 0, not limited, reset one hour from now."""
        with self._lock:
            self._used = 0
            self._window_reset = int(time.time()) + 3600
            self._limited_until: int | None = None

    def take_violations(self) -> list[str]:
        """Return and forget the recorded violations (for tests that provoke them on purpose)."""
        with self._lock:
            found, self.violations[:] = list(self.violations), []
        return found

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- request processing ------------------------------------------------------------------------
    def handle(
        self, method: str, target: str, headers: dict[str, str], raw_body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            index = self._count
            self._count += 1
        if self.faults.latency:
            time.sleep(self.faults.latency)
        body: Any = None
        json_ok = True
        if raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                body, json_ok = raw_body.decode("utf-8", "replace"), False
        if method == "POST" and target.partition("?")[0] == "/graphql":
            return self._graphql(index, headers, body)
        reply, apply_fault, op, params = self._preflight(index, method, target, headers, body, json_ok)
        if reply is None and op is not None:
            reply = self._run(op, params, body, target)
            if apply_fault:
                reply = _bad_gateway()
        assert reply is not None
        if self.check_responses and op is not None and 200 <= reply.status < 300:
            for problem in self.contract.check_response(op, reply.status, reply.body):
                self.response_problems.append(f"{method} {target} -> {reply.status}: {problem}")
        with self._lock:
            self.requests.append(RequestRecord(method, target, body, reply.status))
            out_headers = self._headers(index, reply, op)
        payload = b"" if reply.body is None else json.dumps(reply.body, separators=(",", ":")).encode()
        return reply.status, out_headers, payload

    def _preflight(
        self, index: int, method: str, target: str, headers: dict[str, str], body: Any, json_ok: bool
    ) -> tuple[Reply | None, bool, Operation | None, dict[str, Any]]:
        path, _, query = target.partition("?")
        op, path_params, known = self.contract.match(method, path)
        if op is None:
            what = "method not allowed for this path" if known else "no such route"
            self._violation(f"{method} {target}: {what} in GitHub's OpenAPI description")
            return Reply(404, error("Not Found", "", status="404")), False, None, {}
        params, problems = self.contract.check_params(op, path_params, query)
        if not json_ok:
            self._violation(f"{method} {target}: body is not JSON")
            return Reply(400, error("Problems parsing JSON", "", status="400")), False, op, params
        problems += self.contract.check_body(op, body, body is not None)
        if problems:
            for problem in problems:
                self._violation(f"{method} {target} ({op.operation_id}): {problem}")
            message = "Invalid request.\n\n" + "\n".join(problems)
            return Reply(422, error(message, "", status="422")), False, op, params
        auth = self._check_auth(op, headers.get("authorization", ""))
        if auth is not None:
            return auth, False, op, params
        if self.read_only and is_write(method):
            return Reply(403, error("Resource not accessible by integration", "")), False, op, params
        limited = self._rate_limited(op)
        if limited is not None:
            return limited, False, op, params
        f = self.faults
        faulted = index in f.fail_at or (f.fail_every > 0 and (index + 1) % f.fail_every == 0)
        if faulted and not (f.apply_then_fail and is_write(method)):
            return _bad_gateway(), False, op, params
        return None, faulted, op, params

    def _graphql(self, index: int, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], bytes]:
        status, answer, extra = self.graphql.handle(index, headers, body)
        with self._lock:
            self.requests.append(RequestRecord("POST", "/graphql", body, status))
            out_headers = self._headers(index, Reply(status, answer, extra), None)
        return status, out_headers, json.dumps(answer, separators=(",", ":")).encode()

    def graphql_rate_limited(self) -> Reply | None:
        """Counts one GraphQL call against the rate limit; the REST reply when it is exhausted."""
        return self._rate_limited(_GRAPHQL_OPERATION)

    def _check_auth(self, op: Operation, header: str) -> Reply | None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("token", "bearer") or not token.strip():
            return Reply(401, error("Requires authentication", "/overview/authenticating", status="401"))
        if token.strip() != self.token and not (scheme.lower() == "bearer" and op.operation_id in JWT_OPERATIONS):
            return Reply(401, error("Bad credentials", "", status="401"))
        return None

    def _rate_limited(self, op: Operation) -> Reply | None:
        f = self.faults
        now = int(time.time())
        with self._lock:
            if op.operation_id == "rate-limit/get":
                return None  # GitHub does not count these calls
            if op.operation_id.startswith("search/"):
                return None if self.search_limit.take() else self._search_limited()
            if self._limited_until is not None and now >= self._limited_until:
                self._used, self._limited_until = 0, None
                self._window_reset = now + 3600
            if f.rate_limit_after is not None and self._used >= f.rate_limit_after and self._limited_until is None:
                self._limited_until = now + f.rate_limit_reset_in
            if self._used >= self.rate_limit and self._limited_until is None:
                self._limited_until = self._window_reset  # the hour's requests are spent
            if self._limited_until is None:
                self._used += 1
                return None
            uid = self.state.user_id(self.state.actor)
        if f.rate_limit_status == 429:
            message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
            return Reply(
                429,
                error(message, f"{RATE_DOC}#about-secondary-rate-limits"),
                {"retry-after": str(f.retry_after)},
            )
        message = f"API rate limit exceeded for user ID {uid}."
        return Reply(403, error(message, f"{RATE_DOC}#about-the-primary-rate-limit"))

    def _search_limited(self) -> Reply:
        uid = self.state.user_id(self.state.actor)
        message = f"API rate limit exceeded for user ID {uid}."
        return Reply(403, error(message, f"{RATE_DOC}#about-secondary-rate-limits"))

    def _run(self, op: Operation, params: dict[str, Any], body: Any, target: str) -> Reply:
        handler = HANDLERS.get(op.operation_id)
        path, _, query = target.partition("?")
        if handler is None:
            self._violation(f"{op.method} {target}: {op.operation_id} is in GitHub's description but not implemented")
            return Reply(501, error("Not implemented by the test server", ""))
        repo = self.state.repo
        if "owner" in params and (params["owner"].lower(), params.get("repo", "").lower()) != (
            repo.owner.lower(),
            repo.name.lower(),
        ):
            return Reply(404, error("Not Found", "", status="404"))
        ctx = Ctx(self.state, Renderer(self.state, self.url), params, body, self.url, path, query)
        ctx.extra = {"rate": self.rate_snapshot(), "search": self.search_limit.snapshot(), "token": self.token}
        with self._lock:
            try:
                return handler(ctx)
            except Unsupported as exc:
                self._violation(f"{op.method} {target}: unsupported by the test server: {exc.reason}")
                return Reply(exc.status, exc.body)
            except HttpError as exc:
                return Reply(exc.status, exc.body)
            except Exception:
                self.errors.append(f"{op.method} {target}: {traceback.format_exc()}")
                return Reply(500, error("Internal test-server error", ""))

    def _violation(self, message: str) -> None:
        with self._lock:
            self.violations.append(message)

    def rate_snapshot(self) -> dict[str, int]:
        with self._lock:
            if self._limited_until is not None:
                return {
                    "limit": self.rate_limit,
                    "remaining": 0,
                    "reset": self._limited_until,
                    "used": self.rate_limit,
                }
            remaining = max(0, self.rate_limit - self._used)
            return {
                "limit": self.rate_limit,
                "remaining": remaining,
                "reset": self._window_reset,
                "used": self._used,
            }

    def _headers(self, index: int, reply: Reply, op: Operation | None) -> dict[str, str]:
        search = op is not None and op.operation_id.startswith("search/")
        rate = self.search_limit.snapshot() if search else self.rate_snapshot()
        out = {"content-type": "application/json; charset=utf-8"}  # on 204s too: harmless, uniform
        out.update(
            {
                "x-ratelimit-limit": str(rate["limit"]),
                "x-ratelimit-remaining": str(rate["remaining"]),
                "x-ratelimit-reset": str(rate["reset"]),
                "x-ratelimit-used": str(rate["used"]),
                "x-ratelimit-resource": "search" if op and op.operation_id.startswith("search/") else "core",
                "x-github-api-version-selected": "2022-11-28",
                "x-github-request-id": f"GHSRV:{index:08X}",
            }
        )
        out.update(reply.headers)
        return out


class _GraphQLOperation:
    operation_id = "graphql"


_GRAPHQL_OPERATION: Any = _GraphQLOperation()


def _mutation(body: Any) -> bool:
    query = body.get("query") if isinstance(body, dict) else None
    return isinstance(query, str) and query.lstrip().startswith("mutation")


def _bad_gateway() -> Reply:
    return Reply(502, {"message": "Server Error"})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], app: GitHubTestServer) -> None:
        self.app = app
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, handler)

    def close_connections(self) -> None:
        with self.sockets_lock:
            for sock in list(self.open_sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY on every accepted socket
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        with self.server.sockets_lock:
            self.server.app.connections += 1
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with self.server.sockets_lock:
            self.server.open_sockets.discard(self.connection)
        super().finish()

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, out_headers, payload = self.server.app.handle(self.command, self.path, headers, raw)
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        lines = [f"HTTP/1.1 {status} {phrase}", "Server: GitHub.com", f"Date: {self.date_time_string()}"]
        lines += [f"{k}: {v}" for k, v in out_headers.items()]
        lines.append(f"content-length: {len(payload)}")
        if self.close_connection:
            lines.append("connection: close")
        if self.command == "HEAD":
            payload = b""
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)  # one write

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # silence the per-request stderr log
