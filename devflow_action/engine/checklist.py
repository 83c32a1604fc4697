"""The tracked onboarding checklist of a pull request: pure evaluation, and the one comment that shows it.

Devflow keeps one comment per pull request, found by its hidden marker among the comments its own
identity wrote, and edits it in place as the pull request changes. Who ticks what:

- Devflow ticks an item whose ``check`` it verified, and unticks it when that no longer holds (its
  hidden item marker says ``auto``);
- an item a person ticked in the comment (a maintainer, or anyone GitHub lets edit it) stays ticked:
  a person's tick is never undone; with a state store it is recorded (``marks``) and read back
  (``Facts.checklist_progress``), so it stays ticked even after the comment was deleted or edited;
- an item ticked in the pull request's description (the template carries the same list) is shown
  ticked while it is ticked there: contributors cannot edit Devflow's comment, but they own their
  description.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .. import plan as p
from ..config.onboarding import Check, ChecklistItem, Onboarding
from ..diagnostics import escape_markdown
from ..events.model import Event, Facts, OwnComment
from ..language.patterns import compile_regex
from ..language.templates import neutralise

MARKER = "<!-- devflow:checklist -->"
NAME = "onboarding checklist"
# Pull request actions after which the checklist is evaluated again (check completion arrives as a
# synchronize of the pull request it belongs to: app/checks.py).
ACTIONS = frozenset({"opened", "reopened", "synchronize", "edited", "ready_for_review"})

Status = Literal["done", "failed", "waiting", "todo"]
# The description is user text of up to 65,536 characters: these run on RE2, in linear time.
_ITEM = compile_regex(r"^[ \t]*[-*][ \t]+\[([ xX])\][ \t]+(.*)$")
_ITEM_MARKER = compile_regex(r"<!--[ \t]*devflow:item:([A-Za-z0-9][A-Za-z0-9_.-]*)(?::(auto|body))?[ \t]*-->")
_COMMENT = compile_regex(r"(?s)<!--.*?-->")
_HEADING = compile_regex(r"^#{1,6}[ \t]+(.*)$")
_LINKED = compile_regex(
    r"(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?[ \t]+"
    r"(?:[\w.-]+/[\w.-]+#\d+|#\d+|https://github\.com/[\w.-]+/[\w.-]+/issues/\d+)"
)
_SYMBOL = {"done": "✅", "failed": "❌", "waiting": "⏳", "todo": ""}


@dataclass(frozen=True)
class ItemResult:
    item: ChecklistItem
    status: Status  # of its check; "todo" when it has none
    detail: str
    ticked: bool
    by: str  # "auto" (Devflow verified it), "body" (ticked in the description), "" (a person, or nobody)


def applies(onboarding: Onboarding | None, event: Event) -> bool:
    """Whether the event is one the checklist is kept up to date on (before anything is read)."""
    if onboarding is None or not onboarding.checklist or event.skipped or event.number is None:
        return False
    if event.name != "pull_request" or event.action not in ACTIONS or event.state == "closed":
        return False
    if event.author is not None and event.author.bot:
        return False
    return not (onboarding.on == "first_timers" and event.author and event.author.first_contribution is False)


def required_facts(onboarding: Onboarding) -> frozenset[str]:
    needed = {"own_comments"}
    if onboarding.on == "first_timers":
        needed.add("first_contribution")
    for item in onboarding.checklist:
        if item.check is not None and item.check.kind == "tests":
            needed.add("files")
        if item.check is not None and item.check.kind == "ci":
            needed.add("checks")
    return frozenset(needed)


def evaluate(event: Event, onboarding: Onboarding, facts: Facts) -> tuple[p.RuleResult, p.Operation | None]:
    """The checklist's explanation, and the operation that brings the comment up to date (None when it
    already is, or when the author is not one the checklist is for)."""
    if onboarding.on == "first_timers":
        first = event.author.first_contribution if event.author else None
        first = facts.first_contribution if first is None else first
        if first is None:
            return p.RuleResult(NAME, False, False, reason="needs facts not available: first_contribution"), None
        if not first:
            return p.RuleResult(NAME, False, missing_conditions=("author.first_contribution is true",)), None
    existing, results = _results(event, onboarding, facts)
    body = render(event, results)
    rule = p.RuleResult(
        NAME,
        True,
        matched_conditions=tuple(_explain(r) for r in results if r.ticked),
        missing_conditions=tuple(_explain(r) for r in results if not r.ticked),
    )
    if existing is not None and existing.body == body:
        return rule, None
    return rule, p.UpsertComment(body, MARKER, existing.id if existing else None)


def _results(event: Event, onboarding: Onboarding, facts: Facts) -> tuple[OwnComment | None, list[ItemResult]]:
    existing = _find(facts.own_comments)
    before = _ticks(existing.body) if existing else {}
    for ident, by in facts.checklist_progress or ():
        if by == "person":
            before[ident] = (True, "")  # recorded: kept whatever the comment says now
    in_body = _body_ticks(event.body, onboarding)
    return existing, [
        _item(item, event, onboarding, facts, before.get(item.id), in_body) for item in onboarding.checklist
    ]


def marks(event: Event, onboarding: Onboarding, facts: Facts) -> dict[str, str]:
    """What the state store keeps after ``evaluate``: item id -> who ticked it ("person", "auto",
    "body"; "" not ticked). Nothing for an author the checklist is not for."""
    if onboarding.on == "first_timers":
        first = event.author.first_contribution if event.author else None
        if not (facts.first_contribution if first is None else first):
            return {}
    _, results = _results(event, onboarding, facts)
    return {r.item.id: (r.by or "person") if r.ticked else "" for r in results}


def _find(comments: tuple[OwnComment, ...] | None) -> OwnComment | None:
    return next((c for c in comments or () if MARKER in c.body), None)


def _explain(r: ItemResult) -> str:
    if r.ticked:
        who = {"auto": "verified", "body": "ticked in the description", "": "ticked in the comment"}[r.by]
    else:
        who = "left to the contributor" if r.status == "todo" else r.status
    return f"{r.item.id}: {who}" + (f" ({r.detail})" if r.detail else "")


def _ticks(body: str) -> dict[str, tuple[bool, str]]:
    """Items of an earlier checklist comment: id -> (ticked, who ticked it)."""
    out: dict[str, tuple[bool, str]] = {}
    for line in body.splitlines():
        m, marker = _ITEM.find(line), _ITEM_MARKER.find(line)
        if m and marker:
            out[marker.group(1)] = (m.group(1) in "xX", marker.group(2) or "")
    return out


def _body_ticks(body: str, onboarding: Onboarding) -> set[str]:
    """Ids of the items ticked in the description: by their hidden marker, or by their exact text."""
    by_text = {_plain(item.text): item.id for item in onboarding.checklist}
    ticked: set[str] = set()
    for line in (body or "").splitlines():
        m = _ITEM.find(line)
        if not m or m.group(1) not in "xX":
            continue
        marker = _ITEM_MARKER.find(line)
        ident = marker.group(1) if marker else by_text.get(_plain(m.group(2)))
        if ident is not None:
            ticked.add(ident)
    return ticked


def _plain(text: str) -> str:
    return " ".join(_COMMENT.sub("", text).split()).casefold()


def _item(
    item: ChecklistItem,
    event: Event,
    onboarding: Onboarding,
    facts: Facts,
    before: tuple[bool, str] | None,
    in_body: set[str],
) -> ItemResult:
    status, detail = check(item.check, event, onboarding, facts) if item.check else ("todo", "")
    if before is not None and before[0] and before[1] == "":
        return ItemResult(item, status, detail, True, "")  # a person ticked it here: never undone
    if status == "done":
        return ItemResult(item, status, detail, True, "auto")
    if item.id in in_body:
        return ItemResult(item, status, detail, True, "body")
    return ItemResult(item, status, detail, False, "")


def check(spec: Check, event: Event, onboarding: Onboarding, facts: Facts) -> tuple[Status, str]:
    """One check against the pull request: its status and what the contributor reads about it."""
    if spec.kind == "template":
        return _template(event.body, spec.sections)
    if spec.kind == "linked_issue":
        found = _LINKED.find(_COMMENT.sub("", event.body or ""))
        return ("done", f"links {found.group(0).split()[-1]}") if found else ("failed", "no `Fixes #123` found")
    if spec.kind == "tests":
        return _tests(spec, facts)
    if spec.kind == "ci":
        if facts.checks == "success":
            return "done", "all checks passed"
        if facts.checks == "failure":
            return "failed", "a check failed: see the Checks tab"
        return "waiting", "checks are running" if facts.checks == "pending" else "not known yet"
    if onboarding.branch is None or not event.head:
        return "waiting", "branch not known"
    if onboarding.branch.search(event.head):
        return "done", ""
    return "failed", f"branch {_code(event.head)} does not match {_code(onboarding.branch.pattern)}"


def _sections(body: str) -> list[tuple[str, str, bool]]:
    """(heading, its text without hidden comments and task-list lines, whether it had task-list lines),
    in order; text before the first heading is a section named ""."""
    out: list[tuple[str, list[str], list[bool]]] = [("", [], [])]
    for line in _COMMENT.sub("", body or "").splitlines():
        heading = _HEADING.find(line)
        if heading:
            out.append((heading.group(1).strip().rstrip("#").strip(), [], []))
        elif _ITEM.find(line):
            out[-1][2].append(True)
        else:
            out[-1][1].append(line)
    return [(name, "\n".join(lines).strip(), bool(items)) for name, lines, items in out]


def _template(body: str, wanted: tuple[str, ...]) -> tuple[Status, str]:
    sections = _sections(body)
    if wanted:
        filled = {name.casefold() for name, text, _ in sections if text}
        empty = [name for name in wanted if name.casefold() not in filled]
    else:
        named = [(name, text, items) for name, text, items in sections if name]
        if not named:
            return ("done", "filled in") if sections[0][1] else ("failed", "the description is empty")
        # A section of task-list lines only (a checklist) is neither filled in nor empty.
        empty = [name for name, text, items in named if not text and not items]
    if not empty:
        return "done", "filled in"
    return "failed", "still to fill in: " + ", ".join(_user(name) for name in empty)


def _tests(spec: Check, facts: Facts) -> tuple[Status, str]:
    if facts.files is None:
        return "waiting", "the changed files are not known yet"
    assert spec.source is not None and spec.tests is not None
    names = [f.filename for f in facts.files]
    source = [n for n in names if spec.source.match(n)]
    tests = [n for n in names if spec.tests.match(n)]
    if tests:
        return "done", f"{len(tests)} test file(s) changed"
    if not source:
        return "done", "no source file changed"
    return "failed", f"{len(source)} source file(s) changed, no test file (e.g. {_code(source[0])})"


def _user(text: str) -> str:
    """Text from the pull request (a heading) made inert in the comment's Markdown."""
    return neutralise(escape_markdown(text))


def _code(text: str) -> str:
    """Text from the pull request (a file or branch name) as inline code: inert, and unable to close
    the code span or forge an item's hidden marker."""
    return "`" + neutralise(" ".join(text.replace("`", "'").split())) + "`"


def _line(r: ItemResult) -> str:
    tag = f":{r.by}" if r.ticked and r.by else ""
    notes = []
    if r.status != "todo":
        notes.append(f"{_SYMBOL[r.status]} {r.detail}".strip())
    if r.item.run and not r.ticked:
        notes.append(f"run `devflow check --only {r.item.id}` (`{r.item.run}`)")
    if not r.item.required:
        notes.append("optional")
    if r.ticked and r.by == "body":
        notes.append("ticked in the description")
    suffix = f" — {'; '.join(notes)}" if notes else ""
    return f"- [{'x' if r.ticked else ' '}] {r.item.text}{suffix} <!-- devflow:item:{r.item.id}{tag} -->"


def render(event: Event, results: list[ItemResult]) -> str:
    done = sum(1 for r in results if r.ticked)
    left = [r for r in results if not r.ticked and r.item.required]
    author = f"@{event.author.login}, thanks" if event.author else "Thanks"
    lines = [
        f"### Checklist · {done} of {len(results)} done",
        "",
        f"{author} for your pull request! Devflow ticks what it can verify and keeps this list up to date as "
        "you push. Tick the other items in your pull request's description once they are done; "
        "`devflow check` runs the local steps for you.",
        "",
        *[_line(r) for r in results],
        "",
    ]
    if not left:
        lines.append("Everything required is done: a maintainer will review your pull request.")
    else:
        lines.append(f"Still required: {', '.join(r.item.id for r in left)}.")
    sha = f" at `{event.head_sha[:7]}`" if event.head_sha else ""
    lines += ["", f"<sub>Checked{sha}.</sub>", MARKER]
    return "\n".join(lines)
