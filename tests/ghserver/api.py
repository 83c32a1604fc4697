"""Plumbing shared by the request handlers: context, replies, errors, pagination, the route table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from .render import Renderer, error
from .state import Issue, State

Handler = Callable[["Ctx"], "Reply"]
HANDLERS: dict[str, Handler] = {}  # operationId -> handler


def route(operation_id: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[operation_id] = fn
        return fn

    return register


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class HttpError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body.get('message')}")
        self.status = status
        self.body = body


class Unsupported(HttpError):
    """A request the contract allows but the test server does not implement: answered 422 and
    recorded as a violation, so a test cannot pass by relying on a silently ignored parameter."""

    def __init__(self, message: str) -> None:
        super().__init__(422, error(f"ghserver: {message}", status="422"))
        self.reason = message


def not_found(doc: str = "") -> HttpError:
    return HttpError(404, error("Not Found", doc, status="404"))


def validation_failed(message: str = "Validation Failed", doc: str = "", **extra: Any) -> HttpError:
    return HttpError(422, error(message, doc, status="422", **extra))


@dataclass
class Ctx:
    state: State
    render: Renderer
    params: dict[str, Any]
    body: Any
    base_url: str
    path: str  # raw request path, without query
    query: str
    extra: dict[str, Any] = field(default_factory=dict)  # server facts: "rate", "token"

    @property
    def actor(self) -> str:
        return self.state.actor

    def issue(self, key: str = "issue_number", pull: bool = False) -> Issue:
        found = self.state.issues.get(self.params[key])
        if found is None or (pull and not found.is_pull):
            raise not_found()
        return found

    def page(self, items: list[Any], render: Callable[[Any], Any] | None = None) -> Reply:
        chunk, headers = self.paginate(items)
        return Reply(200, [render(i) for i in chunk] if render else chunk, headers)

    def paginate(self, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
        """Slice `items` by per_page/page and build GitHub's RFC 5988 `Link` header."""
        per_page = int(self.params.get("per_page", 30))
        page = int(self.params.get("page", 1))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        if page < last:
            links += [(page + 1, "next"), (last, "last")]
        if page > 1:
            links += [(1, "first"), (min(page - 1, last), "prev")]
        headers = {}
        if links:
            headers["link"] = ", ".join(f'<{self._page_url(n)}>; rel="{rel}"' for n, rel in links)
        return chunk, headers

    def _page_url(self, page: int) -> str:
        pairs = [(k, v) for k, v in parse_qsl(self.query, keep_blank_values=True) if k != "page"]
        pairs.append(("page", str(page)))
        return f"{self.base_url}{self.path}?{urlencode(pairs)}"


def is_write(method: str) -> bool:
    return method in ("POST", "PUT", "PATCH", "DELETE")
