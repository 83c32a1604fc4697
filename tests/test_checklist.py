"""The onboarding checklist's pure evaluation (engine/checklist.py) on real pull request payloads:
what each kind of check says, who ticked what, and the facts it asks for."""

from __future__ import annotations

import time
from typing import Any

from devflow_action import plan as p
from devflow_action.config.loader import load_text
from devflow_action.engine import evaluate, has_work, required_facts
from devflow_action.engine.checklist import MARKER
from devflow_action.events.model import Facts, FileChange, OwnComment
from devflow_action.events.normalize import normalize

from .conftest import load_payload

CONFIG = load_text("""version: 1
onboarding:
  on: all
  branch: '^(feat|fix)/'
  checklist:
    - {id: description, text: Describe it, check: template}
    - {id: sections, text: Say how you tested, check: {template: {sections: [How it was tested]}}}
    - {id: issue, text: Link the issue, check: linked_issue}
    - {id: tests, text: Add tests, check: {tests: {source: ['src/**'], tests: ['tests/**']}}}
    - {id: ci, text: CI passes, check: ci}
    - {id: branch, text: Name the branch, check: branch}
    - {id: read, text: Read CONTRIBUTING.md, required: false}
""")
FIRST_TIMERS = load_text("version: 1\nonboarding:\n  checklist:\n    - {id: read, text: Read CONTRIBUTING.md}\n")


def pull(body: str, action: str = "opened", association: str | None = None, head: str | None = None) -> Any:
    payload = load_payload(f"pull_request.{action}")
    payload["pull_request"]["body"] = body
    if association:
        payload["pull_request"]["author_association"] = association
    if head:
        payload["pull_request"]["head"]["ref"] = head
    return normalize("pull_request", payload)


def upsert(plan: p.Plan) -> p.UpsertComment:
    (op,) = [o for o in plan.operations if isinstance(o, p.UpsertComment)]
    return op


def lines(body: str) -> dict[str, str]:
    return {
        line.split("devflow:item:")[1].split()[0].split(":")[0]: line
        for line in body.splitlines()
        if "devflow:item:" in line
    }


def test_each_kind_of_check_says_what_it_found() -> None:
    body = "## What and why\n\nFixes #7 and more.\n\n## How it was tested\n\n<!-- the commands -->\n"
    facts = Facts(files=(FileChange("src/app.py"),), checks="failure")
    got = lines(upsert(evaluate(pull(body, head="spelling"), CONFIG, facts)).body)
    assert got["description"].startswith("- [ ] Describe it — ❌ still to fill in: How it was tested")
    assert got["sections"].startswith("- [ ] Say how you tested — ❌ still to fill in: How it was tested")
    assert got["issue"].startswith("- [x] Link the issue — ✅ links #7 <!-- devflow:item:issue:auto -->")
    assert got["tests"].startswith("- [ ] Add tests — ❌ 1 source file(s) changed, no test file (e.g. `src/app.py`)")
    assert got["ci"].startswith("- [ ] CI passes — ❌ a check failed")
    assert got["branch"].startswith("- [ ] Name the branch — ❌ branch `spelling` does not match `^(feat|fix)/`")
    assert got["read"] == "- [ ] Read CONTRIBUTING.md — optional <!-- devflow:item:read -->"


def test_checks_that_hold_are_ticked_by_devflow() -> None:
    body = "## What and why\n\nA fix.\n\n## How it was tested\n\nRan it.\n\nCloses octo-org/other#3\n"
    facts = Facts(files=(FileChange("src/app.py"), FileChange("tests/test_app.py")), checks="success")
    op = upsert(evaluate(pull(body, head="fix/typo"), CONFIG, facts))
    assert op.body.startswith("### Checklist · 6 of 7 done\n")
    assert all(line.endswith(":auto -->") for ident, line in lines(op.body).items() if ident != "read")
    assert op.comment_id is None and op.marker == MARKER and op.body.endswith(MARKER)
    assert "Everything required is done: a maintainer will review your pull request." in op.body


def test_what_a_check_cannot_know_yet_is_waiting_not_failed() -> None:
    got = lines(upsert(evaluate(pull("## What\n\nx\n"), CONFIG, Facts(checks="pending"))).body)
    assert "⏳ the changed files are not known yet" in got["tests"] and "⏳ checks are running" in got["ci"]
    got = lines(upsert(evaluate(pull("## What\n\nx\n"), CONFIG, Facts(files=(FileChange("docs/a.md"),)))).body)
    assert "✅ no source file changed" in got["tests"] and "⏳ not known yet" in got["ci"]


def test_a_link_inside_the_templates_hidden_hint_is_not_a_linked_issue() -> None:
    body = '## What and why\n\n<!-- Link the issue: "Fixes #123". -->\nTypo.\n'
    assert "❌ no `Fixes #123` found" in lines(upsert(evaluate(pull(body), CONFIG, Facts())).body)["issue"]
    url = "Resolves https://github.com/Codertocat/Hello-World/issues/9"
    assert "✅ links https://github.com" in lines(upsert(evaluate(pull(url), CONFIG, Facts())).body)["issue"]


def test_an_unchanged_comment_is_not_written_again() -> None:
    event = pull("## What\n\nx\n")
    first = upsert(evaluate(event, CONFIG, Facts()))
    again = evaluate(event, CONFIG, Facts(own_comments=(OwnComment(42, first.body),)))
    assert [o for o in again.operations if isinstance(o, p.UpsertComment)] == []
    changed = evaluate(event, CONFIG, Facts(checks="success", own_comments=(OwnComment(42, first.body),)))
    assert upsert(changed).comment_id == 42


def test_ticks_a_person_made_stay_devflows_own_follow_the_checks() -> None:
    event = pull("## What\n\nx\n", head="fix/a")
    posted = upsert(evaluate(event, CONFIG, Facts(checks="success"))).body
    assert lines(posted)["ci"].startswith("- [x]") and lines(posted)["branch"].startswith("- [x]")
    ticked = posted.replace("- [ ] Read CONTRIBUTING.md", "- [x] Read CONTRIBUTING.md")
    ticked = ticked.replace("- [ ] Add tests", "- [x] Add tests")  # a maintainer ticks a checked item too
    after = upsert(evaluate(event, CONFIG, Facts(checks="failure", own_comments=(OwnComment(5, ticked),)))).body
    got = lines(after)
    assert got["read"].startswith("- [x] Read CONTRIBUTING.md") and got["tests"].startswith("- [x] Add tests")
    assert got["ci"].startswith("- [ ] CI passes — ❌")  # Devflow's own tick, undone when CI fails


def test_ticks_in_the_description_are_matched_by_marker_or_by_text() -> None:
    body = "## What\n\nx\n\n- [x] read contributing.md\n- [X] Describe it <!-- devflow:item:ci -->\n"
    got = lines(upsert(evaluate(pull(body), CONFIG, Facts(checks="failure"))).body)
    assert got["read"].startswith("- [x] Read CONTRIBUTING.md — optional; ticked in the description")
    assert got["ci"].startswith("- [x] CI passes — ❌ a check failed") and got["ci"].endswith(":body -->")


def test_file_and_branch_names_cannot_break_out_of_the_comment() -> None:
    hostile = "src/`x`<!-- devflow:item:ci:auto -->.py"
    op = upsert(evaluate(pull("x", head="a`b<!--c-->"), CONFIG, Facts(files=(FileChange(hostile),))))
    assert op.body.count("<!--") == len(CONFIG.onboarding.checklist) + 1  # type: ignore[union-attr]
    assert "(e.g. `src/'x'<\u200b!-- devflow:item:ci:auto --\u200b>.py`)" in op.body


def test_first_timers_only_and_what_it_costs() -> None:
    owner = pull("x")  # author_association OWNER
    assert not has_work(FIRST_TIMERS, owner) and required_facts(FIRST_TIMERS, owner) == frozenset()
    first = pull("x", association="FIRST_TIME_CONTRIBUTOR")
    assert has_work(FIRST_TIMERS, first) and required_facts(FIRST_TIMERS, first) == {"own_comments"}
    unknown = pull("x", association="NONE")
    assert required_facts(FIRST_TIMERS, unknown) == {"own_comments", "first_contribution"}
    assert evaluate(unknown, FIRST_TIMERS, Facts(first_contribution=False)).operations == ()
    assert upsert(evaluate(unknown, FIRST_TIMERS, Facts(first_contribution=True))).comment_id is None
    assert required_facts(CONFIG, owner) == {"own_comments", "files", "checks"}
    closed = load_payload("pull_request.closed")
    closed["pull_request"]["author_association"] = "FIRST_TIME_CONTRIBUTOR"
    assert not has_work(FIRST_TIMERS, normalize("pull_request", closed))


def test_a_hostile_description_is_read_in_linear_time() -> None:
    body = "<!--" * 16_000 + "\n" + "# " + " " * 1000 + "x\n" + "- [ ] " * 2000
    started = time.monotonic()
    evaluate(pull(body[:65_536]), CONFIG, Facts())
    assert time.monotonic() - started < 1.0
