"""``/admin`` (small server-rendered pages) and ``/admin/api/*`` (JSON) for the people who run the
service: the queue, recent deliveries with their plans and outcomes, and dead letters to retry or
discard.

Authentication: ``Authorization: Bearer $DEVFLOW_ADMIN_TOKEN``, or the login form, which sets a
session cookie (``Secure; HttpOnly; SameSite=Strict``; a value signed with the admin token, so
changing the token ends every session). Without ``DEVFLOW_ADMIN_TOKEN`` every admin URL answers 404.

CSRF: a request authenticated by the cookie that changes anything must carry the session's CSRF
token (the form's hidden field or the ``X-CSRF-Token`` header) and, when the browser sends one, an
``Origin`` of this host. A request with the bearer header needs neither: no browser adds that
header by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..ledger import StateUnavailable
from ..state.service_pg import DeadLetter, DeliveryView, ServiceTables
from . import admin_repos, telemetry
from .queue import enqueue, stats
from .webhook import Delivery

if TYPE_CHECKING:
    from .app import Services

COOKIE = "devflow_session"
SIGN_OUT = "<form method=post action=/admin/logout><button type=submit>Sign out</button></form>"
SESSION_SECONDS = 12 * 3600
Handler = Callable[[Request], Awaitable[Response]]


def _mac(key: str, text: str) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def new_session(key: str, now: float) -> str:
    body = f"{int(now) + SESSION_SECONDS}.{secrets.token_hex(8)}"
    return f"{body}.{_mac(key, 'session:' + body)}"


def session_ok(key: str, value: str | None, now: float) -> bool:
    if not value or value.count(".") != 2:
        return False
    expires, nonce, mac = value.split(".")
    good = hmac.compare_digest(_mac(key, f"session:{expires}.{nonce}"), mac)
    return good and expires.isdigit() and int(expires) > now


def csrf_token(key: str, session: str) -> str:
    return _mac(key, "csrf:" + session)


async def _form(request: Request) -> dict[str, str]:
    """A urlencoded form (all the admin's forms are): parsed here, so that no multipart parser is
    needed. A form larger than 64 KiB is not ours."""
    body = await request.body()
    if len(body) > 65536:
        return {}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def _page(title: str, body: str, *, signed_in: bool = True) -> HTMLResponse:
    style = (
        "body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;width:100%}"
        "td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}"
        ".dead{color:#b00}.done{color:#070}nav a{margin-right:1em}form{display:inline}"
    )
    nav = (
        "<nav><a href=/admin>Overview</a><a href=/admin/dead-letters>Dead letters</a>"
        f"<a href=/admin/repositories>Repositories</a>{SIGN_OUT if signed_in else ''}</nav>"
    )
    text = (
        f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)} · Devflow</title>"
        f"<style>{style}</style></head><body>{nav}<h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(text, headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                                       "X-Frame-Options": "DENY", "Cache-Control": "no-store"})  # fmt: skip


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def routes(services: Services) -> list[BaseRoute]:
    key = services.settings.admin_token
    secure = services.settings.secure_cookies

    def authed(request: Request) -> str | None:
        """``"bearer"``, ``"cookie"``, or None."""
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and given:
            return "bearer" if hmac.compare_digest(given.strip().encode(), key.encode()) else None
        return "cookie" if session_ok(key, request.cookies.get(COOKIE), time.time()) else None

    async def csrf_ok(request: Request, how: str) -> bool:
        if how == "bearer":
            return True
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
            return False
        given = request.headers.get("x-csrf-token")
        if given is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            given = (await _form(request)).get("csrf", "")
        expected = csrf_token(key, request.cookies.get(COOKIE, ""))
        return given is not None and bool(given) and hmac.compare_digest(given, expected)

    def guard(handler: Handler, *, page: bool, changes: bool = False) -> Handler:
        async def wrapped(request: Request) -> Response:
            if not key:
                return JSONResponse({"error": "the admin is off: set DEVFLOW_ADMIN_TOKEN"}, 404)
            how = authed(request)
            if how is None:
                if page and request.method == "GET":
                    return RedirectResponse("/admin/login", 303)
                return JSONResponse({"error": "missing or wrong admin token"}, 401)
            if changes and not await csrf_ok(request, how):
                return JSONResponse({"error": "CSRF check failed: reload the page and try again"}, 403)
            try:
                return await handler(request)
            except StateUnavailable as exc:
                return JSONResponse({"error": str(exc)}, 503)

        return wrapped

    def tables(fn: Callable[[ServiceTables], Any]) -> Awaitable[Any]:
        return run_in_threadpool(services.with_tables, fn)

    # -- login ---------------------------------------------------------------------------------------
    async def login_form(request: Request) -> Response:
        if not key:
            return JSONResponse({"error": "the admin is off: set DEVFLOW_ADMIN_TOKEN"}, 404)
        failed = "<p class=dead>Wrong token.</p>" if request.query_params.get("failed") else ""
        return _page("Sign in", f"{failed}<form method=post action=/admin/login><label>Admin token "
                     "<input type=password name=token autocomplete=current-password></label> "
                     "<button type=submit>Sign in</button></form>", signed_in=False)  # fmt: skip

    async def login(request: Request) -> Response:
        if not key:
            return JSONResponse({"error": "the admin is off: set DEVFLOW_ADMIN_TOKEN"}, 404)
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
            return JSONResponse({"error": "CSRF check failed"}, 403)
        given = (await _form(request)).get("token", "")
        if not hmac.compare_digest(given.encode(), key.encode()):
            return RedirectResponse("/admin/login?failed=1", 303)
        response = RedirectResponse("/admin", 303)
        response.set_cookie(COOKIE, new_session(key, time.time()), max_age=SESSION_SECONDS, path="/admin",
                            secure=secure, httponly=True, samesite="strict")  # fmt: skip
        return response

    async def logout(request: Request) -> Response:
        response = RedirectResponse("/admin/login", 303)
        response.delete_cookie(COOKIE, path="/admin", secure=secure, httponly=True, samesite="strict")
        return response

    # -- pages ---------------------------------------------------------------------------------------
    async def overview(request: Request) -> Response:
        q = await run_in_threadpool(stats, services.broker)
        recent = await tables(lambda t: t.recent(50))
        dead = await tables(lambda t: t.open_dead_letters())
        rows = "".join(_delivery_row(v) for v in recent) or "<tr><td colspan=6>No delivery processed yet.</td></tr>"
        body = (
            f"<p id=queue>Queue: <b>{q.ready}</b> ready, {q.delayed} delayed, {q.in_progress} in progress; "
            f"lag {q.lag:.1f} s. <a href=/admin/dead-letters>Dead letters: <b id=dead-count>{dead}</b></a></p>"
            "<h2>Recent deliveries</h2><table><tr><th>delivery</th><th>event</th><th>item</th><th>status</th>"
            f"<th>rules matched</th><th>operations</th></tr>{rows}</table>"
        )
        return _page("Devflow service", body)

    async def dead_page(request: Request) -> Response:
        letters = await tables(lambda t: t.dead_letters(None, 100))
        token = _e(csrf_token(key, request.cookies.get(COOKIE, "")))
        rows = "".join(_dead_row(d, token) for d in letters) or "<tr><td colspan=7>No dead letters.</td></tr>"
        body = (
            "<table id=dead-letters><tr><th>id</th><th>event</th><th>item</th><th>error</th><th>attempts</th>"
            f"<th>status</th><th></th></tr>{rows}</table>"
        )
        return _page("Dead letters", body)

    async def delivery_page(request: Request) -> Response:
        found = await tables(lambda t: t.delivery(request.path_params["delivery"]))
        if found is None:
            return _page("Delivery", f"<p>{_e(request.path_params['delivery'])}: queued, not processed yet "
                         "(or unknown).</p>")  # fmt: skip
        return _page(f"Delivery {found.delivery}", f"<table>{_delivery_row(found)}</table>")

    async def dead_form(request: Request) -> Response:
        response = await settle(request)
        if response.status_code >= 400:
            return response
        return RedirectResponse("/admin/dead-letters", 303)

    # -- JSON ----------------------------------------------------------------------------------------
    async def api_dead(request: Request) -> Response:
        status = request.query_params.get("status", "open")
        letters = await tables(lambda t: t.dead_letters(None if status == "all" else status, 100))
        return JSONResponse({"dead_letters": [d.as_json() for d in letters]})

    async def api_deliveries(request: Request) -> Response:
        found = await tables(lambda t: t.recent(min(200, int(request.query_params.get("limit", "50") or 50))))
        return JSONResponse({"deliveries": [v.as_json() for v in found]})

    async def api_delivery(request: Request) -> Response:
        found = await tables(lambda t: t.delivery(request.path_params["delivery"]))
        if found is None:
            return JSONResponse({"delivery": request.path_params["delivery"], "status": "queued or unknown"}, 404)
        return JSONResponse(found.as_json())

    async def api_queue(request: Request) -> Response:
        q = await run_in_threadpool(stats, services.broker)
        return JSONResponse({"ready": q.ready, "delayed": q.delayed, "in_progress": q.in_progress, "lag": q.lag})

    async def api_telemetry(request: Request) -> Response:
        """The telemetry report as it would be sent now: shown, never sent (docs/service.md#telemetry)."""
        s = services.settings
        report = await tables(lambda t: telemetry.current(t.store, services.broker, s))
        return JSONResponse({"enabled": bool(s.telemetry_url), "interval_seconds": s.telemetry_interval,
                             "report": report})  # fmt: skip

    async def settle(request: Request) -> Response:
        what = request.path_params["action"]
        if what not in ("retry", "discard"):
            return JSONResponse({"error": "the action is retry or discard"}, 404)
        dead_id = request.path_params["id"]
        letter: DeadLetter | None = await tables(
            lambda t: t.settle_dead_letter(dead_id, "retried" if what == "retry" else "discarded")
        )
        if letter is None:
            return JSONResponse({"error": f"no open dead letter {dead_id}"}, 404)
        if what == "retry":
            delivery = Delivery.from_message({**letter.message, "seq": 0})  # out of order by now: no waiting
            try:
                await run_in_threadpool(enqueue, services.broker, delivery)
            except Exception:
                await tables(lambda t: t.reopen_dead_letter(dead_id))
                return JSONResponse({"error": "the queue is unavailable; the dead letter is still open"}, 503)
        return JSONResponse({"id": letter.id, "status": "retried" if what == "retry" else "discarded",
                             "see": f"/admin/deliveries/{letter.delivery}"})  # fmt: skip

    return [
        Route("/admin/login", login_form, methods=["GET"]),
        Route("/admin/login", login, methods=["POST"]),
        Route("/admin/logout", logout, methods=["POST"]),
        Route("/admin", guard(overview, page=True), methods=["GET"]),
        Route("/admin/dead-letters", guard(dead_page, page=True), methods=["GET"]),
        Route("/admin/deliveries/{delivery}", guard(delivery_page, page=True), methods=["GET"]),
        Route("/admin/dead-letters/{id:int}/{action}", guard(dead_form, page=True, changes=True), methods=["POST"]),
        Route("/admin/api/dead-letters", guard(api_dead, page=False), methods=["GET"]),
        Route("/admin/api/dead-letters/{id:int}/{action}", guard(settle, page=False, changes=True), methods=["POST"]),
        Route("/admin/api/deliveries", guard(api_deliveries, page=False), methods=["GET"]),
        Route("/admin/api/deliveries/{delivery}", guard(api_delivery, page=False), methods=["GET"]),
        Route("/admin/api/queue", guard(api_queue, page=False), methods=["GET"]),
        Route("/admin/api/telemetry", guard(api_telemetry, page=False), methods=["GET"]),
        *admin_repos.routes(guard, tables, _page),
    ]


def _delivery_row(v: DeliveryView) -> str:
    item = f"{v.repository}#{v.number}" if v.number is not None else v.repository
    ops = "<br>".join(f"{_e(o.get('type'))}: {_e(o.get('status'))}" for o in v.operations) or _e(v.outcome)
    return (
        f"<tr class=delivery data-delivery='{_e(v.delivery)}'><td><a href='/admin/deliveries/{_e(v.delivery)}'>"
        f"{_e(v.delivery)}</a></td><td>{_e(v.event)}</td><td>{_e(item)}</td><td class={_e(v.status)}>"
        f"{_e(v.status)} ({v.attempts} attempt{'s' if v.attempts != 1 else ''})</td>"
        f"<td>{_e(', '.join(v.matched_rules))}</td><td>{ops}</td></tr>"
    )


def _dead_row(d: DeadLetter, token: str) -> str:
    item = f"{d.repository}#{d.number}" if d.number is not None else d.repository
    buttons = ""
    if d.status == "open":
        buttons = "".join(
            f"<form method=post action=/admin/dead-letters/{d.id}/{a}><input type=hidden name=csrf value='{token}'>"
            f"<button type=submit name=do value={a}>{a}</button></form> "
            for a in ("retry", "discard")
        )
    return (
        f"<tr class=dead-letter data-id={d.id}><td>{d.id}</td><td>{_e(d.event)}</td><td>{_e(item)}</td>"
        f"<td>{_e(d.error)}</td><td>{d.attempts}</td><td class=status>{_e(d.status)}</td><td>{buttons}</td></tr>"
    )
