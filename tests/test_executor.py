"""Executor and facts provider against an in-memory port: fewest calls, idempotent, clean stops."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from devflow_action import plan as p
from devflow_action.app.context import RunContext
from devflow_action.app.event import handle_event
from devflow_action.config.loader import load_text
from devflow_action.events.model import FileChange
from devflow_action.events.normalize import normalize
from devflow_action.github.budget import CallBudget
from devflow_action.github.errors import BudgetExhausted, Unavailable
from devflow_action.github.executor import Executor, Report, run_marker
from devflow_action.github.facts import collect
from devflow_action.github.port import IssueState
from devflow_action.github.retry import Policy

from .conftest import load_payload
from .fakegithub import FakeGitHub

ISSUE = normalize("issues", load_payload("issues.opened"))  # #1, labels [bug], comments 0, OWNER
PR = normalize("pull_request", load_payload("pull_request.opened[1]"))
NOW = datetime(2026, 1, 1, tzinfo=UTC)
FAST = Policy(initial=0.0, max_backoff=0.0, sleep=lambda s: None)
WELCOME = p.Comment("hi\n\n<!-- devflow:welcome -->", "<!-- devflow:welcome -->")


def run(
    fake: FakeGitHub,
    ops: Sequence[p.Operation],
    state: IssueState | None = None,
    *,
    dry_run: bool = False,
    run_key: str | None = None,
) -> Report:
    state = state or IssueState(tuple(fake.labels), fake.state, comments=len(fake.comments))
    executor = Executor(fake, 1, state, dry_run=dry_run, run_key=run_key, policy=FAST)
    return executor.run(p.Plan("issues.opened", "o/r", 1, tuple(ops)))


def test_all_labels_in_one_request_and_only_missing_ones() -> None:
    fake = FakeGitHub(labels=["bug"])
    report = run(fake, [p.AddLabels(("bug", "a", "b"))])
    assert fake.sent == [("add_labels", ["a", "b"])]
    assert fake.labels == ["bug", "a", "b"]
    assert report.labels("add_labels") == ["a", "b"]  # the `labels-added` output: `bug` was there already
    assert report.outcomes[0].operation["labels"] == ["bug", "a", "b"]  # the operation as planned


def test_nothing_is_written_when_the_state_already_matches() -> None:
    fake = FakeGitHub(labels=["a"], assignees=["x"], state="closed", milestone=3, locked=True)
    state = IssueState(("a",), "closed", ("x",), 3, True)
    ops: list[p.Operation] = [
        p.AddLabels(("a",)), p.RemoveLabels(("gone",)), p.Assign(("x",)), p.Close(), p.SetMilestone(3), p.Lock(),
        p.RequestReview(("hubot",), ("docs",)),
    ]  # fmt: skip
    state = replace(state, requested_reviewers=("hubot",), requested_teams=("docs",))
    report = run(fake, ops, state)
    assert fake.calls == []
    assert {o.status for o in report.outcomes} == {"skipped"}


def test_removals_only_for_labels_present() -> None:
    # (a label gone by the time it is removed: GitHub's 404 is done, see test_integration)
    fake = FakeGitHub(labels=["a", "b"])
    report = run(fake, [p.RemoveLabels(("a", "zzz"))])
    assert fake.sent == [("remove_label", "a")] and fake.labels == ["b"]
    assert report.labels("remove_labels") == ["a"]


def test_review_requests_the_payload_lists_as_pending_need_no_read_and_are_not_sent() -> None:
    fake = FakeGitHub()
    state = IssueState.from_event(PR)  # octocat pending, no team
    report = run(fake, [p.RequestReview(("octocat", "hubot"), ("docs",))], state)
    assert fake.sent == [("request_reviewers", (["hubot"], ["docs"]))]
    assert report.outcomes[0].status == "applied"


def test_review_requests_not_known_are_read_once_and_compared_ignoring_case() -> None:
    fake = FakeGitHub(requested_reviewers=["Hubot"], requested_teams=["Docs"])
    state = IssueState(("bug",), "open")  # as a re-run reads it: pending requests unknown
    ops = [p.RequestReview(("hubot", "alice"), ("docs",)), p.RequestReview(("alice",), ("ops",))]
    report = run(fake, ops, state)
    assert fake.calls == ["list_requested_reviewers", "request_reviewers", "request_reviewers"]
    assert fake.sent == [("request_reviewers", (["alice"], [])), ("request_reviewers", ([], ["ops"]))]
    assert [o.status for o in report.outcomes] == ["applied", "applied"]


def test_review_requests_read_once_even_when_the_first_request_needs_no_write() -> None:
    fake = FakeGitHub(requested_reviewers=["hubot"])
    ops = [p.RequestReview(("hubot",)), p.RequestReview(("alice",), ("docs",)), p.RequestReview(("bob",), ("docs",))]
    report = run(fake, ops, IssueState((), "open"))
    assert fake.calls == ["list_requested_reviewers", "request_reviewers", "request_reviewers"]
    assert fake.sent == [("request_reviewers", (["alice"], ["docs"])), ("request_reviewers", (["bob"], []))]
    assert [o.status for o in report.outcomes] == ["skipped", "applied", "applied"]


def test_review_requests_are_read_when_only_the_teams_are_unknown() -> None:
    fake = FakeGitHub(requested_teams=["docs"])
    run(fake, [p.RequestReview((), ("docs",))], IssueState((), "open", requested_reviewers=()))
    assert fake.calls == ["list_requested_reviewers"]


def test_review_requests_all_pending_are_skipped() -> None:
    fake = FakeGitHub(requested_reviewers=["hubot"], requested_teams=["docs"])
    report = run(fake, [p.RequestReview(("hubot",), ("docs",))], IssueState((), "open"))
    assert fake.calls == ["list_requested_reviewers"]
    assert (report.outcomes[0].status, report.outcomes[0].detail) == ("skipped", "reviews already requested")


def test_close_and_milestone_are_one_patch() -> None:
    fake = FakeGitHub()
    report = run(fake, [p.Close("not_planned"), p.SetMilestone(2)])
    assert fake.calls == ["update_issue"]
    assert (fake.state, fake.milestone) == ("closed", 2)
    assert report.outcomes[0].operation["type"] == "update_issue"


def test_once_comment_on_a_fresh_item_without_comments_needs_no_read() -> None:
    fake = FakeGitHub()
    run(fake, [WELCOME])
    assert fake.calls == ["create_comment"]


def test_once_comment_is_skipped_when_its_marker_exists() -> None:
    fake = FakeGitHub(comments=["earlier\n\n<!-- devflow:welcome -->"])
    report = run(fake, [WELCOME])
    assert fake.calls == ["list_comments"]
    assert report.outcomes[0].status == "skipped"


def test_plain_comments_carry_a_run_marker_so_a_rerun_does_not_repeat_them() -> None:
    fake = FakeGitHub()
    thanks = p.Comment("thanks", rule="r")
    run(fake, [thanks], run_key="42")
    assert fake.comments == [f"thanks\n\n{run_marker('42', thanks)}"]
    # The job re-run (same run id), with the comment elsewhere in the plan: the marker is the operation's.
    report = run(fake, [p.AddLabels(("x",)), thanks], run_key="42")
    assert report.outcomes[1].status == "skipped"
    assert len(fake.comments) == 1


def test_a_run_marker_names_the_run_the_rule_and_the_text() -> None:
    thanks = p.Comment("thanks", rule="r")
    assert run_marker("42", thanks) != run_marker("43", thanks)
    assert run_marker("42", thanks) != run_marker("42", p.Comment("thanks", rule="other"))
    assert run_marker("42", thanks) != run_marker("42", p.Comment("thanks!", rule="r"))
    assert run_marker("4-->2", thanks).count("-->") == 1  # the key cannot close the HTML comment


def test_a_marker_in_someone_elses_comment_does_not_count() -> None:
    fake = FakeGitHub(comments=["earlier\n\n<!-- devflow:welcome -->"], login="mallory")
    report = run(fake, [WELCOME])
    assert report.outcomes[0].status == "applied" and fake.calls == ["list_comments", "create_comment"]


def test_comment_that_landed_despite_a_502_is_not_posted_twice() -> None:
    fake = FakeGitHub(faults={0: (502, True)})  # GitHub stores the comment, then the client sees 502
    report = run(fake, [WELCOME])
    assert fake.calls == ["create_comment", "list_comments"]
    assert len(fake.comments) == 1
    assert report.outcomes[0].status == "applied"


def test_comment_that_did_not_land_is_retried_once_confirmed_absent() -> None:
    fake = FakeGitHub(faults={0: (502, False)})
    run(fake, [WELCOME])
    assert fake.calls == ["create_comment", "list_comments", "create_comment"]
    assert len(fake.comments) == 1


def test_the_pause_before_looking_for_a_comment_never_passes_the_deadline() -> None:
    clock = [0.0]
    budget = CallBudget(deadline=10.0, clock=lambda: clock[0])
    clock[0] = 9.9  # less than the pause is left
    fake = FakeGitHub(faults={0: (502, False)})
    slept: list[float] = []
    policy = Policy(initial=0.5, sleep=slept.append)
    executor = Executor(fake, 1, IssueState((), "open"), policy=policy, budget=budget)
    report = executor.run(p.Plan("issues.opened", "o/r", 1, (WELCOME,)))
    assert slept == [] and fake.calls == ["create_comment"]  # stopped before the pause, not after it
    assert report.outcomes[0].status == "left" and report.stopped == "the run's deadline (10 s) is reached"


def test_a_refused_operation_fails_and_the_rest_still_applies() -> None:
    fake = FakeGitHub(faults={0: (422, False)})
    report = run(fake, [p.AddLabels(("a",)), p.Assign(("x",))])
    assert [o.status for o in report.outcomes] == ["failed", "applied"]
    assert report.outcomes[0].detail == "GitHub answered 422: boom"


def test_budget_stop_reports_the_rest_as_left() -> None:
    class Budgeted(FakeGitHub):
        def add_assignees(self, number: int, assignees: Sequence[str]) -> None:
            raise BudgetExhausted(3)

    fake = Budgeted()
    report = run(fake, [p.AddLabels(("a",)), p.Assign(("x",)), p.Close()])
    assert [o.status for o in report.outcomes] == ["applied", "left", "left"]
    assert report.stopped == "the run's API call budget (3 calls) is spent"


def test_dry_run_reads_but_never_writes() -> None:
    fake = FakeGitHub(comments=["x"])
    report = run(fake, [p.AddLabels(("a",)), WELCOME, p.Close()], dry_run=True)
    assert fake.calls == ["list_comments"]
    assert [o.status for o in report.outcomes] == ["dry-run", "dry-run", "dry-run"]


def test_skips_say_why() -> None:
    fake = FakeGitHub(labels=["a"], assignees=["x"], state="closed", milestone=3, locked=True)
    state = IssueState(("a",), "closed", ("x",), 3, True, requested_reviewers=("r",), requested_teams=())
    ops: list[p.Operation] = [
        p.AddLabels(("a",)), p.RemoveLabels(("gone",)), p.Assign(("x",)), p.Close(), p.Lock(), p.RequestReview(("r",))
    ]  # fmt: skip
    details = [(o.status, o.detail) for o in run(fake, ops, state).outcomes]
    assert details == [
        ("skipped", "labels already present"),
        ("skipped", "labels already absent"),
        ("skipped", "already assigned"),
        ("skipped", "already locked"),
        ("skipped", "reviews already requested"),
        ("skipped", "already so"),
    ]


def test_labels_outputs_count_only_what_was_applied_of_that_kind() -> None:
    fake = FakeGitHub(labels=["old"], faults={1: (422, False)})
    ops: list[p.Operation] = [
        p.AddLabels(("a",)), p.AddLabels(("b",)), p.AddLabels(("c", "old")), p.RemoveLabels(("old",)), p.Assign(("x",))
    ]  # fmt: skip
    report = run(fake, ops)
    assert [o.status for o in report.outcomes] == ["applied", "failed", "applied", "applied", "applied"]
    assert report.labels("add_labels") == ["a", "c"]  # b was refused; old was there
    assert report.outcomes[1].labels == ()
    assert report.labels("remove_labels") == ["old"]


def test_each_write_sees_the_state_the_previous_ones_left() -> None:
    fake = FakeGitHub(labels=["a"])
    ops: list[p.Operation] = [p.RemoveLabels(("a",)), p.AddLabels(("a",)), p.RemoveLabels(("a",))]
    report = run(fake, ops)
    assert fake.sent == [("remove_label", "a"), ("add_labels", ["a"]), ("remove_label", "a")]
    assert [o.status for o in report.outcomes] == ["applied"] * 3


def test_labels_github_reports_after_adding_are_the_state_later_operations_see() -> None:
    fake = FakeGitHub(labels=["bug", "wontfix"])  # `wontfix` was added after the event was sent
    report = run(fake, [p.AddLabels(("triage",)), p.RemoveLabels(("wontfix",))], IssueState(("bug",), "open"))
    assert fake.sent == [("add_labels", ["triage"]), ("remove_label", "wontfix")]
    assert [o.status for o in report.outcomes] == ["applied", "applied"]


def test_every_call_is_about_the_events_item() -> None:
    fake = FakeGitHub(labels=["old"], comments=["x"])
    ops: list[p.Operation] = [
        p.AddLabels(("a",)), p.RemoveLabels(("old",)), WELCOME, p.Assign(("x",)), p.RequestReview(("r",)),
        p.Lock(), p.Close(), p.SetMilestone(2),
    ]  # fmt: skip
    executor = Executor(fake, 7, IssueState(("old",), "open", comments=1), policy=FAST)
    report = executor.run(p.Plan("issues.opened", "o/r", 7, tuple(ops)))
    assert fake.numbers == {7} and {o.status for o in report.outcomes} == {"applied"}
    assert [o.detail for o in report.outcomes] == [""] * 7


def test_a_port_that_does_not_report_labels_after_adding_still_leaves_them_in_the_state() -> None:
    class Silent(FakeGitHub):
        def add_labels(self, number: int, labels: Sequence[str]) -> tuple[str, ...]:
            super().add_labels(number, labels)
            return ()

    fake = Silent()
    run(fake, [p.AddLabels(("a",)), p.RemoveLabels(("a",))], IssueState((), "open"))
    assert fake.sent == [("add_labels", ["a"]), ("remove_label", "a")]


def test_a_single_close_is_reported_as_a_close_and_several_changes_as_one_update() -> None:
    report = run(FakeGitHub(), [p.Close("not_planned")])
    assert report.outcomes[0].operation == {"type": "close", "reason": "not_planned"}
    report = run(FakeGitHub(), [p.Close(), p.SetMilestone(2)])
    assert report.outcomes[0].operation == {
        "type": "update_issue",
        "operations": [{"type": "close", "reason": "completed"}, {"type": "milestone", "number": 2}],
    }


def test_lock_reopen_and_milestone_send_what_changes() -> None:
    fake = FakeGitHub(state="closed", milestone=1)
    report = run(fake, [p.Lock("spam"), p.Reopen(), p.SetMilestone(1)], IssueState((), "closed", milestone=1))
    assert fake.sent == [("lock", "spam"), ("update_issue", {"state": "open", "state_reason": "reopened"})]
    assert [(o.operation["type"], o.status) for o in report.outcomes] == [
        ("lock", "applied"),
        ("update_issue", "applied"),
    ]
    assert run(FakeGitHub(), [p.Reopen()]).outcomes[0].status == "skipped"  # open already


def test_operations_left_after_a_stop_are_reported_as_planned() -> None:
    class Budgeted(FakeGitHub):
        def add_labels(self, number: int, labels: Sequence[str]) -> tuple[str, ...]:
            raise BudgetExhausted(3)

    report = run(Budgeted(), [p.AddLabels(("a",)), p.Assign(("x",))])
    assert [(o.operation, o.status, o.detail) for o in report.outcomes] == [
        ({"type": "add_labels", "labels": ["a"]}, "left", "the run's API call budget (3 calls) is spent"),
        ({"type": "assign", "assignees": ["x"]}, "left", "the run's API call budget (3 calls) is spent"),
    ]


def test_a_comment_posted_this_run_makes_a_later_marker_check_read_the_comments() -> None:
    fake = FakeGitHub()
    report = run(fake, [p.Comment("plain"), WELCOME, WELCOME])
    # the first comment was ours: the item has one now, so the marker is looked for; the second
    # welcome finds the first in what this run posted, without reading again
    assert fake.calls == ["create_comment", "list_comments", "create_comment"]
    assert [(o.status, o.detail) for o in report.outcomes] == [
        ("applied", ""),
        ("applied", ""),
        ("skipped", "already posted"),
    ]


def test_a_comment_that_keeps_failing_is_tried_as_often_as_the_policy_says() -> None:
    fake = FakeGitHub(faults={i: (502, False) for i in range(0, 20, 2)})  # every POST; the reads answer
    report = run(fake, [WELCOME])
    assert (
        fake.calls.count("create_comment") == FAST.attempts and fake.calls.count("list_comments") == FAST.attempts - 1
    )
    assert report.outcomes[0].status == "left" and fake.comments == []


def test_a_failed_comment_waits_longer_before_each_new_try() -> None:
    slept: list[float] = []
    fake = FakeGitHub(faults={i: (502, False) for i in range(0, 20, 2)})
    executor = Executor(
        fake, 1, IssueState((), "open"), policy=Policy(initial=0.5, max_backoff=3.0, sleep=slept.append)
    )
    executor.run(p.Plan("issues.opened", "o/r", 1, (WELCOME,)))
    assert slept == [0.5, 1.0, 2.0, 3.0]  # doubling, capped; none after the last try


def test_a_comment_found_after_an_error_says_so() -> None:
    fake = FakeGitHub(faults={0: (502, True)})
    assert run(fake, [WELCOME]).outcomes[0].detail == "posted (confirmed after an error)"


def test_a_comment_on_an_item_with_comments_is_checked_for_its_marker_after_another_is_posted() -> None:
    fake = FakeGitHub(comments=["someone else's"])
    run(fake, [p.Comment("plain"), WELCOME])
    assert fake.calls == ["create_comment", "list_comments", "create_comment"]


def test_a_comment_without_a_marker_is_not_tried_again() -> None:
    fake = FakeGitHub(faults={0: (502, False)})
    report = run(fake, [p.Comment("thanks")])  # no run key: nothing to recognise it by
    assert fake.calls == ["create_comment"] and report.outcomes[0].status == "left"


def test_dry_run_outcomes_have_no_detail() -> None:
    report = run(FakeGitHub(), [p.AddLabels(("a",)), WELCOME], dry_run=True)
    assert [(o.status, o.detail) for o in report.outcomes] == [("dry-run", ""), ("dry-run", "")]


# --- facts --------------------------------------------------------------------------------------


def test_fresh_event_uses_the_payload_and_fetches_only_declared_facts() -> None:
    fake = FakeGitHub(files=[FileChange(f"f{i}.py") for i in range(250)])
    observed = collect(PR, frozenset({"files"}), fake, fresh=True, now=NOW)
    assert fake.calls == ["list_pull_files"] * 3  # ceil(250 / 100)
    assert observed.state.labels == ("bug",) and observed.facts.labels is None
    assert observed.facts.now == NOW  # age conditions read it


def test_rerun_reads_the_current_state_once() -> None:
    fake = FakeGitHub(labels=["triaged"])
    observed = collect(ISSUE, frozenset(), fake, fresh=False, now=NOW)
    assert fake.calls == ["get_issue"]
    assert observed.facts.labels == ("triaged",)


def test_first_contribution_from_association_needs_no_call() -> None:
    fake = FakeGitHub()
    assert (
        collect(ISSUE, frozenset({"first_contribution"}), fake, fresh=True, now=NOW).facts.first_contribution is False
    )
    assert fake.calls == []


@pytest.mark.parametrize(("authored", "first"), [(1, True), (2, False)])
def test_first_contribution_with_association_none_is_one_call(authored: int, first: bool) -> None:
    newcomer = replace(ISSUE, author=replace(ISSUE.author, association="NONE"))  # type: ignore[type-var]
    fake = FakeGitHub(authored=authored)
    facts = collect(newcomer, frozenset({"first_contribution"}), fake, fresh=True, now=NOW).facts
    assert facts.first_contribution is first
    assert fake.asked == [("count_authored", ("Codertocat", 2))]  # at most two items: enough to tell


def test_first_contribution_not_needed_is_not_asked_for() -> None:
    newcomer = replace(ISSUE, author=replace(ISSUE.author, association="NONE"))  # type: ignore[type-var]
    fake = FakeGitHub()
    assert collect(newcomer, frozenset({"files"}), fake, fresh=True, now=NOW).facts.first_contribution is None
    assert fake.calls == []


def test_devflow_labels_are_those_last_added_by_devflow() -> None:
    fake = FakeGitHub(
        events=[("labeled", "a", "github-actions[bot]"), ("labeled", "b", "alice"), ("labeled", "bug", "github-actions[bot]"),
                ("unlabeled", "bug", "alice"), ("labeled", "bug", "alice")]
    )  # fmt: skip
    event = replace(ISSUE, labels=("a", "b", "bug"))
    facts = collect(event, frozenset({"devflow_labels"}), fake, fresh=True, now=NOW).facts
    assert facts.devflow_labels == frozenset({"a"})


def test_an_event_no_rule_is_triggered_by_makes_no_call() -> None:
    config = load_text("version: 1\nrules:\n  - name: r\n    on: pull_request\n    then: [{label: a}]\n")
    fake = FakeGitHub()
    result = handle_event(RunContext(fake, clock=lambda: NOW, policy=FAST), config, ISSUE, fresh=False)
    assert fake.calls == [] and result.plan.operations == ()


def test_rerun_after_a_stop_applies_the_rest_without_duplicates() -> None:
    config = load_text(
        "version: 1\nrules:\n  - name: r\n    on: issues\n    then:\n      - label: [x, y]\n"
        "      - comment: {template: welcome, once: true}\n      - assign: octocat\n"
    )

    class StopsOnce(FakeGitHub):
        stopped = False

        def add_assignees(self, number: int, assignees: Sequence[str]) -> None:
            if not self.stopped:
                self.stopped = True
                raise BudgetExhausted(3)
            super().add_assignees(number, assignees)

    fake = StopsOnce(labels=["bug"])
    first = handle_event(RunContext(fake, clock=lambda: NOW, policy=FAST), config, ISSUE, fresh=True)
    assert [o.status for o in first.report.outcomes] == ["applied", "applied", "left"]
    fake.calls.clear()
    again = handle_event(RunContext(fake, clock=lambda: NOW, policy=FAST), config, ISSUE, fresh=False)  # the re-run
    assert [o.status for o in again.report.outcomes] == ["skipped", "applied"]  # labels already there: planned away
    assert fake.calls == ["get_issue", "list_comments", "add_assignees"]
    assert len(fake.comments) == 1 and fake.labels == ["bug", "x", "y"] and fake.assignees == ["octocat"]


def test_transport_errors_stop_with_work_left() -> None:
    class Down(FakeGitHub):
        def add_labels(self, number: int, labels: Sequence[str]) -> tuple[str, ...]:
            raise Unavailable("cannot reach GitHub (ConnectError) after 5 attempts")

    report = run(Down(), [p.AddLabels(("a",)), p.Assign(("x",))])
    # GitHub unreachable after the retries is work left (exit 2), never "failed"
    assert [o.status for o in report.outcomes] == ["left", "left"]
    assert report.stopped == "cannot reach GitHub (ConnectError) after 5 attempts"
