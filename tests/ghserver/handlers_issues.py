"""Handlers for issues, labels, assignees, comments, events/timeline and issue search."""

from __future__ import annotations

from typing import Any

from .api import Ctx, HttpError, Reply, Unsupported, not_found, route, validation_failed
from .render import error
from .search import SearchError, search
from .state import Issue, Milestone, parse_time

LABELS_DOC = "/issues/labels"
SEARCH_CAP = 1000


def _names(items: Any) -> list[str]:
    """Label/assignee names from any body form GitHub accepts (strings or {name|login: ...} objects)."""
    if isinstance(items, str):
        items = [items]
    out: list[str] = []
    for item in items or []:
        name = item if isinstance(item, str) else item.get("name") or item.get("login")
        if name and name.lower() not in (n.lower() for n in out):
            out.append(name)
    return out


def _label_list(body: Any) -> list[str]:
    return _names(body.get("labels", []) if isinstance(body, dict) else body)


def set_issue_labels(ctx: Ctx, issue: Issue, wanted: list[str]) -> None:
    """Replace the labels of `issue`, creating unknown labels and recording (un)labeled events."""
    state = ctx.state
    new = [state.add_label(name).name for name in wanted]
    old_keys = {n.lower() for n in issue.labels}
    new_keys = {n.lower() for n in new}
    for name in issue.labels:
        if name.lower() not in new_keys:
            state.add_event(issue.number, "unlabeled", label=state.label(name))
    for name in new:
        if name.lower() not in old_keys:
            state.add_event(issue.number, "labeled", label=state.label(name))
    if old_keys != new_keys:
        issue.updated_at = state.now()
    issue.labels = new


def _labels_reply(ctx: Ctx, issue: Issue, status: int = 200) -> Reply:
    return Reply(status, [ctx.render.label(label) for label in ctx.state.labels_on(issue)])


def set_assignees(ctx: Ctx, issue: Issue, wanted: list[str]) -> None:
    state = ctx.state
    for login in issue.assignees:
        if login not in wanted:
            state.add_event(issue.number, "unassigned", assignee=login)
    for login in wanted:
        if login not in issue.assignees:
            state.add_event(issue.number, "assigned", assignee=login)
            state.user_id(login)
    if wanted != issue.assignees:
        issue.updated_at = state.now()
    issue.assignees = list(wanted)


def _milestone(value: Any) -> Milestone | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise validation_failed(errors=[{"resource": "Issue", "field": "milestone", "code": "invalid"}]) from None
    return Milestone(number, f"Milestone {number}", id=8000 + number)


# -- issues ----------------------------------------------------------------------------------------
@route("issues/get")
def get_issue(ctx: Ctx) -> Reply:
    return Reply(200, ctx.render.issue(ctx.issue()))


@route("issues/create")
def create_issue(ctx: Ctx) -> Reply:
    body = ctx.body
    issue = ctx.state.add_issue(str(body["title"]), ctx.actor, body=body.get("body"))
    issue.milestone = _milestone(body.get("milestone"))
    set_issue_labels(ctx, issue, _names(body.get("labels")))
    set_assignees(ctx, issue, _names(body.get("assignees") or ([body["assignee"]] if body.get("assignee") else [])))
    ctx.state.events = [e for e in ctx.state.events if e.issue_number != issue.number]  # creation is silent
    return Reply(201, ctx.render.issue(issue))


@route("issues/update")
def update_issue(ctx: Ctx) -> Reply:
    issue, body, state = ctx.issue(), ctx.body or {}, ctx.state
    now = state.now()
    if "title" in body and body["title"] is not None and str(body["title"]) != issue.title:
        state.add_event(issue.number, "renamed", rename=(issue.title, str(body["title"])))
        issue.title = str(body["title"])
    if "body" in body:
        issue.body = body["body"]
    if "milestone" in body:
        issue.milestone = _milestone(body["milestone"])
    if "labels" in body:
        set_issue_labels(ctx, issue, _names(body["labels"]))
    if "assignees" in body or "assignee" in body:
        wanted = (
            _names(body["assignees"]) if "assignees" in body else _names([body["assignee"]] if body["assignee"] else [])
        )
        set_assignees(ctx, issue, wanted)
    new_state = body.get("state")
    if new_state and new_state != issue.state:
        if new_state == "closed":
            issue.state_reason = body.get("state_reason") or "completed"
            issue.closed_at = now
            state.add_event(issue.number, "closed", state_reason=issue.state_reason)
        else:
            issue.state_reason = "reopened"
            issue.closed_at = None
            state.add_event(issue.number, "reopened", state_reason="reopened")
        issue.state = new_state
    elif "state_reason" in body and issue.state == "closed" and body["state_reason"]:
        issue.state_reason = body["state_reason"]
    issue.updated_at = now
    return Reply(200, ctx.render.issue(issue))


def _issue_filter(ctx: Ctx, issue: Issue) -> bool:
    p = ctx.params
    if p.get("state", "open") != "all" and issue.state != p.get("state", "open"):
        return False
    wanted = [n.lower() for n in p["labels"].split(",") if n] if p.get("labels") else []
    if not all(w in (n.lower() for n in issue.labels) for w in wanted):
        return False
    if p.get("creator") and issue.user.lower() != p["creator"].lower():
        return False
    assignee = p.get("assignee")
    if (assignee == "none" and issue.assignees) or (assignee == "*" and not issue.assignees):
        return False
    if assignee not in (None, "none", "*") and assignee not in issue.assignees:
        return False
    since = parse_time(p.get("since"))
    return since is None or issue.updated_at >= since


@route("issues/list-for-repo")
def list_issues(ctx: Ctx) -> Reply:
    for unsupported in ("milestone", "type", "mentioned", "issue_field_values"):
        if unsupported in ctx.params:
            raise Unsupported(f"issues list filter {unsupported!r} not implemented")
    items = [i for i in ctx.state.issues.values() if _issue_filter(ctx, i)]
    sort = ctx.params.get("sort", "created")
    key = {"created": lambda i: i.created_at, "updated": lambda i: i.updated_at}.get(sort)
    if key is None:
        raise Unsupported(f"issues list sort {sort!r} not implemented")
    items.sort(key=lambda i: (key(i), i.number), reverse=ctx.params.get("direction", "desc") == "desc")
    return ctx.page(items, ctx.render.issue)


# -- locking ---------------------------------------------------------------------------------------
@route("issues/lock")
def lock_issue(ctx: Ctx) -> Reply:
    """Lock the conversation of an issue or pull request; a `locked` event records each change."""
    issue, reason = ctx.issue(), (ctx.body or {}).get("lock_reason")
    if not issue.locked or issue.active_lock_reason != reason:
        ctx.state.add_event(issue.number, "locked", lock_reason=reason)
        issue.locked, issue.active_lock_reason, issue.updated_at = True, reason, ctx.state.now()
    return Reply(204)


@route("issues/unlock")
def unlock_issue(ctx: Ctx) -> Reply:
    issue = ctx.issue()
    if issue.locked:
        ctx.state.add_event(issue.number, "unlocked")
        issue.locked, issue.active_lock_reason, issue.updated_at = False, None, ctx.state.now()
    return Reply(204)


# -- labels ----------------------------------------------------------------------------------------
@route("issues/list-labels-on-issue")
def list_issue_labels(ctx: Ctx) -> Reply:
    return ctx.page(ctx.state.labels_on(ctx.issue()), ctx.render.label)


@route("issues/add-labels")
def add_labels(ctx: Ctx) -> Reply:
    issue = ctx.issue()
    set_issue_labels(ctx, issue, _names([*issue.labels, *_label_list(ctx.body)]))
    return _labels_reply(ctx, issue)


@route("issues/set-labels")
def set_labels(ctx: Ctx) -> Reply:
    issue = ctx.issue()
    set_issue_labels(ctx, issue, _label_list(ctx.body))
    return _labels_reply(ctx, issue)


@route("issues/remove-label")
def remove_label(ctx: Ctx) -> Reply:
    issue, name = ctx.issue(), ctx.params["name"].lower()
    if name not in (n.lower() for n in issue.labels):
        raise HttpError(404, error("Label does not exist", f"{LABELS_DOC}#remove-a-label-from-an-issue", status="404"))
    set_issue_labels(ctx, issue, [n for n in issue.labels if n.lower() != name])
    return _labels_reply(ctx, issue)


@route("issues/remove-all-labels")
def remove_all_labels(ctx: Ctx) -> Reply:
    set_issue_labels(ctx, ctx.issue(), [])
    return Reply(204)


@route("issues/list-labels-for-repo")
def list_repo_labels(ctx: Ctx) -> Reply:
    return ctx.page(sorted(ctx.state.labels.values(), key=lambda lb: lb.name.lower()), ctx.render.label)


@route("issues/get-label")
def get_label(ctx: Ctx) -> Reply:
    label = ctx.state.label(ctx.params["name"])
    if label is None:
        raise not_found(f"{LABELS_DOC}#get-a-label")
    return Reply(200, ctx.render.label(label))


@route("issues/create-label")
def create_label(ctx: Ctx) -> Reply:
    body = ctx.body
    if ctx.state.label(body["name"]):
        raise validation_failed(errors=[{"resource": "Label", "code": "already_exists", "field": "name"}])
    label = ctx.state.add_label(body["name"], body.get("color", "ededed").lstrip("#"), body.get("description"))
    return Reply(201, ctx.render.label(label))


@route("issues/update-label")
def update_label(ctx: Ctx) -> Reply:
    state, body = ctx.state, ctx.body or {}
    label = state.label(ctx.params["name"])
    if label is None:
        raise not_found(f"{LABELS_DOC}#update-a-label")
    new_name = body.get("new_name")
    if new_name and new_name != label.name:
        if new_name.lower() != label.name.lower() and state.label(new_name):
            raise validation_failed(errors=[{"resource": "Label", "code": "already_exists", "field": "name"}])
        del state.labels[label.name.lower()]
        for issue in state.issues.values():
            issue.labels = [new_name if n.lower() == label.name.lower() else n for n in issue.labels]
        label.name = new_name
        state.labels[new_name.lower()] = label
    if "color" in body:
        label.color = body["color"].lstrip("#")
    if "description" in body:
        label.description = body["description"]
    return Reply(200, ctx.render.label(label))


@route("issues/delete-label")
def delete_label(ctx: Ctx) -> Reply:
    label = ctx.state.label(ctx.params["name"])
    if label is None:
        raise not_found(f"{LABELS_DOC}#delete-a-label")
    del ctx.state.labels[label.name.lower()]
    for issue in ctx.state.issues.values():
        issue.labels = [n for n in issue.labels if n.lower() != label.name.lower()]
    return Reply(204)


# -- assignees -------------------------------------------------------------------------------------
def _assignable(ctx: Ctx, login: str) -> bool:
    return login in ctx.state.collaborators or login.lower() == ctx.state.repo.owner.lower()


@route("issues/add-assignees")
def add_assignees(ctx: Ctx) -> Reply:
    issue = ctx.issue()
    wanted = _names([*issue.assignees, *_names((ctx.body or {}).get("assignees"))])
    set_assignees(ctx, issue, wanted[:10])
    return Reply(201, ctx.render.issue(issue))


@route("issues/remove-assignees")
def remove_assignees(ctx: Ctx) -> Reply:
    issue = ctx.issue()
    gone = set(_names((ctx.body or {}).get("assignees")))
    set_assignees(ctx, issue, [a for a in issue.assignees if a not in gone])
    return Reply(200, ctx.render.issue(issue))


@route("issues/list-assignees")
def list_assignees(ctx: Ctx) -> Reply:
    logins = [ctx.state.repo.owner, *sorted(ctx.state.collaborators)]
    return ctx.page(list(dict.fromkeys(logins)), ctx.render.user)


@route("issues/check-user-can-be-assigned")
def check_assignable(ctx: Ctx) -> Reply:
    if not _assignable(ctx, ctx.params["assignee"]):
        raise not_found()
    return Reply(204)


@route("issues/check-user-can-be-assigned-to-issue")
def check_assignable_to_issue(ctx: Ctx) -> Reply:
    ctx.issue()
    return check_assignable(ctx)


# -- comments --------------------------------------------------------------------------------------
def _comment(ctx: Ctx) -> Any:
    found = ctx.state.comments.get(ctx.params["comment_id"])
    if found is None:
        raise not_found()
    return found


@route("issues/list-comments")
def list_comments(ctx: Ctx) -> Reply:
    since = parse_time(ctx.params.get("since"))
    items = [c for c in ctx.state.issue_comments(ctx.issue().number) if since is None or c.updated_at >= since]
    return ctx.page(items, ctx.render.comment)


@route("issues/list-comments-for-repo")
def list_repo_comments(ctx: Ctx) -> Reply:
    since = parse_time(ctx.params.get("since"))
    items = [c for c in ctx.state.comments.values() if since is None or c.updated_at >= since]
    key = "updated_at" if ctx.params.get("sort") == "updated" else "created_at"
    items.sort(key=lambda c: (getattr(c, key), c.id), reverse=ctx.params.get("direction") == "desc")
    return ctx.page(items, ctx.render.comment)


@route("issues/create-comment")
def create_comment(ctx: Ctx) -> Reply:
    issue = ctx.issue()
    if issue.locked and ctx.state.association(ctx.actor) not in ("OWNER", "MEMBER", "COLLABORATOR"):
        raise HttpError(403, error("Unable to create comment because issue is locked.", "/issues/comments"))
    comment = ctx.state.add_comment(issue.number, ctx.body["body"], ctx.actor)
    issue.updated_at = comment.created_at
    return Reply(201, ctx.render.comment(comment))


@route("issues/get-comment")
def get_comment(ctx: Ctx) -> Reply:
    return Reply(200, ctx.render.comment(_comment(ctx)))


@route("issues/update-comment")
def update_comment(ctx: Ctx) -> Reply:
    comment = _comment(ctx)
    comment.body = ctx.body["body"]
    comment.updated_at = ctx.state.now()
    return Reply(200, ctx.render.comment(comment))


@route("issues/delete-comment")
def delete_comment(ctx: Ctx) -> Reply:
    del ctx.state.comments[_comment(ctx).id]
    return Reply(204)


# -- events, timeline, search ----------------------------------------------------------------------
@route("issues/list-events")
def list_events(ctx: Ctx) -> Reply:
    return ctx.page(ctx.state.issue_events(ctx.issue().number), ctx.render.event)


@route("issues/list-events-for-timeline")
def list_timeline(ctx: Ctx) -> Reply:
    number = ctx.issue().number
    state, render = ctx.state, ctx.render
    entries: list[tuple[Any, int, dict[str, Any]]] = []
    for event in state.issue_events(number):
        entries.append((event.created_at, event.id, render.event(event)))
    for comment in state.issue_comments(number):
        entries.append((comment.created_at, comment.id, render.timeline_comment(comment)))
    for review in state.reviews:
        if review.pull_number == number:
            entries.append((review.submitted_at, review.id, render.review(review, timeline=True)))
    entries.sort(key=lambda e: (e[0], e[1]))
    excluded = set(filter(None, ctx.params.get("exclude", "").split(",")))
    return ctx.page([e[2] for e in entries if e[2]["event"] not in excluded])


@route("search/issues-and-pull-requests")
def search_issues(ctx: Ctx) -> Reply:
    if ctx.params.get("search_type") or ctx.params.get("advanced_search"):
        raise Unsupported("only lexical search is implemented")
    try:
        found = search(ctx.state, ctx.params["q"], ctx.params.get("sort"), ctx.params.get("order", "desc"))
    except SearchError as exc:
        raise Unsupported(f"search: {exc}") from None
    # GitHub serves the first 1,000 results of any search; total_count still counts them all
    if (int(ctx.params.get("page", 1)) - 1) * int(ctx.params.get("per_page", 30)) >= SEARCH_CAP:
        raise validation_failed("Only the first 1000 search results are available", "/search/search#about-search")
    chunk, headers = ctx.paginate(found[:SEARCH_CAP])
    body = {
        "total_count": len(found),
        "incomplete_results": False,
        "search_type": "lexical",
        "items": [ctx.render.search_item(i) for i in chunk],
    }
    return Reply(200, body, headers)
