"""Handlers for the repository, pull requests, commit statuses/checks, contents, collaborators, apps."""

from __future__ import annotations

from typing import Any

from .api import Ctx, HttpError, Reply, Unsupported, not_found, route, validation_failed
from .render import error, ts
from .state import CheckRun, Issue, fake_sha

PULLS_DOC = "/pulls/pulls"


@route("repos/get")
def get_repo(ctx: Ctx) -> Reply:
    return Reply(200, ctx.render.repository(full=True))


@route("rate-limit/get")
def rate_limit(ctx: Ctx) -> Reply:
    core = ctx.extra["rate"]
    idle = {**core, "used": 0, "remaining": core["limit"]}
    search = ctx.extra.get("search", {**idle, "limit": 30, "remaining": 30})
    body = {"resources": {"core": core, "search": search, "graphql": idle}, "rate": core}
    return Reply(200, body)


# -- pull requests ---------------------------------------------------------------------------------
@route("pulls/get")
def get_pull(ctx: Ctx) -> Reply:
    return Reply(200, ctx.render.pull(ctx.issue("pull_number", pull=True)))


@route("pulls/list")
def list_pulls(ctx: Ctx) -> Reply:
    p = ctx.params
    pulls = [i for i in ctx.state.issues.values() if i.is_pull]
    if p.get("state", "open") != "all":
        pulls = [i for i in pulls if i.state == p.get("state", "open")]
    if "head" in p:
        owner, _, ref = p["head"].rpartition(":")
        pulls = [i for i in pulls if i.head_ref == ref and owner.lower() in ("", ctx.state.repo.owner.lower())]
    if "base" in p:
        pulls = [i for i in pulls if i.base_ref == p["base"]]
    sort = p.get("sort", "created")
    if sort not in ("created", "updated"):
        raise Unsupported(f"pulls list sort {sort!r} not implemented")
    direction = p.get("direction", "desc" if sort == "created" else "asc")
    pulls.sort(key=lambda i: (getattr(i, f"{sort}_at"), i.number), reverse=direction == "desc")
    return ctx.page(pulls, lambda i: ctx.render.pull(i, simple=True))


@route("pulls/list-files")
def list_files(ctx: Ctx) -> Reply:
    pull = ctx.issue("pull_number", pull=True)
    return ctx.page(pull.files, lambda f: ctx.render.diff_entry(pull, f))


@route("pulls/list-commits")
def list_commits(ctx: Ctx) -> Reply:
    pull = ctx.issue("pull_number", pull=True)
    shas = [fake_sha("commit", pull.number, n) for n in range(pull.commits - 1)] + [pull.head_sha]
    return ctx.page(list(enumerate(shas)), lambda item: _commit(ctx, pull, *item))


def _commit(ctx: Ctx, pull: Issue, index: int, sha: str) -> dict[str, Any]:
    api, html = ctx.render.repo_api, ctx.render.repo_html
    person = {
        "name": pull.user,
        "email": f"{pull.user}@users.noreply.github.com",
        "date": ts(pull.created_at),
    }
    parent = pull.base_sha if index == 0 else fake_sha("commit", pull.number, index - 1)
    return {
        "url": f"{api}/commits/{sha}",
        "sha": sha,
        "node_id": f"C_{sha[:12]}",
        "html_url": f"{html}/commit/{sha}",
        "comments_url": f"{api}/commits/{sha}/comments",
        "commit": {
            "url": f"{api}/git/commits/{sha}",
            "author": person,
            "committer": person,
            "message": f"Commit {index + 1} of #{pull.number}",
            "comment_count": 0,
            "tree": {"sha": fake_sha("tree", sha), "url": f"{api}/git/trees/{fake_sha('tree', sha)}"},
        },
        "author": ctx.render.user(pull.user),
        "committer": ctx.render.user(pull.user),
        "parents": [{"sha": parent, "url": f"{api}/commits/{parent}", "html_url": f"{html}/commit/{parent}"}],
    }


@route("pulls/check-if-merged")
def check_merged(ctx: Ctx) -> Reply:
    if ctx.issue("pull_number", pull=True).merged_at is None:
        raise not_found()
    return Reply(204)


@route("pulls/merge")
def merge(ctx: Ctx) -> Reply:
    pull, body, state = ctx.issue("pull_number", pull=True), ctx.body or {}, ctx.state
    if pull.merged_at is not None or pull.state != "open" or not pull.mergeable or pull.draft:
        raise HttpError(405, error("Pull Request is not mergeable", f"{PULLS_DOC}#merge-a-pull-request"))
    if body.get("sha") and body["sha"] != pull.head_sha:
        raise HttpError(409, error("Head branch was modified. Review and try the merge again.", PULLS_DOC))
    now = state.now()
    pull.merge_commit_sha = fake_sha("merge", pull.number, body.get("merge_method", "merge"))
    pull.merged_at = pull.closed_at = pull.updated_at = now
    pull.merged_by, pull.state = ctx.actor, "closed"
    state.add_event(pull.number, "merged", commit_id=pull.merge_commit_sha)
    state.add_event(pull.number, "closed", commit_id=pull.merge_commit_sha)
    state.branches[pull.base_ref] = pull.merge_commit_sha
    return Reply(200, {"sha": pull.merge_commit_sha, "merged": True, "message": "Pull Request successfully merged"})


@route("pulls/list-requested-reviewers")
def list_requested(ctx: Ctx) -> Reply:
    pull = ctx.issue("pull_number", pull=True)
    users = [ctx.render.user(u) for u in pull.requested_reviewers]
    return Reply(200, {"users": users, "teams": [ctx.render.team(t) for t in pull.requested_teams]})


@route("pulls/request-reviewers")
def request_reviewers(ctx: Ctx) -> Reply:
    pull, body, state = ctx.issue("pull_number", pull=True), ctx.body, ctx.state
    reviewers, teams = body.get("reviewers", []), body.get("team_reviewers", [])
    if any(r.lower() == pull.user.lower() for r in reviewers):
        raise validation_failed(
            "Review cannot be requested from pull request author.", f"{PULLS_DOC}#request-reviewers"
        )
    for login in reviewers:
        if login not in pull.requested_reviewers:
            pull.requested_reviewers.append(login)
            state.add_event(pull.number, "review_requested", reviewer=login)
    for slug in teams:
        if slug not in pull.requested_teams:
            pull.requested_teams.append(slug)
            state.add_event(pull.number, "review_requested", team=slug)
    pull.updated_at = state.now()
    return Reply(201, ctx.render.pull(pull, simple=True))


@route("pulls/remove-requested-reviewers")
def remove_reviewers(ctx: Ctx) -> Reply:
    pull, body, state = ctx.issue("pull_number", pull=True), ctx.body, ctx.state
    for login in body.get("reviewers", []):
        if login in pull.requested_reviewers:
            pull.requested_reviewers.remove(login)
            state.add_event(pull.number, "review_request_removed", reviewer=login)
    for slug in body.get("team_reviewers", []):
        if slug in pull.requested_teams:
            pull.requested_teams.remove(slug)
            state.add_event(pull.number, "review_request_removed", team=slug)
    return Reply(200, ctx.render.pull(pull, simple=True))


@route("pulls/list-reviews")
def list_reviews(ctx: Ctx) -> Reply:
    number = ctx.issue("pull_number", pull=True).number
    return ctx.page([r for r in ctx.state.reviews if r.pull_number == number], ctx.render.review)


# -- commit statuses and checks --------------------------------------------------------------------
def _latest_runs(ctx: Ctx, sha: str) -> list[CheckRun]:
    runs = [r for r in ctx.state.check_runs if r.head_sha == sha]
    if ctx.params.get("filter", "latest") == "latest":
        newest: dict[str, CheckRun] = {}
        for run in runs:
            newest[run.name] = run
        runs = list(newest.values())
    return runs


@route("checks/list-for-ref")
def list_check_runs(ctx: Ctx) -> Reply:
    if "app_id" in ctx.params:
        raise Unsupported("check-runs filter app_id not implemented")
    runs = _latest_runs(ctx, ctx.state.resolve_ref(ctx.params["ref"]))
    if "check_name" in ctx.params:
        runs = [r for r in runs if r.name == ctx.params["check_name"]]
    if "status" in ctx.params:
        runs = [r for r in runs if r.status == ctx.params["status"]]
    chunk, headers = ctx.paginate(runs)
    return Reply(200, {"total_count": len(runs), "check_runs": [ctx.render.check_run(r) for r in chunk]}, headers)


@route("checks/list-suites-for-ref")
def list_check_suites(ctx: Ctx) -> Reply:
    if "app_id" in ctx.params or "check_name" in ctx.params:
        raise Unsupported("check-suites filters not implemented")
    sha = ctx.state.resolve_ref(ctx.params["ref"])
    by_app: dict[str, list[CheckRun]] = {}
    for run in ctx.state.check_runs:
        if run.head_sha == sha:
            by_app.setdefault(run.app_slug, []).append(run)
    suites = [_suite(ctx, sha, slug, runs) for slug, runs in by_app.items()]
    chunk, headers = ctx.paginate(suites)
    return Reply(200, {"total_count": len(suites), "check_suites": chunk}, headers)


def _suite(ctx: Ctx, sha: str, slug: str, runs: list[CheckRun]) -> dict[str, Any]:
    sid = 7000 + runs[0].id
    done = all(r.status == "completed" for r in runs)
    conclusions = [r.conclusion for r in runs]
    conclusion = None if not done else "failure" if "failure" in conclusions else "success"
    when = ts(runs[0].started_at)
    person = {"name": "octocat", "email": "octocat@github.com"}
    return {
        "id": sid,
        "node_id": f"CS_{sid}",
        "head_branch": None,
        "head_sha": sha,
        "status": "completed" if done else "in_progress",
        "conclusion": conclusion,
        "url": f"{ctx.render.repo_api}/check-suites/{sid}",
        "before": None,
        "after": sha,
        "pull_requests": [],
        "app": ctx.render.app(slug),
        "repository": ctx.render.repository(),
        "created_at": when,
        "updated_at": when,
        "head_commit": {
            "id": sha,
            "tree_id": fake_sha("tree", sha),
            "message": "commit",
            "timestamp": when,
            "author": person,
            "committer": person,
        },
        "latest_check_runs_count": len(runs),
        "check_runs_url": f"{ctx.render.repo_api}/check-suites/{sid}/check-runs",
    }


@route("repos/get-combined-status-for-ref")
def combined_status(ctx: Ctx) -> Reply:
    sha = ctx.state.resolve_ref(ctx.params["ref"])
    latest: dict[str, Any] = {}
    for status in ctx.state.statuses:
        if status.sha == sha:
            latest[status.context] = status
    states = {s.state for s in latest.values()}
    combined = (
        "failure" if states & {"failure", "error"} else "pending" if "pending" in states or not states else "success"
    )
    chunk, headers = ctx.paginate(list(latest.values()))
    statuses = [{k: v for k, v in ctx.render.status(s).items() if k != "creator"} for s in chunk]
    body = {
        "state": combined,
        "statuses": statuses,
        "sha": sha,
        "total_count": len(latest),
        "repository": ctx.render.repository(),
        "commit_url": f"{ctx.render.repo_api}/commits/{sha}",
        "url": f"{ctx.render.repo_api}/commits/{sha}/status",
    }
    return Reply(200, body, headers)


@route("repos/list-commit-statuses-for-ref")
def list_statuses(ctx: Ctx) -> Reply:
    sha = ctx.state.resolve_ref(ctx.params["ref"])
    items = [s for s in reversed(ctx.state.statuses) if s.sha == sha]
    return ctx.page(items, ctx.render.status)


# -- contents --------------------------------------------------------------------------------------
@route("repos/get-content")
def get_content(ctx: Ctx) -> Reply:
    state = ctx.state
    sha = state.resolve_ref(ctx.params.get("ref"))
    path = ctx.params["path"].strip("/")
    data = state.contents.get((sha, path))
    if data is not None:
        return Reply(200, ctx.render.content_file(path, sha, data))
    prefix = path + "/"
    children = sorted({p[len(prefix) :].split("/")[0] for s, p in state.contents if s == sha and p.startswith(prefix)})
    if not children:
        raise not_found("/repos/contents#get-repository-content")
    entries = []
    for name in children:
        full = f"{prefix}{name}"
        item = state.contents.get((sha, full))
        if item is not None:
            entry = ctx.render.content_file(full, sha, item)
            del entry["content"], entry["encoding"]
        else:
            entry = {
                **ctx.render.content_file(full, sha, b""),
                "type": "dir",
                "size": 0,
                "download_url": None,
            }
            del entry["content"], entry["encoding"]
        entries.append(entry)
    return Reply(200, entries)
