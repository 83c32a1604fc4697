"""The admin's per-repository view: deliveries by outcome, operations applied, open dead letters,
the median first response and onboarding checklist progress, and a chart of the last 14 days
(inline SVG: no script, nothing fetched)."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..state.service_pg import ServiceTables

Handler = Callable[[Request], Awaitable[Response]]
Guard = Callable[..., Handler]
Tables = Callable[[Callable[[ServiceTables], Any]], Awaitable[Any]]


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def chart(days: list[tuple[str, int, int]]) -> str:
    """Bars per day: done or ignored (green), failed or dead (red), stacked; the day under each."""
    top = max([ok + bad for _, ok, bad in days] + [1])
    width, height, bar = 44 * len(days), 140, 30
    parts = [f"<svg id=chart width={width} height={height + 30} role=img aria-label='deliveries per day'>"]
    for i, (day, ok, bad) in enumerate(days):
        x = i * 44 + 7
        h_ok, h_bad = round(height * ok / top), round(height * bad / top)
        parts.append(f"<rect x={x} y={height - h_ok} width={bar} height={h_ok} fill='#2a7'><title>{day}: {ok} done"
                     "</title></rect>")  # fmt: skip
        parts.append(f"<rect x={x} y={height - h_ok - h_bad} width={bar} height={h_bad} fill='#c33'><title>{day}: "
                     f"{bad} failed</title></rect>")  # fmt: skip
        parts.append(f"<text x={x + bar // 2} y={height + 16} font-size=10 text-anchor=middle>{day[5:]}</text>")
    parts.append("</svg>")
    return "".join(parts)


def routes(guard: Guard, tables: Tables, page: Callable[[str, str], Response]) -> list[BaseRoute]:
    async def overview(request: Request) -> Response:
        repos = await tables(lambda t: t.repositories(30))
        rows = (
            "".join(
                f"<tr class=repository><td><a href='/admin/repositories/{_e(r['repository'])}'>"
                f"{_e(r['repository'])}</a></td><td>{r['done']}</td><td>{r['ignored']}</td><td>{r['dead']}</td><td>{r['applied']}</td>"
                f"<td>{r['dead_open']}</td><td>{_hours(r['first_response_hours'])}</td>"
                f"<td>{r['checklist_done']} / {r['checklist_items']}</td></tr>"
                for r in repos
            )
            or "<tr><td colspan=8>No delivery in the last 30 days.</td></tr>"
        )
        return page(
            "Repositories",
            "<p>The last 30 days.</p><table><tr><th>repository</th><th>done</th><th>ignored</th><th>dead</th>"
            "<th>operations applied</th><th>open dead letters</th><th>median first response</th>"
            f"<th>onboarding checklist items done</th></tr>{rows}</table>",
        )

    async def one(request: Request) -> Response:
        name = f"{request.path_params['owner']}/{request.path_params['name']}"
        days = await tables(lambda t: t.daily(name, 14))
        found = [r for r in await tables(lambda t: t.repositories(30)) if r["repository"] == name]
        summary = found[0] if found else None
        facts = (
            f"<p>Last 30 days: {summary['done']} done, {summary['dead']} dead, {summary['applied']} operations "
            f"applied; median first response {_hours(summary['first_response_hours'])}; onboarding checklist "
            f"items done {summary['checklist_done']} of {summary['checklist_items']}.</p>"
            if summary else "<p>No delivery in the last 30 days.</p>"
        )  # fmt: skip
        return page(name, f"{facts}<h2>Deliveries per day (UTC)</h2>{chart(days)}")

    async def api(request: Request) -> Response:
        return JSONResponse({"repositories": await tables(lambda t: t.repositories(30))})

    return [
        Route("/admin/repositories", guard(overview, page=True), methods=["GET"]),
        Route("/admin/repositories/{owner}/{name}", guard(one, page=True), methods=["GET"]),
        Route("/admin/api/repositories", guard(api, page=False), methods=["GET"]),
    ]


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} h"
