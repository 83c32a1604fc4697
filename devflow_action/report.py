"""Human renderings of a plan: terminal text (also the action's log, between stop-commands markers) and
the job summary's Markdown. Each escapes user text for its own sink (see ``diagnostics``)."""

from __future__ import annotations

from .diagnostics import escape_markdown, escape_text, markdown_code
from .plan import Plan, operation_json


def one_line(text: object) -> str:
    """User text on one line: a name or title with line breaks can never start a line of its own."""
    return escape_text(str(text))


def _op_text(op: dict[str, object]) -> str:
    kind = op.pop("type")
    if kind in ("comment", "reply", "upsert_comment"):
        body = str(op["body"]).strip().splitlines()
        return f"{kind}: {one_line(body[0]) if body else ''}{' …' if len(body) > 1 else ''}" + (
            f"  [{'once: ' if kind == 'comment' else ''}{op['marker']}]" if op.get("marker") else ""
        )
    if kind == "upsert_comment":
        first = str(op["body"]).strip().splitlines()[0]
        where = f"edit comment {op['comment_id']}" if op.get("comment_id") else "post"
        return f"upsert_comment: {where}: {one_line(first)} …  [{op['marker']}]"
    args = ", ".join(f"{k}={one_line(v)}" for k, v in op.items() if v not in ((), [], None))
    return f"{kind}: {args}" if args else str(kind)


def plan_text(plan: Plan) -> str:
    lines = [f"event: {one_line(plan.event)} on {one_line(plan.repository)}#{plan.number}"]
    if plan.skipped:
        lines.append(f"skipped: {one_line(plan.skipped)}")
        return "\n".join(lines)
    lines.append("rules:")
    for rule in plan.rules:
        mark = "✔" if rule.matched else ("?" if not rule.evaluated else "✘")
        lines.append(f"  {mark} {one_line(rule.name)}" + (f"  ({one_line(rule.reason)})" if rule.reason else ""))
        lines += [f"      matched: {one_line(c)}" for c in rule.matched_conditions]
        lines += [f"      missing: {one_line(c)}" for c in rule.missing_conditions]
    if not plan.rules:
        lines.append("  (no rule is triggered by this event)")
    lines.append("operations:" if plan.operations else "operations: none")
    lines += [f"  - {_op_text(operation_json(op))}" for op in plan.operations]
    lines += [f"note: {one_line(n)}" for n in plan.notes]
    return "\n".join(lines)


def plan_markdown(plan: Plan) -> str:
    out = [f"**Event** {markdown_code(plan.event)} on {markdown_code(f'{plan.repository}#{plan.number}')}", ""]
    if plan.skipped:
        return "\n".join([*out, f"Skipped: {escape_markdown(plan.skipped)}"])
    out += ["| rule | result | matched | missing |", "| --- | --- | --- | --- |"]
    for r in plan.rules:
        result = "matched" if r.matched else ("not evaluated: " + (r.reason or "") if not r.evaluated else "no")
        out.append(
            f"| {escape_markdown(r.name)} | {escape_markdown(result)} | "
            f"{'<br>'.join(escape_markdown(c) for c in r.matched_conditions)} | "
            f"{'<br>'.join(escape_markdown(c) for c in r.missing_conditions)} |"
        )
    out += ["", "**Operations**", ""]
    out += [f"- {escape_markdown(_op_text(operation_json(op)))}" for op in plan.operations] or ["- none"]
    out += [f"- note: {escape_markdown(n)}" for n in plan.notes]
    return "\n".join(out)
